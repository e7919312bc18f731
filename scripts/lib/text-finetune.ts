/**
 * A Node-only fine-tune of the served text model's output layers (issue #13 part 3).
 *
 * The model (scripts/lib/text-onnx.ts) is an ensemble of word CNNs; each member ends
 * in `Gemm(pooled, out_w [features, classes], out_b)` and the ensemble averages the
 * members' logits. Everything before the Gemm (embeddings, convolutions, max-pool) stays
 * as shipped, so the pooled features of a sentence never change: they are computed once
 * with ONNX Runtime on a copy of the graph that also outputs them, and the output layers
 * are refitted as a softmax regression on those features. That needs no autodiff (the
 * gradient is closed-form), and an L2 pull toward the shipped weights keeps the new layer
 * near the old one, so a handful of corrections nudges it instead of rewriting it.
 *
 * The members are found from the graph's structure (every Gemm whose weight is an
 * initializer), not from names or sizes; `extractFeatures` checks that the ensemble
 * logits rebuilt from the features match the graph's own `logits`, so a graph this code
 * does not understand fails loudly instead of training the wrong thing.
 */
import type { onnx as Onnx } from 'onnx-proto';
import onnxProto from 'onnx-proto';

// onnx-proto is CommonJS: its namespace arrives as the default export under ESM.
const { onnx } = onnxProto;
const { DataType } = onnx.TensorProto;

/** One member's output layer: logits = features · weight + bias. */
export interface OutputLayer {
  /** Graph value holding the member's pooled features (the Gemm's input). */
  readonly feature: string;
  readonly weightName: string;
  readonly biasName: string;
  readonly features: number;
  readonly classes: number;
  /** Row-major [features, classes]. */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

function decode(model: Uint8Array): Onnx.ModelProto {
  return onnx.ModelProto.decode(model);
}

function floatsOf(t: Onnx.ITensorProto): Float32Array {
  if (t.dataType !== DataType.FLOAT) throw new Error(`initializer ${t.name}: expected float32, got data type ${t.dataType}`);
  if (t.rawData && t.rawData.length > 0) {
    const copy = new Uint8Array(t.rawData); // aligned copy
    return new Float32Array(copy.buffer, 0, copy.length / 4);
  }
  return Float32Array.from(t.floatData ?? []);
}

function gemmLayers(graph: Onnx.IGraphProto): { node: Onnx.INodeProto; w: Onnx.ITensorProto; b: Onnx.ITensorProto }[] {
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const out: { node: Onnx.INodeProto; w: Onnx.ITensorProto; b: Onnx.ITensorProto }[] = [];
  for (const node of graph.node ?? []) {
    if (node.opType !== 'Gemm') continue;
    const [, wName, bName] = node.input ?? [];
    const w = inits.get(wName ?? '');
    const b = inits.get(bName ?? '');
    if (!w || !b) continue;
    const transposed = (node.attribute ?? []).some((a) => (a.name === 'transA' || a.name === 'transB') && Number(a.i) !== 0);
    const scaled = (node.attribute ?? []).some((a) => (a.name === 'alpha' || a.name === 'beta') && a.f !== 1);
    if (transposed || scaled) throw new Error(`Gemm ${node.name}: transposed or scaled output layers are not supported`);
    out.push({ node, w, b });
  }
  return out;
}

/** The members' output layers, in graph order. Throws when the graph has none. */
export function readOutputLayers(model: Uint8Array): OutputLayer[] {
  const graph = decode(model).graph;
  if (!graph) throw new Error('ONNX model has no graph');
  const layers = gemmLayers(graph).map(({ node, w, b }) => {
    const dims = (w.dims ?? []).map(Number);
    if (dims.length !== 2) throw new Error(`output weight ${w.name}: expected 2 dimensions, got ${dims.length}`);
    const weight = floatsOf(w);
    const bias = floatsOf(b);
    const [features, classes] = dims as [number, number];
    if (weight.length !== features * classes || bias.length !== classes) throw new Error(`output layer ${w.name}: sizes do not match its dimensions`);
    return { feature: node.input![0]!, weightName: w.name!, biasName: b.name!, features, classes, weight, bias };
  });
  if (layers.length === 0) throw new Error('ONNX model has no Gemm output layer with initializer weights');
  if (new Set(layers.map((l) => l.classes)).size !== 1) throw new Error('ONNX model members disagree on the number of classes');
  return layers;
}

/** The same graph with every member's pooled features added as outputs (for ONNX Runtime). */
export function withFeatureOutputs(model: Uint8Array): Uint8Array {
  const proto = decode(model);
  const layers = readOutputLayers(model);
  const graph = proto.graph!;
  const have = new Set((graph.output ?? []).map((o) => o.name));
  for (const l of layers) {
    if (have.has(l.feature)) continue;
    graph.output!.push({
      name: l.feature,
      type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'batch_size' }, { dimValue: l.features }] } } },
    });
  }
  return onnx.ModelProto.encode(proto).finish();
}

