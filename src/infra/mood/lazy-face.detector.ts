/**
 * Loads the face models on the first photo instead of at start: most chats are
 * text, and face-api's WASM start-up costs a few seconds.
 */
import type { FaceMoodDetector } from '../../core/ports.js';
import { createStockFaceMoodDetector, type StockFaceOptions } from './stock-face.detector.js';

export function createLazyFaceMoodDetector(options: StockFaceOptions & { modelDir?: string }): FaceMoodDetector {
  let loading: Promise<FaceMoodDetector> | null = null;
  return {
    async detect(image) {
      loading ??= createStockFaceMoodDetector(options).catch((error: unknown) => {
        loading = null;
        throw error;
      });
      return (await loading).detect(image);
    },
  };
}
