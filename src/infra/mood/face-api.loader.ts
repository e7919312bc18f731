/**
 * Loads @vladmandic/face-api's Node WASM build on MoodReel's own TensorFlow.js.
 *
 * `dist/face-api.node-wasm.js` bundles no tfjs: it `require`s `@tensorflow/tfjs` and
 * `@tensorflow/tfjs-backend-wasm` from node_modules, which resolve to the same CommonJS
 * files (and so the same engine) that src/infra/ml/tfjs.ts imports. So the WASM backend
 * is initialised once by initTfjs() (wasm files from node_modules, no CDN) and face-api
 * runs on it. Weights are read from disk, from the package's `model/` folder by default.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as FaceApiModule from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import { UserError } from '../../core/errors.js';
import { initTfjs, type tf } from '../ml/tfjs.js';

export type FaceApi = typeof FaceApiModule;

/** One separable conv of face-api's feature extractor (depthwise 3x3, then pointwise 1x1, plus bias). */
export interface SeparableConvWeights {
  readonly depthwise_filter: tf.Tensor4D;
  readonly pointwise_filter: tf.Tensor4D;
  readonly bias: tf.Tensor1D;
}

/** A dense block: conv0 (a plain conv in the first block, separable after), then three separable convs. */
export interface DenseBlockWeights {
  readonly conv0: SeparableConvWeights | { readonly filters: tf.Tensor4D; readonly bias: tf.Tensor1D };
  readonly conv1: SeparableConvWeights;
  readonly conv2: SeparableConvWeights;
  readonly conv3: SeparableConvWeights;
}

/** The weights of face-api's expression feature extractor (four dense blocks, 112x112 RGB in, 256 channels out). */
export interface ExpressionBackboneWeights {
  readonly dense0: DenseBlockWeights;
  readonly dense1: DenseBlockWeights;
  readonly dense2: DenseBlockWeights;
  readonly dense3: DenseBlockWeights;
}

/** face-api's stock expression classifier (256 -> 7, face-api's class order). */
export interface StockExpressionHead {
  readonly weights: tf.Tensor2D;
  readonly bias: tf.Tensor1D;
}

export interface LoadedFaceApi {
  readonly faceapi: FaceApi;
  readonly tf: typeof tf;
  readonly backbone: ExpressionBackboneWeights;
  readonly stockHead: StockExpressionHead;
}

const REQUIRED_FILES = [
  'tiny_face_detector_model-weights_manifest.json',
  'ssd_mobilenetv1_model-weights_manifest.json',
  'face_expression_model-weights_manifest.json',
] as const;

/** Folder of face-api's shipped weights inside node_modules. */
export function defaultFaceApiModelDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

const loaded = new Map<string, Promise<LoadedFaceApi>>();

/**
 * Initialises tfjs-wasm and loads the face detectors and the expression network once per
 * folder. A missing weights file is a UserError('model_missing') naming the fix.
 */
export function loadFaceApi(modelDir: string = defaultFaceApiModelDir()): Promise<LoadedFaceApi> {
  const dir = path.resolve(modelDir);
  let pending = loaded.get(dir);
  if (!pending) {
    pending = load(dir);
    pending.catch(() => loaded.delete(dir));
    loaded.set(dir, pending);
  }
  return pending;
}

async function load(dir: string): Promise<LoadedFaceApi> {
  const missing = REQUIRED_FILES.filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length > 0) {
    throw new UserError(
      'model_missing',
      `face-api weights not found in ${dir} (missing ${missing.join(', ')}). Run \`npm install\` to restore @vladmandic/face-api, or point the face model folder at a copy of its model/ directory.`,
    );
  }
  const tfjs = await initTfjs();
  const require = createRequire(import.meta.url);
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
  await Promise.all([
    faceapi.nets.tinyFaceDetector.loadFromDisk(dir),
    faceapi.nets.ssdMobilenetv1.loadFromDisk(dir),
    faceapi.nets.faceExpressionNet.loadFromDisk(dir),
  ]);
  const net = faceapi.nets.faceExpressionNet;
  const backbone = net.faceFeatureExtractor.params as unknown as ExpressionBackboneWeights | undefined;
  const fc = (net.params as unknown as { fc?: StockExpressionHead } | undefined)?.fc;
  if (!backbone || !fc) throw new Error('face-api expression network loaded without parameters');
  return { faceapi, tf: tfjs, backbone, stockHead: fc };
}
