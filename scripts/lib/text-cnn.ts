/**
 * The text emotion network and its trainer (TensorFlow.js, WASM backend).
 *
 * Architecture (Kim 2014, "Convolutional Neural Networks for Sentence Classification"):
 * word embeddings -> 1D convolutions of widths 1..3 (n-gram detectors, so "not happy"
 * is a feature of its own, unlike a bag of words) -> ReLU -> max over time -> linear
 * layer -> logits. Max-pooling keeps the strongest emotion cue whatever its position,
 * which suits chat messages, and the whole net is a few matrix products: well under a
 * millisecond a sentence on a CPU.
 *
 * Convolutions are written as window-concatenation + MatMul, and ReLU carries its own
 * gradient, because the WASM backend lacks Conv2DBackpropFilter and ReluGrad.
 */
import { gatherRows, initTfjs, tf } from '../../src/infra/ml/tfjs.js';
import { PAD_ID, UNK_ID, CLS_ID, SEP_ID } from './text-tokenizer.js';
import { gaussian, mulberry32, shuffleInPlace, type Rng } from './text-rng.js';

export interface CnnConfig {
  readonly dim: number;
  readonly filters: number;
  readonly widths: readonly number[];
  /** Dropout on the pooled features. */
  readonly dropout: number;
  /** Probability of replacing a word by [UNK] in training, so unseen words are handled. */
  readonly wordDropout: number;
  readonly learningRate: number;
  readonly batchSize: number;
  readonly maxEpochs: number;
  /** Epochs without a better validation score before stopping. */
  readonly patience: number;
  readonly labelSmoothing: number;
  readonly seed: number;
}

export const DEFAULT_CNN_CONFIG: CnnConfig = {
  dim: 96,
  filters: 128,
  widths: [1, 2, 3],
  dropout: 0.5,
  wordDropout: 0.1,
  learningRate: 1e-3,
  batchSize: 32,
  maxEpochs: 6,
  patience: 2,
  labelSmoothing: 0.05,
  seed: 42,
};

/** Trained weights as plain arrays (row-major), ready for the ONNX exporter. */
export interface CnnWeights {
  readonly vocabSize: number;
  readonly dim: number;
  readonly filters: number;
  readonly classes: number;
  /** [vocabSize, dim]; row PAD_ID is all zeros. */
  readonly embedding: Float32Array;
  /** Per width k: kernel [k * dim, filters] (window position-major), bias [filters]. */
  readonly convs: readonly { readonly width: number; readonly kernel: Float32Array; readonly bias: Float32Array }[];
  /** [widths * filters, classes] and [classes]. */
  readonly outKernel: Float32Array;
  readonly outBias: Float32Array;
}

export interface Example {
  readonly ids: readonly number[];
  readonly label: number;
}

interface Params {
  embedding: tf.Variable;
  convs: { width: number; kernel: tf.Variable; bias: tf.Variable }[];
  outKernel: tf.Variable;
  outBias: tf.Variable;
}

function randomArray(n: number, scale: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = gaussian(rng) * scale;
  return a;
}

/**
 * `unused`: token ids that never occur in training (e.g. ## suffix pieces when every
 * training word is in the vocabulary). Their rows start and stay at zero, so at serving
 * time such a piece adds nothing instead of an untrained random vector.
 */
function initParams(vocabSize: number, classes: number, cfg: CnnConfig, rng: Rng, unused: ReadonlySet<number>): Params {
  const emb = randomArray(vocabSize * cfg.dim, 0.1, rng);
  emb.fill(0, PAD_ID * cfg.dim, (PAD_ID + 1) * cfg.dim);
  for (const id of unused) emb.fill(0, id * cfg.dim, (id + 1) * cfg.dim);
  const convs = cfg.widths.map((width) => {
    const fanIn = width * cfg.dim;
    return {
      width,
      kernel: tf.variable(tf.tensor2d(randomArray(fanIn * cfg.filters, Math.sqrt(2 / fanIn), rng), [fanIn, cfg.filters])),
      bias: tf.variable(tf.zeros([cfg.filters])),
    };
  });
  const feat = cfg.widths.length * cfg.filters;
  return {
    embedding: tf.variable(tf.tensor2d(emb, [vocabSize, cfg.dim])),
    convs,
    outKernel: tf.variable(tf.tensor2d(randomArray(feat * classes, Math.sqrt(1 / feat), rng), [feat, classes])),
    outBias: tf.variable(tf.zeros([classes])),
  };
}

