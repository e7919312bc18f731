/**
 * Loads the face models on the first photo instead of at start: most chats are
 * text, and face-api's WASM start-up costs a few seconds.
 */
import type { FaceMoodDetector } from '../../core/ports.js';
import { createFaceMoodDetector } from './face-mood.detector.js';

export function createLazyFaceMoodDetector(options: { modelDir: string; maxBytes: number; maxPixels: number }): FaceMoodDetector {
  let loading: Promise<FaceMoodDetector> | null = null;
  return {
    async detect(image) {
      loading ??= createFaceMoodDetector({ modelDir: options.modelDir, decode: { maxBytes: options.maxBytes, maxPixels: options.maxPixels } }).catch((error: unknown) => {
        loading = null;
        throw error;
      });
      return (await loading).detect(image);
    },
  };
}
