/**
 * The facial expression classifier, described by a small manifest in models/face-expression/:
 * either MoodReel's own CNN on 48x48 grey crops (`head.kind: 'cnn'`, trained by
 * scripts/train-face.ts with PyTorch, served here on TensorFlow.js WASM), or face-api's
 * expression backbone plus a head (stock or a trained MLP), with test-time augmentation.
 *
 * Why a manifest and not just face-api's call: the model that ships is a choice
 * (which head, which augmentations, how a face is framed) made and measured by
 * scripts/eval-face.ts and scripts/train-face.ts. The manifest records that choice and
 * its figures, so the detector, the evaluation and a retrained version agree, and a
 * retrained head can be swapped in (and rolled back) by pointing at another folder.
 *
 * The backbone forward pass is written here (same weights, same ops as face-api's
 * FaceFeatureExtractor) so that the pooled features of two depths can be read for a
 * project-trained head, and a batch of face crops runs in one call.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../../core/errors.js';
import type { tf } from '../ml/tfjs.js';
import { loadFaceApi, type DenseBlockWeights, type ExpressionBackboneWeights, type LoadedFaceApi, type SeparableConvWeights } from './face-api.loader.js';

/** FER2013 class order; the heads in MoodReel output probabilities in this order. */
export const FER_EXPRESSIONS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;
export type FerExpression = (typeof FER_EXPRESSIONS)[number];

/** Side of the square crop face-api's backbone reads. */
export const EXPRESSION_INPUT_SIZE = 112;
/** Side of the grey crop MoodReel's CNN reads: FER2013's. */
export const CNN_INPUT_SIZE = 48;
/** Width of the features a trained head reads: dense3 pooled (256) then dense2 pooled (128). */
export const EXPRESSION_FEATURE_SIZE = 384;

/** face-api's class order (neutral, happy, sad, angry, fearful, disgusted, surprised) -> FER index. */
const STOCK_TO_FER = [6, 3, 4, 0, 2, 1, 5] as const;
/** Mean RGB face-api subtracts before dividing by 255. */
const MEAN_RGB = [122.782, 117.001, 104.298] as const;

export const MANIFEST_FILE = 'manifest.json';

const layerSchema = z.object({
  units: z.number().int().positive(),
  activation: z.enum(['elu', 'linear']),
});

const manifestSchema = z.object({
  format: z.literal('moodreel-face-expression'),
  version: z.string().min(1),
  /** 'stock' = face-api's own 256 -> 7 classifier; 'mlp' = a project-trained head (weights in `weights`). */
  head: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('stock') }),
    z.object({
      kind: z.literal('mlp'),
      weights: z.string().min(1),
      inputSize: z.literal(EXPRESSION_FEATURE_SIZE),
      layers: z.array(layerSchema).min(1),
      /** Share of face-api's stock classifier in the probabilities (chosen on train's holdout); 0 = the head alone. */
      stockBlend: z.number().min(0).max(1).default(0),
    }),
    z.object({
      kind: z.literal('cnn'),
      /** Little-endian, BatchNorm folded: per convolution kernel [3, 3, in, out] then bias, then the linear layer [in, 7] and bias. */
      weights: z.string().min(1),
      /** float16 halves the folder; the forward pass runs in float32 either way. */
      dtype: z.enum(['float32', 'float16']).default('float32'),
      inputSize: z.literal(CNN_INPUT_SIZE),
      /** Channels of each stage; each stage is `convs` 3x3 convolutions + ReLU, then a 2x2 max-pool. */
      widths: z.array(z.number().int().positive()).min(1),
      convs: z.number().int().positive(),
      /**
       * A second member: an MLP head on face-api's frozen backbone (blended with face-api's stock
       * classifier at its own stockBlend), fed the same 48 px crop resized to 112 px as in its
       * training; its probabilities are mixed in at `share` (chosen on train's holdout).
       */
      partner: z
        .object({
          share: z.number().min(0).max(1),
          weights: z.string().min(1),
          layers: z.array(layerSchema).min(1),
          stockBlend: z.number().min(0).max(1),
        })
        .optional(),
    }),
  ]),
  /** Views averaged at test time: the crop as is, and mirrored. */
  tta: z.array(z.enum(['identity', 'flip'])).min(1),
  /** Face crop side as a multiple of the detector box's longer side. */
  cropScale: z.number().min(0.5).max(2),
  /** Crop centre moved down by this fraction of the box's height (FER2013's framing for the CNN). */
  cropShiftY: z.number().min(-0.5).max(0.5).default(0),
  metrics: z.record(z.unknown()).optional(),
  notes: z.string().optional(),
});

