/**
 * Writes the trained text CNN(s) as an ONNX graph that transformers.js runs through its
 * `text-classification` pipeline: inputs `input_ids` and `attention_mask` (int64,
 * [batch, sequence]), output `logits` ([batch, classes]).
 *
 * Per member network:  Gather(embedding) -> Transpose -> Conv (all widths in one
 * kernel, shorter filters zero-padded on the right, so window t covers tokens t..t+k-1
 * exactly as in training) -> Relu -> Mul(attention mask) -> ReduceMax(time) -> Gemm.
 * An ensemble averages the members' logits inside the graph, so serving stays one call.
 *
 * The embedding table can be stored as float16 (halves the folder; Cast back to float32
 * after the Gather), which moves logits by ~1e-3 at most.
 */
import type { onnx as Onnx } from 'onnx-proto';
import onnxProto from 'onnx-proto';

/**
 * Trained weights of one network as plain row-major arrays (what the PyTorch trainer
 * writes: scripts/python/train_text_cnn.py).
 */
export interface CnnWeights {
  readonly vocabSize: number;
  readonly dim: number;
  readonly filters: number;
  readonly classes: number;
  /** [vocabSize, dim]; row 0 ([PAD]) is all zeros. */
  readonly embedding: Float32Array;
  /** Per width k: kernel [k * dim, filters] (window position-major), bias [filters]. */
  readonly convs: readonly { readonly width: number; readonly kernel: Float32Array; readonly bias: Float32Array }[];
  /** [widths * filters, classes] and [classes]. */
  readonly outKernel: Float32Array;
  readonly outBias: Float32Array;
}

// onnx-proto is CommonJS: its namespace arrives as the default export under ESM.
const { onnx } = onnxProto;
const { DataType } = onnx.TensorProto;

function floatTensor(name: string, dims: number[], data: Float32Array): Onnx.ITensorProto {
  return {
    name,
    dims,
    dataType: DataType.FLOAT,
    rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  };
}

/** IEEE 754 half precision from a float (round to nearest even). */
export function toFloat16Bits(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

function float16Tensor(name: string, dims: number[], data: Float32Array): Onnx.ITensorProto {
  const bits = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) bits[i] = toFloat16Bits(data[i]!);
  return { name, dims, dataType: DataType.FLOAT16, rawData: new Uint8Array(bits.buffer) };
}

function int64Tensor(name: string, values: number[]): Onnx.ITensorProto {
  return { name, dims: [values.length], dataType: DataType.INT64, int64Data: values };
}

const attrInt = (name: string, i: number): Onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });
const attrInts = (name: string, ints: number[]): Onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INTS,
  ints,
});
const attrFloat = (name: string, f: number): Onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f });

function node(opType: string, inputs: string[], outputs: string[], attribute: Onnx.IAttributeProto[] = []): Onnx.INodeProto {
  return { opType, input: inputs, output: outputs, name: `${opType}_${outputs[0]}`, attribute };
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): Onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/**
 * Conv kernel [filters_total, dim, maxWidth] from per-width kernels stored as
 * [width * dim, filters] (window position-major, as the trainer's window concatenation).
 */
function convKernel(w: CnnWeights): { kernel: Float32Array; bias: Float32Array; maxWidth: number; total: number } {
  const maxWidth = Math.max(...w.convs.map((c) => c.width));
  const total = w.convs.length * w.filters;
  const kernel = new Float32Array(total * w.dim * maxWidth);
  const bias = new Float32Array(total);
  w.convs.forEach((c, ci) => {
    for (let f = 0; f < w.filters; f++) {
      const out = ci * w.filters + f;
      bias[out] = c.bias[f]!;
      for (let j = 0; j < c.width; j++) {
        for (let d = 0; d < w.dim; d++) {
          kernel[(out * w.dim + d) * maxWidth + j] = c.kernel[(j * w.dim + d) * w.filters + f]!;
        }
      }
    }
  });
  return { kernel, bias, maxWidth, total };
}

export interface OnnxExportOptions {
  /** Store embedding tables as float16 (Cast to float32 after the Gather). */
  readonly float16Embeddings: boolean;
  readonly producer?: string;
}

function sameTable(a: CnnWeights, b: CnnWeights): boolean {
  if (a.vocabSize !== b.vocabSize || a.dim !== b.dim) return false;
  return Buffer.from(a.embedding.buffer, a.embedding.byteOffset, a.embedding.byteLength).equals(Buffer.from(b.embedding.buffer, b.embedding.byteOffset, b.embedding.byteLength));
}

