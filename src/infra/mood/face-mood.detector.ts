/**
 * FaceMoodDetector on face-api (TensorFlow.js WASM): photo bytes in, one mood per face
 * plus a size-weighted group mood out, all in memory.
 *
 * Pipeline: decode (sharp, limits checked from the header, shrunk to 512 px) -> tiny
 * face detector at 320 px (about 4x faster than SSD MobileNet here; when it finds nothing,
 * further passes on the photo with a border of its mean colour and at other input sizes
 * find close-up selfies whose face fills the frame) -> a square crop per
 * face -> expression model (models/face-expression: MoodReel's CNN on 48x48 grey crops, flip averaging)
 * -> FER's seven expressions -> MoodReel's mood space.
 */
import { MOODS, argmaxMood, toDistribution, type MoodLabel, type MoodReading } from '../../core/mood/mood-space.js';
import type { FaceBox, FaceMood, FaceMoodDetector, FaceMoodResult } from '../../core/ports.js';
import { decodeImage, type DecodedImage, type ImageDecodeOptions } from '../media/image-decode.js';
import type { tf } from '../ml/tfjs.js';
import {
  FER_EXPRESSIONS,
  loadFaceExpressionModel,
  type FerExpression,
} from './face-expression.model.js';

export type FaceDetectorKind = 'tiny' | 'ssd';

export interface FaceMoodDetectorOptions {
  /** Folder of the expression model manifest (MOODREEL_FACE_MODEL_DIR, default models/face-expression). */
  readonly modelDir?: string;
  /** face-api weights folder; default the package's model/. */
  readonly faceApiModelDir?: string;
  readonly decode?: ImageDecodeOptions;
  /** Face detector: tiny (fast, default) or ssd (slower, a little better on small faces). */
  readonly detector?: FaceDetectorKind;
  /** Tiny detector passes tried in turn until one finds a face. */
  readonly tinyPasses?: readonly DetectionPass[];
  /** Detection score below which a box is dropped (a pass may ask for more). */
  readonly minScore?: number;
  /** At most this many faces (the largest) are classified. */
  readonly maxFaces?: number;
}

/**
 * One try of the tiny detector. `pad` adds a border of the photo's mean colour on each
 * side, as a fraction of the longer side, before detection: a face that fills the whole
 * frame then fills about 1 / (1 + 2 pad) of the detector's input, the size range its
 * anchors were trained on, instead of touching all four edges.
 */
export interface DetectionPass {
  /** Detector input size, a multiple of 32. */
  readonly inputSize: number;
  readonly pad: number;
  /** Score this pass needs; default minScore. */
  readonly minScore?: number;
}

export const FACE_MOOD_DEFAULTS = {
  modelDir: 'models/face-expression',
  detector: 'tiny',
  /**
   * 320 px first (most photos stop here). A face filling the frame is at the edge of the
   * detector's largest anchor (9.0 x 10.7 cells of 32 px, about 290 x 340 px of a 320 px
   * input); it then gets passes that shrink it and change where its centre falls on the
   * grid: scores of one centred close-up jump between 0.2 and 1.0 from one input size to
   * the next, and sizes with an odd number of cells (416 = 13, 224 = 7, 352 = 11) put a
   * centred face in the middle of a cell. On close-up crops of the face samples (face box
   * 80-150% of the frame, 152 crops, scaled to 112 and 200 px) 320 then 224 found 149-150;
   * this cascade finds 152, and none of its passes scores 0.3 on the non-face images
   * (scripts/lib/face-closeups.ts).
   */
  tinyPasses: [
    { inputSize: 320, pad: 0 },
    { inputSize: 416, pad: 0.5 },
    { inputSize: 224, pad: 0 },
    { inputSize: 352, pad: 0.25 },
  ],
  /** Working copy's longest side: detection runs at 320 px anyway, and faces stay above 112 px in selfies. */
  maxSide: 512,
  minScore: 0.4,
  maxFaces: 8,
} as const satisfies Omit<FaceMoodDetectorOptions, 'decode' | 'faceApiModelDir'> & { maxSide: number };