/** ReLU with a hand-written gradient (the WASM backend has no ReluGrad kernel). */
const relu = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = inputs[0] as tf.Tensor;
  const save = inputs[1] as tf.GradSaveFunc;
  save([x]);
  return {
    value: tf.relu(x),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => tf.mul(dy as tf.Tensor, tf.cast(tf.greater(saved[0] as tf.Tensor, 0), 'float32')),
  };
});

/**
 * MatMul whose gradient uses explicit transposes: the WASM backend runs transposed
 * MatMuls (the stock gradient) about 10x slower than a Transpose plus a plain MatMul.
 */
const matMul = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const a = inputs[0] as tf.Tensor2D;
  const b = inputs[1] as tf.Tensor2D;
  const save = inputs[2] as tf.GradSaveFunc;
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, tf.transpose(sb)), tf.matMul(tf.transpose(sa), g)];
    },
  };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/**
 * Max over the time axis of [B, S, F]. The stock gradient (Equal + broadcasts) is 20x
 * slower on WASM than scattering the output gradient to the argmax positions.
 */
const maxOverTime = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = inputs[0] as tf.Tensor3D;
  const save = inputs[1] as tf.GradSaveFunc;
  const [b, s, f] = x.shape;
  save([tf.argMax(x, 1)]);
  return {
    value: tf.max(x, 1),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const base = new Int32Array(b * f);
      for (let i = 0; i < b; i++) for (let j = 0; j < f; j++) base[i * f + j] = i * s * f + j;
      const flat = tf.add(tf.mul(saved[0] as tf.Tensor, tf.scalar(f, 'int32')), tf.tensor2d(base, [b, f], 'int32'));
      return tf.scatterND(flat.reshape([b * f, 1]), (dy as tf.Tensor).reshape([b * f]), [b * s * f]).reshape([b, s, f]);
    },
  };
}) as (x: tf.Tensor3D) => tf.Tensor2D;

/** A padded batch: ids [B, S + maxWidth - 1] (trailing zeros for the last windows), mask [B, S]. */
interface Batch {
  ids: tf.Tensor2D;
  /** ids flattened, made outside the gradient scope: gatherRows' gradient reads it after the forward pass. */
  flatIds: tf.Tensor1D;
  mask: tf.Tensor2D;
  size: number;
  length: number;
}

function makeBatch(seqs: readonly (readonly number[])[], maxWidth: number): Batch {
  const length = Math.max(...seqs.map((s) => s.length));
  const total = length + maxWidth - 1;
  const ids = new Int32Array(seqs.length * total);
  const mask = new Float32Array(seqs.length * length);
  seqs.forEach((s, b) => {
    s.forEach((id, t) => {
      ids[b * total + t] = id;
      mask[b * length + t] = 1;
    });
  });
  return {
    ids: tf.tensor2d(ids, [seqs.length, total], 'int32'),
    flatIds: tf.tensor1d(ids, 'int32'),
    mask: tf.tensor2d(mask, [seqs.length, length]),
    size: seqs.length,
    length,
  };
}