/** Builds the serialized ONNX model for one network or an ensemble averaging logits. */
export function buildOnnxModel(members: readonly CnnWeights[], options: OnnxExportOptions): Uint8Array {
  if (members.length === 0) throw new Error('buildOnnxModel: no network given');
  const classes = members[0]!.classes;
  const nodes: Onnx.INodeProto[] = [];
  const inits: Onnx.ITensorProto[] = [];

  // Shared: float mask [B, 1, S].
  nodes.push(node('Cast', ['attention_mask'], ['mask_f'], [attrInt('to', DataType.FLOAT)]));
  inits.push(int64Tensor('axis_1', [1]));
  nodes.push(node('Unsqueeze', ['mask_f', 'axis_1'], ['mask_b1s']));

  const memberLogits: string[] = [];
  members.forEach((w, m) => {
    if (w.classes !== classes) throw new Error('buildOnnxModel: members disagree on the number of classes');
    const p = `m${m}_`;
    const { kernel, bias, maxWidth, total } = convKernel(w);
    // Members trained with the same frozen embeddings share one table (and one Gather).
    const twin = members.findIndex((o, k) => k < m && sameTable(o, w));
    if (twin >= 0) {
      nodes.push(node('Identity', [`m${twin}_emb`], [`${p}emb`]));
    } else if (options.float16Embeddings) {
      inits.push(float16Tensor(`${p}embedding`, [w.vocabSize, w.dim], w.embedding));
      nodes.push(node('Gather', [`${p}embedding`, 'input_ids'], [`${p}emb16`], [attrInt('axis', 0)]));
      nodes.push(node('Cast', [`${p}emb16`], [`${p}emb`], [attrInt('to', DataType.FLOAT)]));
    } else {
      inits.push(floatTensor(`${p}embedding`, [w.vocabSize, w.dim], w.embedding));
      nodes.push(node('Gather', [`${p}embedding`, 'input_ids'], [`${p}emb`], [attrInt('axis', 0)]));
    }
    nodes.push(node('Transpose', [`${p}emb`], [`${p}emb_t`], [attrInts('perm', [0, 2, 1])]));
    inits.push(floatTensor(`${p}conv_w`, [total, w.dim, maxWidth], kernel));
    inits.push(floatTensor(`${p}conv_b`, [total], bias));
    nodes.push(
      node('Conv', [`${p}emb_t`, `${p}conv_w`, `${p}conv_b`], [`${p}conv`], [
        attrInts('kernel_shape', [maxWidth]),
        attrInts('pads', [0, maxWidth - 1]),
        attrInts('strides', [1]),
        attrInts('dilations', [1]),
        attrInt('group', 1),
      ]),
    );
    nodes.push(node('Relu', [`${p}conv`], [`${p}relu`]));
    nodes.push(node('Mul', [`${p}relu`, 'mask_b1s'], [`${p}masked`]));
    nodes.push(node('ReduceMax', [`${p}masked`], [`${p}pooled`], [attrInts('axes', [2]), attrInt('keepdims', 0)]));
    inits.push(floatTensor(`${p}out_w`, [total, classes], w.outKernel));
    inits.push(floatTensor(`${p}out_b`, [classes], w.outBias));
    const out = members.length === 1 ? 'logits' : `${p}logits`;
    nodes.push(node('Gemm', [`${p}pooled`, `${p}out_w`, `${p}out_b`], [out], [attrFloat('alpha', 1), attrFloat('beta', 1)]));
    memberLogits.push(out);
  });
  if (members.length > 1) {
    nodes.push(node('Sum', memberLogits, ['logits_sum']));
    inits.push(floatTensor('inv_members', [], new Float32Array([1 / members.length])));
    nodes.push(node('Mul', ['logits_sum', 'inv_members'], ['logits']));
  }

  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: options.producer ?? 'moodreel-train-text',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'moodreel_text_cnn',
      node: nodes,
      initializer: inits,
      input: [
        valueInfo('input_ids', DataType.INT64, ['batch_size', 'sequence_length']),
        valueInfo('attention_mask', DataType.INT64, ['batch_size', 'sequence_length']),
      ],
      output: [valueInfo('logits', DataType.FLOAT, ['batch_size', classes])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