export type FaceExpressionManifest = z.infer<typeof manifestSchema>;
/** A manifest as written (fields with defaults may be left out). */
export type FaceExpressionManifestInput = z.input<typeof manifestSchema>;

export interface FaceExpressionModel {
  readonly manifest: FaceExpressionManifest;
  readonly faceApi: LoadedFaceApi;
  /** Side of the square crops `classify` takes: 112 for face-api's backbone, 48 for the CNN. */
  readonly inputSize: number;
  /**
   * Classifies square face crops ([N, inputSize, inputSize, 3], RGB 0..255; the caller
   * keeps ownership). Returns one FER-ordered probability vector per crop.
   */
  classify(crops: tf.Tensor4D): Promise<Float32Array[]>;
}

export interface FaceExpressionModelOptions {
  /** Folder with manifest.json (and head weights when the head is trained). */
  readonly modelDir: string;
  /** face-api weights folder; default the package's own model/. */
  readonly faceApiModelDir?: string;
  /** Overrides the manifest's test-time views (evaluation ablations). */
  readonly tta?: FaceExpressionManifest['tta'];
}

/** Reads and checks a manifest; a missing or invalid one is UserError('model_missing') naming the fix. */
export function readExpressionManifest(modelDir: string): FaceExpressionManifest {
  const file = path.join(modelDir, MANIFEST_FILE);
  if (!existsSync(file)) {
    throw new UserError(
      'model_missing',
      `Face expression model not found: ${file}. Restore models/face-expression/ from the repository, or train one with \`npx tsx scripts/train-face.ts\` and point MOODREEL_FACE_MODEL_DIR at its folder.`,
    );
  }
  const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new UserError('model_missing', `Face expression manifest ${file} is invalid: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
  }
  return parsed.data;
}

function separable(t: typeof tf, x: tf.Tensor4D, p: SeparableConvWeights, stride: number): tf.Tensor4D {
  return t.add(t.separableConv2d(x, p.depthwise_filter, p.pointwise_filter, [stride, stride], 'same'), p.bias);
}

function denseBlock(t: typeof tf, x: tf.Tensor4D, p: DenseBlockWeights, first: boolean): tf.Tensor4D {
  const conv0 = p.conv0;
  const out1 = t.relu(
    first && 'filters' in conv0
      ? t.add(t.conv2d(x, conv0.filters, [2, 2], 'same'), conv0.bias)
      : separable(t, x, conv0 as SeparableConvWeights, 2),
  ) as tf.Tensor4D;
  const out2 = separable(t, out1, p.conv1, 1);
  const in3 = t.relu(t.add(out1, out2)) as tf.Tensor4D;
  const out3 = separable(t, in3, p.conv2, 1);
  const in4 = t.relu(t.add(out1, t.add(out2, out3))) as tf.Tensor4D;
  const out4 = separable(t, in4, p.conv3, 1);
  return t.relu(t.add(out1, t.add(out2, t.add(out3, out4)))) as tf.Tensor4D;
}

/**
 * face-api's expression backbone on a batch of 112x112 RGB crops (0..255). Returns the
 * 384 pooled features (dense3 mean then dense2 mean); dense3's mean is exactly the
 * input of face-api's own classifier (its 7x7 average pool over a 7x7 map).
 */
export function backboneFeatures(t: typeof tf, backbone: ExpressionBackboneWeights, crops: tf.Tensor4D): tf.Tensor2D {
  return t.tidy(() => {
    const x = t.div(t.sub(crops, t.tensor1d([...MEAN_RGB])), 255) as tf.Tensor4D;
    const d0 = denseBlock(t, x, backbone.dense0, true);
    const d1 = denseBlock(t, d0, backbone.dense1, false);
    const d2 = denseBlock(t, d1, backbone.dense2, false);
    const d3 = denseBlock(t, d2, backbone.dense3, false);
    return t.concat([t.mean(d3, [1, 2]), t.mean(d2, [1, 2])], 1) as tf.Tensor2D;
  });
}

/** A dense layer stack as stored by scripts/train-face.ts: float32 kernel then bias, per layer. */
export interface MlpHeadWeights {
  readonly mean: Float32Array;
  readonly std: Float32Array;
  readonly layers: readonly { readonly kernel: tf.Tensor2D; readonly bias: tf.Tensor1D; readonly activation: 'elu' | 'linear' }[];
}

/** Reads an MLP head's binary file: input mean, input std, then each layer's kernel and bias (float32 LE). */
export function readMlpHead(t: typeof tf, file: string, layers: readonly z.infer<typeof layerSchema>[]): MlpHeadWeights {
  if (!existsSync(file)) {
    throw new UserError('model_missing', `Face expression head weights not found: ${file}. Retrain with \`npx tsx scripts/train-face.ts\`.`);
  }
  const bytes = readFileSync(file);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let offset = 0;
  const take = (n: number) => {
    if (offset + n > all.length) throw new UserError('model_missing', `Face expression head ${file} is truncated; retrain it.`);
    const part = all.slice(offset, offset + n);
    offset += n;
    return part;
  };
  const mean = take(EXPRESSION_FEATURE_SIZE);
  const std = take(EXPRESSION_FEATURE_SIZE);
  let inSize = EXPRESSION_FEATURE_SIZE;
  const stack = layers.map((layer) => {
    const kernel = t.tensor2d(take(inSize * layer.units), [inSize, layer.units]);
    const bias = t.tensor1d(take(layer.units));
    inSize = layer.units;
    return { kernel, bias, activation: layer.activation };
  });
  if (inSize !== FER_EXPRESSIONS.length || offset !== all.length) {
    throw new UserError('model_missing', `Face expression head ${file} does not match its manifest; retrain it.`);
  }
  return { mean, std, layers: stack };
}

