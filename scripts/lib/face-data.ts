/**
 * Shared steps of the face scripts: seeded sampling, FER crops as backbone input, and a
 * sharpness check on training data. One place, so evaluation and training read FER2013
 * the same way.
 */
import type { tf } from '../../src/infra/ml/tfjs.js';
import { EXPRESSION_INPUT_SIZE } from '../../src/infra/mood/face-expression.model.js';
import { FER_SIZE } from './face-fer.js';
import { mulberry32, shuffleInPlace } from './text-rng.js';

/**
 * Up to `limit` items in a seeded random order (all of them, in file order, when no limit).
 * The Kaggle FER2013 files are sorted by class: their first rows are all "angry".
 */
export function sampleRows<T>(rows: readonly T[], limit: number, seed: number): T[] {
  if (!Number.isFinite(limit) || limit >= rows.length) return [...rows];
  return shuffleInPlace([...rows], mulberry32(seed)).slice(0, Math.max(0, Math.floor(limit)));
}

/**
 * 48x48 grey crops -> [N, size, size, 3] float RGB 0..255 (size: the model's input side,
 * default face-api's 112), resized the way face-api's NetInput does (bilinear, no corner
 * alignment); at 48 the crops pass unchanged. Caller disposes.
 */
export function ferCrops(t: typeof tf, crops: readonly Uint8Array[], size = EXPRESSION_INPUT_SIZE): tf.Tensor4D {
  const flat = new Float32Array(crops.length * FER_SIZE * FER_SIZE);
  crops.forEach((c, i) => flat.set(c, i * FER_SIZE * FER_SIZE));
  return t.tidy(() => {
    const grey = t.tensor4d(flat, [crops.length, FER_SIZE, FER_SIZE, 1]);
    const rgb = t.tile(grey, [1, 1, 1, 3]) as tf.Tensor4D;
    return size === FER_SIZE ? rgb : t.image.resizeBilinear(rgb, [size, size], false, false);
  });
}

/**
 * Mean absolute 4-neighbour Laplacian of a 48x48 grey crop: a cheap sharpness figure.
 * The published FER2013 crops score about 30 (public-test: median above 22); a crop
 * blurred with a Gaussian of sigma 3 px scores about 2.
 */
export function ferSharpness(pixels: Uint8Array): number {
  let sum = 0;
  for (let y = 1; y < FER_SIZE - 1; y++) {
    for (let x = 1; x < FER_SIZE - 1; x++) {
      const i = y * FER_SIZE + x;
      sum += Math.abs(4 * pixels[i]! - pixels[i - 1]! - pixels[i + 1]! - pixels[i - FER_SIZE]! - pixels[i + FER_SIZE]!);
    }
  }
  return sum / ((FER_SIZE - 2) * (FER_SIZE - 2));
}

/** Median of numbers (0 for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