/** One face with its raw expression probabilities (FER order), for evaluation and logs. */
export interface FaceExpressionResult {
  /** In the original (upright) image's pixels. */
  readonly box: FaceBox;
  readonly detection: number;
  readonly expressions: Readonly<Record<FerExpression, number>>;
}

export interface FaceAnalysis {
  /** Largest face first. */
  readonly faces: readonly FaceExpressionResult[];
  readonly imageWidth: number;
  readonly imageHeight: number;
}

/** FaceMoodDetector plus the raw expressions, which scripts/eval-face.ts scores in FER's classes. */
export interface FaceMoodAnalyser extends FaceMoodDetector {
  analyse(image: Uint8Array): Promise<FaceAnalysis>;
  /** The same on an image decodeImage() has already decoded (face.worker.ts gets these). */
  analyseDecoded(image: DecodedImage): Promise<FaceAnalysis>;
  readonly modelVersion: string;
}

/**
 * FER expression -> mood weights. Disgust goes to anger: both are hostile, negative,
 * aroused states ("fed up", "can't stand it") that ask for the same films, and FER models
 * confuse the two more than any other pair (the stock net splits disgusted faces between
 * them). Faces carry no signal for love, so it stays 0.
 */
const EXPRESSION_TO_MOOD: Readonly<Record<FerExpression, MoodLabel>> = {
  angry: 'anger',
  disgust: 'anger',
  fear: 'fear',
  happy: 'joy',
  sad: 'sadness',
  surprise: 'surprise',
  neutral: 'neutral',
};

/**
 * Maps a face's expression probabilities to a MoodReading. Confidence = how peaked the
 * distribution is (1 - normalised entropy: 1 for one sure class, 0 for uniform) times
 * the detector's score, so a blurry half-face weighs less in fusion.
 */
export function expressionsToMood(expressions: Readonly<Record<FerExpression, number>>, detection: number): MoodReading {
  const weights: Partial<Record<MoodLabel, number>> = {};
  for (const e of FER_EXPRESSIONS) {
    const mood = EXPRESSION_TO_MOOD[e];
    weights[mood] = (weights[mood] ?? 0) + expressions[e];
  }
  const distribution = toDistribution(weights);
  let entropy = 0;
  let total = 0;
  for (const e of FER_EXPRESSIONS) total += Math.max(0, expressions[e]);
  for (const e of FER_EXPRESSIONS) {
    const p = total > 0 ? Math.max(0, expressions[e]) / total : 0;
    if (p > 0) entropy -= p * Math.log(p);
  }
  const peak = 1 - entropy / Math.log(FER_EXPRESSIONS.length);
  const confidence = clamp01(peak * clamp01(detection));
  return { label: argmaxMood(distribution), distribution, confidence, source: 'face' };
}

/**
 * Group mood: the faces' distributions averaged with weights = box area, so the people
 * in front (usually those asking) count most; confidence is the same weighted mean.
 */
export function groupMood(faces: readonly FaceMood[]): MoodReading | null {
  if (faces.length === 0) return null;
  const weights: Partial<Record<MoodLabel, number>> = {};
  let totalArea = 0;
  let confidence = 0;
  for (const face of faces) {
    const area = Math.max(1, face.box.width * face.box.height);
    totalArea += area;
    confidence += area * face.mood.confidence;
    for (const m of MOODS) weights[m] = (weights[m] ?? 0) + area * face.mood.distribution[m];
  }
  const distribution = toDistribution(weights);
  return { label: argmaxMood(distribution), distribution, confidence: confidence / totalArea, source: 'face' };
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0));

/**
 * The tiny detector's boxes are square and sit lower than SSD MobileNet's tall face
 * boxes, which frame faces the way face-api's expression net was used. Measured over 28
 * faces matched between the two (face samples and face-api demo photos): SSD's longer
 * side is 0.90 of tiny's, its centre 0.13 of tiny's height higher. Crops from tiny
 * boxes are moved by this much so that both detectors feed the same framing.
 */