/** The CNN's layers as tensors (BatchNorm already folded into each convolution). */
export interface CnnWeights {
  readonly convs: readonly { readonly kernel: tf.Tensor4D; readonly bias: tf.Tensor1D; readonly poolAfter: boolean }[];
  readonly kernel: tf.Tensor2D;
  readonly bias: tf.Tensor1D;
}

/** Reads the CNN's weights file (layout in the manifest schema); a size mismatch is model_missing. */
export function readCnnWeights(t: typeof tf, file: string, widths: readonly number[], convs: number, dtype: 'float32' | 'float16' = 'float32'): CnnWeights {
  if (!existsSync(file)) {
    throw new UserError('model_missing', `Face expression CNN weights not found: ${file}. Retrain with \`npm run train:face\`.`);
  }
  const bytes = readFileSync(file);
  const raw = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const all = dtype === 'float16' ? Float32Array.from(new Uint16Array(raw), halfToFloat) : new Float32Array(raw);
  let offset = 0;
  const take = (n: number) => {
    if (offset + n > all.length) throw new UserError('model_missing', `Face expression CNN ${file} does not match its manifest; retrain it.`);
    const part = all.subarray(offset, offset + n);
    offset += n;
    return part;
  };
  let cin = 1;
  const layers = widths.flatMap((width) =>
    Array.from({ length: convs }, (_, k) => {
      const kernel = t.tensor4d(take(9 * cin * width), [3, 3, cin, width]);
      cin = width;
      return { kernel, bias: t.tensor1d(take(width)), poolAfter: k === convs - 1 };
    }),
  );
  const kernel = t.tensor2d(take(cin * FER_EXPRESSIONS.length), [cin, FER_EXPRESSIONS.length]);
  const bias = t.tensor1d(take(FER_EXPRESSIONS.length));
  if (offset !== all.length) throw new UserError('model_missing', `Face expression CNN ${file} does not match its manifest; retrain it.`);
  return { convs: layers, kernel, bias };
}

/** IEEE 754 half precision bits -> number. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * The CNN's logits for [N, 48, 48, 3] RGB crops (0..255): grey (ITU-R 601 luma), each crop
 * standardised on its own ((x - mean) / (std + 1), as the trainer does), then the network.
 */
export function cnnLogits(t: typeof tf, cnn: CnnWeights, crops: tf.Tensor4D): tf.Tensor2D {
  return t.tidy(() => {
    const grey = t.sum(t.mul(crops, t.tensor1d([0.299, 0.587, 0.114])), 3, true) as tf.Tensor4D;
    const { mean, variance } = t.moments(grey, [1, 2, 3], true);
    let x = t.div(t.sub(grey, mean), t.add(t.sqrt(variance), 1)) as tf.Tensor4D;
    for (const layer of cnn.convs) {
      x = t.relu(t.add(t.conv2d(x, layer.kernel, 1, 'same'), layer.bias)) as tf.Tensor4D;
      if (layer.poolAfter) x = t.maxPool(x, 2, 2, 'valid');
    }
    return t.add(t.matMul(t.mean(x, [1, 2]) as tf.Tensor2D, cnn.kernel), cnn.bias) as tf.Tensor2D;
  });
}

