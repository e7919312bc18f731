/**
 * Face mood with face-api's stock networks: the tiny face detector (fast, good
 * recall on selfies) and the stock expression net, on tfjs-wasm. Decoding and
 * limits come from image-decode.ts; nothing touches disk.
 */
import { argmaxMood, toDistribution, type MoodLabel, type MoodReading } from '../../core/mood/mood-space.js';
import type { FaceMood, FaceMoodDetector, FaceMoodResult } from '../../core/ports.js';
import { decodeImage } from '../media/image-decode.js';
import { loadFaceApi } from './face-api.loader.js';

export interface StockFaceOptions {
  readonly maxBytes: number;
  readonly maxPixels: number;
  /** Tiny detector input size (multiple of 32). */
  readonly inputSize?: number;
  /** Longest side the photo is shrunk to before detection. */
  readonly maxSide?: number;
  readonly scoreThreshold?: number;
}

/** face-api's seven expressions onto the mood space; disgust reads as anger (both are aversive, high arousal). */
const EXPRESSION_TO_MOOD: Record<string, MoodLabel> = {
  neutral: 'neutral',
  happy: 'joy',
  sad: 'sadness',
  angry: 'anger',
  fearful: 'fear',
  disgusted: 'anger',
  surprised: 'surprise',
};

export function expressionsToMood(expressions: Record<string, number>, detection: number): MoodReading {
  const weights: Partial<Record<MoodLabel, number>> = {};
  for (const [name, p] of Object.entries(expressions)) {
    const mood = EXPRESSION_TO_MOOD[name];
    if (mood && Number.isFinite(p)) weights[mood] = (weights[mood] ?? 0) + p;
  }
  const distribution = toDistribution(weights);
  const label = argmaxMood(distribution);
  return { label, distribution, confidence: distribution[label] * detection, source: 'face' };
}

export function groupMood(faces: readonly FaceMood[]): MoodReading | null {
  if (faces.length === 0) return null;
  const weights: Partial<Record<MoodLabel, number>> = {};
  let total = 0;
  let confidence = 0;
  for (const f of faces) {
    const w = f.box.width * f.box.height;
    total += w;
    confidence += w * f.mood.confidence;
    for (const [m, p] of Object.entries(f.mood.distribution) as [MoodLabel, number][]) weights[m] = (weights[m] ?? 0) + w * p;
  }
  const distribution = toDistribution(weights);
  return { label: argmaxMood(distribution), distribution, confidence: confidence / total, source: 'face' };
}

export async function createStockFaceMoodDetector(options: StockFaceOptions): Promise<FaceMoodDetector> {
  const { faceapi, tf } = await loadFaceApi();
  const detectorOptions = new faceapi.TinyFaceDetectorOptions({ inputSize: options.inputSize ?? 320, scoreThreshold: options.scoreThreshold ?? 0.4 });
  return {
    async detect(image: Uint8Array): Promise<FaceMoodResult> {
      const decoded = await decodeImage(image, { maxBytes: options.maxBytes, maxPixels: options.maxPixels, maxSide: options.maxSide ?? 512 });
      const input = tf.tensor3d(decoded.data, [decoded.height, decoded.width, 3], 'int32');
      try {
        const found = await faceapi.detectAllFaces(input as never, detectorOptions).withFaceExpressions();
        const sx = decoded.originalWidth / decoded.width;
        const sy = decoded.originalHeight / decoded.height;
        const faces: FaceMood[] = found
          .map((f) => {
            const b = f.detection.box;
            return {
              box: { x: b.x * sx, y: b.y * sy, width: b.width * sx, height: b.height * sy },
              detection: f.detection.score,
              mood: expressionsToMood(f.expressions as unknown as Record<string, number>, f.detection.score),
            };
          })
          .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
        return { faces, group: groupMood(faces), imageWidth: decoded.originalWidth, imageHeight: decoded.originalHeight };
      } finally {
        input.dispose();
      }
    },
  };
}