function forward(p: Params, batch: Batch, cfg: CnnConfig, featureMask: tf.Tensor2D | null): tf.Tensor2D {
  const { size: B, length: S } = batch;
  const total = batch.ids.shape[1];
  const padMask = tf.cast(tf.notEqual(batch.ids, PAD_ID), 'float32').reshape([B, total, 1]);
  const x = gatherRows(p.embedding as tf.Tensor2D, batch.flatIds)
    .reshape([B, total, cfg.dim])
    .mul(padMask);
  const mask3 = batch.mask.reshape([B, S, 1]);
  const maps = p.convs.map(({ width, kernel, bias }) => {
    const parts = Array.from({ length: width }, (_, j) => x.slice([0, j, 0], [B, S, cfg.dim]));
    const windows = (width === 1 ? parts[0]! : tf.concat(parts, 2)).reshape([B * S, width * cfg.dim]) as tf.Tensor2D;
    return relu(matMul(windows, kernel as tf.Tensor2D).add(bias)) as tf.Tensor2D;
  });
  // ReLU outputs are >= 0, so zeroing padded positions keeps them out of the max.
  const h = (maps.length === 1 ? maps[0]! : tf.concat(maps, 1)).reshape([B, S, maps.length * cfg.filters]).mul(mask3);
  let feats = maxOverTime(h as tf.Tensor3D);
  if (featureMask) feats = feats.mul(featureMask);
  return matMul(feats, p.outKernel as tf.Tensor2D).add(p.outBias);
}

/** Groups example indices into batches of similar length (less padding), in a seeded order. */
function lengthBuckets(examples: readonly Example[], batchSize: number, rng: Rng): number[][] {
  const order = shuffleInPlace(
    examples.map((_, i) => i),
    rng,
  );
  // Sort within chunks of 50 batches by length, then shuffle the batches.
  const chunk = batchSize * 50;
  const batches: number[][] = [];
  for (let c = 0; c < order.length; c += chunk) {
    const part = order.slice(c, c + chunk).sort((a, b) => examples[a]!.ids.length - examples[b]!.ids.length);
    for (let i = 0; i < part.length; i += batchSize) batches.push(part.slice(i, i + batchSize));
  }
  return shuffleInPlace(batches, rng);
}

function readWeights(p: Params, vocabSize: number, classes: number, cfg: CnnConfig): CnnWeights {
  return {
    vocabSize,
    dim: cfg.dim,
    filters: cfg.filters,
    classes,
    // The [PAD] row is masked in training; zero it so padding is inert at serving time too.
    embedding: new Float32Array(p.embedding.dataSync()).fill(0, PAD_ID * cfg.dim, (PAD_ID + 1) * cfg.dim),
    convs: p.convs.map((c) => ({
      width: c.width,
      kernel: new Float32Array(c.kernel.dataSync()),
      bias: new Float32Array(c.bias.dataSync()),
    })),
    outKernel: new Float32Array(p.outKernel.dataSync()),
    outBias: new Float32Array(p.outBias.dataSync()),
  };
}

/** Class probabilities for each sequence (batched by length, no dropout). */
function predictWith(p: Params, seqs: readonly (readonly number[])[], cfg: CnnConfig): Float32Array[] {
  const maxWidth = Math.max(...cfg.widths);
  const order = seqs.map((_, i) => i).sort((a, b) => seqs[a]!.length - seqs[b]!.length);
  const out: Float32Array[] = new Array(seqs.length);
  for (let i = 0; i < order.length; i += 256) {
    const idx = order.slice(i, i + 256);
    const probs = tf.tidy(() => {
      const batch = makeBatch(
        idx.map((j) => seqs[j]!),
        maxWidth,
      );
      return tf.softmax(forward(p, batch, cfg, null));
    });
    const data = probs.dataSync() as Float32Array;
    const classes = probs.shape[1]!;
    probs.dispose();
    idx.forEach((j, r) => {
      out[j] = data.slice(r * classes, (r + 1) * classes);
    });
  }
  return out;
}

export interface EpochReport {
  readonly epoch: number;
  readonly loss: number;
  readonly score: number;
  readonly seconds: number;
}