export const CROP_ALIGNMENT: Readonly<Record<FaceDetectorKind, { readonly scale: number; readonly shiftY: number }>> = {
  tiny: { scale: 0.9, shiftY: -0.13 },
  ssd: { scale: 1, shiftY: 0 },
};

interface RawDetection {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly score: number;
}

/** Loads the models once; `detect` may then be called concurrently (calls run one at a time inside tfjs). */
export async function createFaceMoodDetector(options: FaceMoodDetectorOptions = {}): Promise<FaceMoodAnalyser> {
  const settings = { ...FACE_MOOD_DEFAULTS, ...options };
  const model = await loadFaceExpressionModel({
    modelDir: settings.modelDir,
    ...(options.faceApiModelDir ? { faceApiModelDir: options.faceApiModelDir } : {}),
  });
  const { faceapi, tf: t } = model.faceApi;

  /** Boxes in `image`'s pixels (a padded pass's boxes are moved back by the border). */
  async function findFaces(image: tf.Tensor3D): Promise<RawDetection[]> {
    const run = async (input: tf.Tensor3D, detectorOptions: Parameters<typeof faceapi.detectAllFaces>[1], offset = 0) =>
      (await faceapi.detectAllFaces(input as unknown as Parameters<typeof faceapi.detectAllFaces>[0], detectorOptions)).map((d) => ({
        x: d.box.x - offset,
        y: d.box.y - offset,
        width: d.box.width,
        height: d.box.height,
        score: d.score,
      }));
    if (settings.detector === 'ssd') {
      return run(image, new faceapi.SsdMobilenetv1Options({ minConfidence: settings.minScore, maxResults: 50 }));
    }
    for (const pass of settings.tinyPasses as readonly DetectionPass[]) {
      const detectorOptions = new faceapi.TinyFaceDetectorOptions({ inputSize: pass.inputSize, scoreThreshold: pass.minScore ?? settings.minScore });
      let found: RawDetection[];
      if (pass.pad > 0) {
        const border = Math.round(pass.pad * Math.max(image.shape[0], image.shape[1]));
        const padded = padWithMean(t, image, border);
        found = await run(padded, detectorOptions, border).finally(() => padded.dispose());
      } else {
        found = await run(image, detectorOptions);
      }
      if (found.length > 0) return found;
    }
    return [];
  }

  async function analyseDecoded(decoded: DecodedImage): Promise<FaceAnalysis> {
    const image = t.tensor3d(decoded.data, [decoded.height, decoded.width, 3], 'int32');
    try {
      const detections = suppressOverlaps((await findFaces(image)).filter((d) => d.width > 0 && d.height > 0))
        .sort((a, b) => b.width * b.height - a.width * a.height)
        .slice(0, settings.maxFaces);
      if (detections.length === 0) return { faces: [], imageWidth: decoded.originalWidth, imageHeight: decoded.originalHeight };
      const align = CROP_ALIGNMENT[settings.detector];
      const shiftY = align.shiftY + model.manifest.cropShiftY * align.scale;
      const cropBoxes = detections.map((d) => ({ ...d, y: d.y + shiftY * d.height }));
      const crops = cropFaces(t, image, cropBoxes, model.manifest.cropScale * align.scale, model.inputSize);
      const probabilities = await model.classify(crops).finally(() => crops.dispose());
      const sx = decoded.originalWidth / decoded.width;
      const sy = decoded.originalHeight / decoded.height;
      const faces = detections.map((d, i) => {
        const p = probabilities[i]!;
        const expressions = Object.fromEntries(FER_EXPRESSIONS.map((e, k) => [e, p[k]!])) as Record<FerExpression, number>;
        return {
          box: clipBox({ x: d.x * sx, y: d.y * sy, width: d.width * sx, height: d.height * sy }, decoded.originalWidth, decoded.originalHeight),
          detection: clamp01(d.score),
          expressions,
        };
      });
      return { faces, imageWidth: decoded.originalWidth, imageHeight: decoded.originalHeight };
    } finally {
      image.dispose();
    }
  }

  async function analyse(bytes: Uint8Array): Promise<FaceAnalysis> {
    return analyseDecoded(await decodeImage(bytes, { maxSide: settings.maxSide, ...options.decode }));
  }

  return {
    modelVersion: model.manifest.version,
    analyse,
    analyseDecoded,
    detect: async (bytes) => toMoodResult(await analyse(bytes)),
  };
}

