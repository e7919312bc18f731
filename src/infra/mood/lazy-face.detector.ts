/**
 * Loads the face models on the first photo instead of at start: most chats are
 * text, and face-api's WASM start-up costs a few seconds.
 */
import type { FaceMoodDetector } from '../../core/ports.js';
import { createFaceMoodDetector, type FaceMoodDetectorOptions } from './face-mood.detector.js';

export function createLazyFaceMoodDetector(options: FaceMoodDetectorOptions): FaceMoodDetector {
  let loading: Promise<FaceMoodDetector> | null = null;
  return {
    async detect(image) {
      loading ??= Promise.resolve(createFaceMoodDetector(options)).catch((error: unknown) => {
        loading = null;
        throw error;
      });
      return (await loading).detect(image);
    },
  };
}