export interface TrainResult {
  readonly weights: CnnWeights;
  readonly bestEpoch: number;
  readonly bestScore: number;
  readonly history: readonly EpochReport[];
  /** Validation probabilities of the best epoch. */
  readonly valProbs: Float32Array[];
}

/**
 * Trains with Adam, keeps the epoch with the best validation score (`score` decides,
 * e.g. the mean of accuracy and macro-F1) and stops after `patience` epochs without
 * improvement. Everything random comes from `cfg.seed`.
 */
export async function trainCnn(
  train: readonly Example[],
  val: readonly Example[],
  vocabSize: number,
  classes: number,
  cfg: CnnConfig,
  score: (probs: Float32Array[]) => number,
  onEpoch: (report: EpochReport) => void = () => {},
): Promise<TrainResult> {
  await initTfjs();
  const rng = mulberry32(cfg.seed);
  const used = new Set<number>([UNK_ID]);
  for (const e of train) for (const id of e.ids) used.add(id);
  const unused = new Set<number>();
  for (let id = 0; id < vocabSize; id++) if (!used.has(id)) unused.add(id);
  const p = initParams(vocabSize, classes, cfg, rng, unused);
  const vars = [p.embedding, ...p.convs.flatMap((c) => [c.kernel, c.bias]), p.outKernel, p.outBias];
  const optimizer = tf.train.adam(cfg.learningRate);
  const maxWidth = Math.max(...cfg.widths);
  const featCount = cfg.widths.length * cfg.filters;
  const valSeqs = val.map((e) => e.ids);

  let best: { epoch: number; score: number; weights: CnnWeights; probs: Float32Array[] } | null = null;
  const history: EpochReport[] = [];
  for (let epoch = 1; epoch <= cfg.maxEpochs; epoch++) {
    const started = Date.now();
    let lossSum = 0;
    let lossCount = 0;
    for (const idx of lengthBuckets(train, cfg.batchSize, rng)) {
      const seqs = idx.map((i) => {
        const ids = train[i]!.ids;
        if (cfg.wordDropout <= 0) return ids;
        return ids.map((id) => (id !== CLS_ID && id !== SEP_ID && rng() < cfg.wordDropout ? UNK_ID : id));
      });
      const onehot = new Float32Array(idx.length * classes);
      idx.forEach((i, r) => {
        onehot[r * classes + train[i]!.label] = 1;
      });
      const keep = 1 - cfg.dropout;
      const fmask = new Float32Array(idx.length * featCount);
      for (let k = 0; k < fmask.length; k++) fmask[k] = rng() < keep ? 1 / keep : 0;
      const loss = tf.tidy(() => {
        const batch = makeBatch(seqs, maxWidth);
        const labels = tf.tensor2d(onehot, [idx.length, classes]);
        const featureMask = tf.tensor2d(fmask, [idx.length, featCount]);
        return optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(labels, forward(p, batch, cfg, featureMask), undefined, cfg.labelSmoothing) as tf.Scalar,
          true,
          vars,
        ) as tf.Scalar;
      });
      lossSum += (loss.dataSync()[0] ?? 0) * idx.length;
      lossCount += idx.length;
      loss.dispose();
    }
    const probs = predictWith(p, valSeqs, cfg);
    const s = score(probs);
    const report = { epoch, loss: lossSum / lossCount, score: s, seconds: (Date.now() - started) / 1000 };
    history.push(report);
    onEpoch(report);
    if (!best || s > best.score) best = { epoch, score: s, weights: readWeights(p, vocabSize, classes, cfg), probs };
    else if (epoch - best.epoch >= cfg.patience) break;
  }
  vars.forEach((v) => v.dispose());
  optimizer.dispose();
  if (!best) throw new Error('trainCnn: no epoch ran (maxEpochs must be >= 1)');
  return { weights: best.weights, bestEpoch: best.epoch, bestScore: best.score, history, valProbs: best.probs };
}