/** The same graph with new output-layer weights (matched by initializer name). */
export function withOutputLayers(model: Uint8Array, layers: readonly OutputLayer[]): Uint8Array {
  const proto = decode(model);
  const byName = new Map<string, Float32Array>();
  for (const l of layers) {
    byName.set(l.weightName, l.weight);
    byName.set(l.biasName, l.bias);
  }
  let replaced = 0;
  for (const t of proto.graph?.initializer ?? []) {
    const data = byName.get(t.name ?? '');
    if (!data) continue;
    if (floatsOf(t).length !== data.length) throw new Error(`initializer ${t.name}: new data has ${data.length} values, the graph ${floatsOf(t).length}`);
    t.rawData = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    t.floatData = [];
    replaced++;
  }
  if (replaced !== byName.size) throw new Error(`withOutputLayers: ${byName.size - replaced} output initializers not found in the graph`);
  return onnx.ModelProto.encode(proto).finish();
}

/**
 * Pooled features of many sentences: one Float32Array per member, row-major
 * [rows, features]. Kept flat because the fine-tune loops over them many times.
 */
export interface FeatureMatrix {
  readonly rows: number;
  readonly perMember: readonly Float32Array[];
}

/** Ensemble probabilities (softmax of the members' averaged logits) for every row. */
export function ensembleProbs(x: FeatureMatrix, layers: readonly OutputLayer[]): Float64Array[] {
  const classes = layers[0]!.classes;
  const out: Float64Array[] = [];
  const z = new Float64Array(classes);
  for (let i = 0; i < x.rows; i++) {
    logitsInto(x, layers, i, z);
    out.push(softmax(z));
  }
  return out;
}

function logitsInto(x: FeatureMatrix, layers: readonly OutputLayer[], i: number, z: Float64Array): void {
  const classes = z.length;
  z.fill(0);
  const inv = 1 / layers.length;
  layers.forEach((l, m) => {
    const f = x.perMember[m]!;
    const base = i * l.features;
    for (let c = 0; c < classes; c++) z[c]! += l.bias[c]! * inv;
    for (let k = 0; k < l.features; k++) {
      const v = f[base + k]!;
      if (v === 0) continue;
      const row = k * classes;
      for (let c = 0; c < classes; c++) z[c]! += v * l.weight[row + c]! * inv;
    }
  });
}

export function softmax(z: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let c = 0; c < z.length; c++) max = Math.max(max, z[c]!);
  const p = new Float64Array(z.length);
  let sum = 0;
  for (let c = 0; c < z.length; c++) sum += p[c] = Math.exp(z[c]! - max);
  for (let c = 0; c < z.length; c++) p[c]! /= sum;
  return p;
}

export interface FineTuneSettings {
  /** L2 pull toward the shipped weights (per weight, on the row-weight-averaged loss). */
  readonly l2: number;
  /** Full-batch Adam steps. */
  readonly steps: number;
  readonly learningRate: number;
}

/** Measured defaults (docs/text-retraining.md): enough to move a word's class, not to forget the rest. */
export const DEFAULT_FINETUNE: FineTuneSettings = { l2: 0.01, steps: 150, learningRate: 0.01 };

export interface FineTuneReport {
  readonly layers: OutputLayer[];
  readonly lossBefore: number;
  readonly lossAfter: number;
}

/**
 * Softmax regression of the ensemble's averaged logits on soft targets, with row weights,
 * starting from and L2-pulled toward `base` (full-batch Adam; deterministic).
 */
