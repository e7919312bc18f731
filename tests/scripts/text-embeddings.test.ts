import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { embeddingTable, type PretrainedVectors } from '../../scripts/lib/text-embeddings.js';
import { buildOnnxModel, type CnnWeights } from '../../scripts/lib/text-onnx.js';
import { buildVocabulary } from '../../scripts/lib/text-tokenizer.js';

const pretrained = (entries: Record<string, number[]>): PretrainedVectors => {
  const words = Object.keys(entries);
  return { words, index: new Map(words.map((w, i) => [w, i])), vectors: Float32Array.from(words.flatMap((w) => entries[w]!)), dim: 2 };
};

describe('buildVocabulary with pre-trained words', () => {
  const texts = ['happy happy day', 'gutted today', 'happy zxq'];

  it('given no pre-trained words, keeps only words seen minCount times', () => {
    expect(buildVocabulary(texts, { minCount: 2 }).tokens.slice(4)).toEqual(['happy']);
  });

  it('given known words, keeps those seen once too, and appends extra words not seen, before the suffixes', () => {
    const known = new Set(['gutted', 'today', 'day', 'thrilled']);
    const vocab = buildVocabulary(texts, { minCount: 2, known: (w) => known.has(w), extra: ['thrilled', 'happy', 'thrilled'], suffixes: ['ing'] });
    expect(vocab.tokens.slice(4)).toEqual(['happy', 'day', 'gutted', 'today', 'thrilled', '##ing']);
    expect(vocab.ids.has('zxq')).toBe(false);
  });
});

describe('embeddingTable', () => {
  it('given a vocabulary, copies the vectors of known words, seeds noise for the rest and keeps [PAD] zero', () => {
    const pre = pretrained({ happy: [0.5, -0.5], day: [1, 2] });
    const a = embeddingTable(['[PAD]', '[UNK]', 'happy', 'zxq', 'day'], pre, 7);
    expect([...a.table.slice(4, 6)]).toEqual([0.5, -0.5]);
    expect([...a.table.slice(8, 10)]).toEqual([1, 2]);
    expect([...a.table.slice(0, 2)]).toEqual([0, 0]);
    expect(a.found).toBe(2);
    expect([...a.known]).toEqual([0, 0, 1, 0, 1]);
    expect(Math.abs(a.table[6]!)).toBeGreaterThan(0);
    // Same seed, same noise; another seed, other noise.
    expect(embeddingTable(['[PAD]', '[UNK]', 'happy', 'zxq', 'day'], pre, 7).table).toEqual(a.table);
    expect(embeddingTable(['[PAD]', '[UNK]', 'happy', 'zxq', 'day'], pre, 8).table).not.toEqual(a.table);
  });
});

describe('buildOnnxModel', () => {
  const member = (embedding: number[], outBias: number): CnnWeights => ({
    vocabSize: 3,
    dim: 2,
    filters: 1,
    classes: 2,
    embedding: Float32Array.from(embedding),
    convs: [{ width: 1, kernel: Float32Array.from([1, 1]), bias: Float32Array.from([0]) }],
    outKernel: Float32Array.from([1, -1]),
    outBias: Float32Array.from([outBias, 0]),
  });

  it('given members with identical embedding tables, stores the table once and still averages both members', async () => {
    const table = [0, 0, 1, 2, 3, 4];
    const shared = buildOnnxModel([member(table, 0), member(table, 1)], { float16Embeddings: true });
    const separate = buildOnnxModel([member(table, 0), member([0, 0, 1, 2, 3, 5], 1)], { float16Embeddings: true });
    const count = (bytes: Uint8Array, name: string): number => Buffer.from(bytes).toString('latin1').split(name).length - 1;
    expect(count(shared, 'm1_embedding')).toBe(0);
    expect(count(separate, 'm1_embedding')).toBeGreaterThan(0);
    // Tokens 1 and 2: conv sums each vector (3, 7), max 7; logits (7 + b, -7), averaged over b = 0 and 1.
    const session = await ort.InferenceSession.create(shared);
    const ids = new ort.Tensor('int64', BigInt64Array.from([1n, 2n]), [1, 2]);
    const mask = new ort.Tensor('int64', BigInt64Array.from([1n, 1n]), [1, 2]);
    const { logits } = await session.run({ input_ids: ids, attention_mask: mask });
    expect([...(logits!.data as Float32Array)]).toEqual([7.5, -7]);
  });
});