/** Logits of an MLP head over standardised features. */
export function mlpLogits(t: typeof tf, head: MlpHeadWeights, features: tf.Tensor2D): tf.Tensor2D {
  return t.tidy(() => {
    let x = t.div(t.sub(features, t.tensor1d(head.mean)), t.tensor1d(head.std)) as tf.Tensor2D;
    for (const layer of head.layers) {
      x = t.add(t.matMul(x, layer.kernel), layer.bias) as tf.Tensor2D;
      if (layer.activation === 'elu') x = t.elu(x) as tf.Tensor2D;
    }
    return x;
  });
}

/** Loads the manifest, face-api's backbone and the head once; classification then runs in memory. */
export async function loadFaceExpressionModel(options: FaceExpressionModelOptions): Promise<FaceExpressionModel> {
  const manifest = readExpressionManifest(options.modelDir);
  const faceApi = await loadFaceApi(options.faceApiModelDir);
  const t = faceApi.tf;
  const tta = options.tta ?? manifest.tta;
  const head = manifest.head;
  const mlp = head.kind === 'mlp' ? readMlpHead(t, path.join(options.modelDir, head.weights), head.layers) : null;
  const cnn = head.kind === 'cnn' ? readCnnWeights(t, path.join(options.modelDir, head.weights), head.widths, head.convs, head.dtype) : null;
  const partner = head.kind === 'cnn' && head.partner ? { ...head.partner, mlp: readMlpHead(t, path.join(options.modelDir, head.partner.weights), head.partner.layers) } : null;
  // The stock classifier's columns, reordered once into FER order.
  const stockW = t.tidy(() => t.gather(faceApi.stockHead.weights, inverse(STOCK_TO_FER), 1)) as tf.Tensor2D;
  const stockB = t.tidy(() => t.gather(faceApi.stockHead.bias, inverse(STOCK_TO_FER))) as tf.Tensor1D;

  const probabilities = (crops: tf.Tensor4D): tf.Tensor2D =>
    t.tidy(() => {
      const views = tta.map((view) => (view === 'flip' ? (t.reverse(crops, 2) as tf.Tensor4D) : crops));
      const n = crops.shape[0];
      const average = (probs: tf.Tensor) => t.mean(t.reshape(probs, [views.length, n, FER_EXPRESSIONS.length]), 0) as tf.Tensor2D;
      const all = t.concat(views, 0) as tf.Tensor4D;
      // face-api's backbone with an MLP head (or none: the stock classifier) mixed with the stock classifier at `blend`.
      const backboneProbs = (input: tf.Tensor4D, head: MlpHeadWeights | null, blend: number) => {
        const features = backboneFeatures(t, faceApi.backbone, input);
        const stock = () => t.softmax(t.add(t.matMul(t.slice(features, [0, 0], [-1, 256]), stockW), stockB));
        if (!head) return stock();
        const own = t.softmax(mlpLogits(t, head, features));
        return blend > 0 ? t.add(t.mul(1 - blend, own), t.mul(blend, stock())) : own;
      };
      // Average the views' probabilities: rows [v*n, (v+1)*n) belong to view v.
      if (!cnn) return average(backboneProbs(all, mlp, head.kind === 'mlp' ? head.stockBlend : 1));
      const own = t.softmax(cnnLogits(t, cnn, all));
      if (!partner || partner.share === 0) return average(own);
      const resized = t.image.resizeBilinear(all, [EXPRESSION_INPUT_SIZE, EXPRESSION_INPUT_SIZE], false, false);
      return average(t.add(t.mul(1 - partner.share, own), t.mul(partner.share, backboneProbs(resized, partner.mlp, partner.stockBlend))));
    });

  return {
    manifest,
    faceApi,
    inputSize: cnn ? CNN_INPUT_SIZE : EXPRESSION_INPUT_SIZE,
    async classify(crops) {
      if (crops.shape[0] === 0) return [];
      const out = probabilities(crops);
      const flat = (await out.data()) as Float32Array;
      out.dispose();
      const k = FER_EXPRESSIONS.length;
      return Array.from({ length: crops.shape[0] }, (_, i) => flat.slice(i * k, (i + 1) * k));
    },
  };
}

/** For a map from stock index to FER index, the stock index of each FER class. */
function inverse(map: readonly number[]): number[] {
  const out = new Array<number>(map.length);
  map.forEach((fer, stock) => {
    out[fer] = stock;
  });
  return out;
}