/** FER expressions per face -> moods per face plus the group mood. */
export function toMoodResult(analysis: FaceAnalysis): FaceMoodResult {
  const faces: FaceMood[] = analysis.faces.map((f) => ({
    box: f.box,
    detection: f.detection,
    mood: expressionsToMood(f.expressions, f.detection),
  }));
  return { faces, group: groupMood(faces), imageWidth: analysis.imageWidth, imageHeight: analysis.imageHeight };
}

/**
 * Square crops (side = scale x the box's longer side, centred on the box) resized to the
 * model's `size` x `size`, in one cropAndResize call. Square real context matches how FER2013
 * faces are framed better than face-api's own black padding of the raw box. Small sizes
 * (the CNN's 48 px) are cropped at twice the size and average-pooled: bilinear sampling alone
 * skips pixels when a 150-300 px face shrinks to 48 px, and FER2013's crops are not aliased.
 */
export function cropFaces(t: typeof tf, image: tf.Tensor3D, boxes: readonly FaceBox[], scale: number, size: number): tf.Tensor4D {
  const oversample = size < 100 ? 2 : 1;
  const [height, width] = image.shape;
  const normalised = boxes.map((b) => {
    const side = Math.max(b.width, b.height) * scale;
    const cx = b.x + b.width / 2;
    const cy = b.y + b.height / 2;
    return [(cy - side / 2) / (height - 1), (cx - side / 2) / (width - 1), (cy + side / 2) / (height - 1), (cx + side / 2) / (width - 1)];
  });
  return t.tidy(() => {
    const crops = t.image.cropAndResize(
      t.expandDims(t.cast(image, 'float32'), 0) as tf.Tensor4D,
      t.tensor2d(normalised, [boxes.length, 4]),
      t.tensor1d(boxes.map(() => 0), 'int32'),
      [size * oversample, size * oversample],
      'bilinear',
      0,
    );
    return oversample > 1 ? t.avgPool(crops, oversample, oversample, 'valid') : crops;
  });
}

/** `image` with `border` pixels of its mean colour added on every side (int32, like the input). */
export function padWithMean(t: typeof tf, image: tf.Tensor3D, border: number): tf.Tensor3D {
  return t.tidy(() => {
    const mean = t.round(t.mean(t.cast(image, 'float32'), [0, 1]));
    const centred = t.sub(t.cast(image, 'float32'), mean) as tf.Tensor3D;
    const padded = t.add(t.pad(centred, [[border, border], [border, border], [0, 0]]), mean);
    return t.cast(padded, 'int32') as tf.Tensor3D;
  });
}

/**
 * The tiny detector's own non-max suppression leaves overlapping boxes on one face at low
 * thresholds (seen on face-api's demo photos). Keeps the best-scoring box and drops any
 * other whose overlap with a kept one is over 0.3 IoU or whose centre lies inside it.
 */
export function suppressOverlaps<T extends FaceBox & { readonly score: number }>(boxes: readonly T[]): T[] {
  const kept: T[] = [];
  for (const box of [...boxes].sort((a, b) => b.score - a.score)) {
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const clash = kept.some((k) => iou(k, box) > 0.3 || (cx > k.x && cx < k.x + k.width && cy > k.y && cy < k.y + k.height));
    if (!clash) kept.push(box);
  }
  return kept;
}

function iou(a: FaceBox, b: FaceBox): number {
  const w = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const h = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

function clipBox(box: FaceBox, width: number, height: number): FaceBox {
  const x = Math.max(0, box.x);
  const y = Math.max(0, box.y);
  return { x, y, width: Math.max(0, Math.min(width, box.x + box.width) - x), height: Math.max(0, Math.min(height, box.y + box.height) - y) };
}