export function fineTuneOutputLayers(
  x: FeatureMatrix,
  targets: readonly (readonly number[])[],
  weights: readonly number[],
  base: readonly OutputLayer[],
  settings: FineTuneSettings = DEFAULT_FINETUNE,
): FineTuneReport {
  if (targets.length !== x.rows || weights.length !== x.rows) throw new Error('fineTuneOutputLayers: rows, targets and weights differ in length');
  const classes = base[0]!.classes;
  const totalWeight = weights.reduce((a, w) => a + w, 0);
  if (!(totalWeight > 0)) throw new Error('fineTuneOutputLayers: no training weight');
  const params = base.map((l) => ({ w: Float64Array.from(l.weight), b: Float64Array.from(l.bias) }));
  const moments = base.map((l) => ({
    mw: new Float64Array(l.weight.length), vw: new Float64Array(l.weight.length),
    mb: new Float64Array(classes), vb: new Float64Array(classes),
  }));
  const current = (): OutputLayer[] => base.map((l, m) => ({ ...l, weight: Float32Array.from(params[m]!.w), bias: Float32Array.from(params[m]!.b) }));
  const inv = 1 / base.length;
  const z = new Float64Array(classes);
  const g = new Float64Array(classes);
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];

  const lossOf = (layers: readonly OutputLayer[]): number => {
    let loss = 0;
    for (let i = 0; i < x.rows; i++) {
      logitsInto(x, layers, i, z);
      const p = softmax(z);
      const t = targets[i]!;
      for (let c = 0; c < classes; c++) if (t[c]! > 0) loss -= (weights[i]! * t[c]! * Math.log(Math.max(p[c]!, 1e-12))) / totalWeight;
    }
    return loss;
  };
  const lossBefore = lossOf(base);

  for (let step = 1; step <= settings.steps; step++) {
    const layers = current();
    const grads = base.map((l) => ({ w: new Float64Array(l.weight.length), b: new Float64Array(classes) }));
    for (let i = 0; i < x.rows; i++) {
      logitsInto(x, layers, i, z);
      const p = softmax(z);
      const t = targets[i]!;
      const scale = weights[i]! / totalWeight;
      for (let c = 0; c < classes; c++) g[c] = (p[c]! - t[c]!) * scale * inv;
      base.forEach((l, m) => {
        const f = x.perMember[m]!;
        const gw = grads[m]!.w;
        const rowBase = i * l.features;
        for (let c = 0; c < classes; c++) grads[m]!.b[c]! += g[c]!;
        for (let k = 0; k < l.features; k++) {
          const v = f[rowBase + k]!;
          if (v === 0) continue;
          const row = k * classes;
          for (let c = 0; c < classes; c++) gw[row + c]! += v * g[c]!;
        }
      });
    }
    const bc1 = 1 - beta1 ** step;
    const bc2 = 1 - beta2 ** step;
    base.forEach((l, m) => {
      const p = params[m]!;
      const mo = moments[m]!;
      const update = (theta: Float64Array, grad: Float64Array, anchor: Float32Array, mv: Float64Array, vv: Float64Array) => {
        for (let j = 0; j < theta.length; j++) {
          const gj = grad[j]! + settings.l2 * (theta[j]! - anchor[j]!);
          mv[j] = beta1 * mv[j]! + (1 - beta1) * gj;
          vv[j] = beta2 * vv[j]! + (1 - beta2) * gj * gj;
          theta[j]! -= (settings.learningRate * (mv[j]! / bc1)) / (Math.sqrt(vv[j]! / bc2) + eps);
        }
      };
      update(p.w, grads[m]!.w, l.weight, mo.mw, mo.vw);
      update(p.b, grads[m]!.b, l.bias, mo.mb, mo.vb);
    });
  }
  const layers = current();
  return { layers, lossBefore, lossAfter: lossOf(layers) };
}

/**
 * Runs a features variant of the graph on token ids and returns the members' pooled
 * features, checking on the way that the ensemble logits rebuilt from them match the
 * graph's `logits` output (max absolute difference below 1e-3).
 */
export async function extractFeatures(
  modelBytes: Uint8Array,
  encode: (texts: string[]) => Promise<{ ids: BigInt64Array; mask: BigInt64Array; dims: [number, number] }>,
  texts: readonly string[],
  options: { batchSize?: number } = {},
): Promise<FeatureMatrix> {
  const ort = await import('onnxruntime-node');
  const layers = readOutputLayers(modelBytes);
  const session = await ort.InferenceSession.create(withFeatureOutputs(modelBytes), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const perMember = layers.map((l) => new Float32Array(texts.length * l.features));
    const logits = new Float32Array(texts.length * layers[0]!.classes);
    const batchSize = options.batchSize ?? 64;
    for (let start = 0; start < texts.length; start += batchSize) {
      const batch = texts.slice(start, start + batchSize);
      const { ids, mask, dims } = await encode(batch);
      const result = await session.run(
        { input_ids: new ort.Tensor('int64', ids, dims), attention_mask: new ort.Tensor('int64', mask, dims) },
        [...layers.map((l) => l.feature), 'logits'],
      );
      layers.forEach((l, m) => perMember[m]!.set(result[l.feature]!.data as Float32Array, start * l.features));
      logits.set(result.logits!.data as Float32Array, start * layers[0]!.classes);
    }
    const x = { rows: texts.length, perMember };
    const z = new Float64Array(layers[0]!.classes);
    let worst = 0;
    for (let i = 0; i < x.rows; i++) {
      logitsInto(x, layers, i, z);
      for (let c = 0; c < z.length; c++) worst = Math.max(worst, Math.abs(z[c]! - logits[i * z.length + c]!));
    }
    if (worst > 1e-3) throw new Error(`the graph's logits are not the average of its members' output layers (max difference ${worst}); this model cannot be fine-tuned here`);
    return x;
  } finally {
    await session.release();
  }
}

/** Rows `indices` of a feature matrix, as a new matrix. */
export function selectRows(x: FeatureMatrix, indices: readonly number[], featuresPerMember: readonly number[]): FeatureMatrix {
  return {
    rows: indices.length,
    perMember: x.perMember.map((f, m) => {
      const n = featuresPerMember[m]!;
      const out = new Float32Array(indices.length * n);
      indices.forEach((i, r) => out.set(f.subarray(i * n, (i + 1) * n), r * n));
      return out;
    }),
  };
}
