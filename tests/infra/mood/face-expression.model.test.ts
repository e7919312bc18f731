import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { EXPRESSION_FEATURE_SIZE, FER_EXPRESSIONS, halfToFloat, loadFaceExpressionModel, type FaceExpressionModel, readExpressionManifest } from '../../../src/infra/mood/face-expression.model.js';
import { mulberry32 } from '../../../scripts/lib/text-rng.js';

const SHIPPED = 'models/face-expression';
const K = FER_EXPRESSIONS.length;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Seeded floats in [-scale, scale). */
const seeded = (n: number, seed: number, scale = 0.1) => {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (rng() * 2 - 1) * scale);
};

/** A model folder with `manifest` and a weights file of `floats` seeded values. */
const folder = (manifest: Record<string, unknown>, file: string, floats: number) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'face-model-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ format: 'moodreel-face-expression', version: 'test', tta: ['identity', 'flip'], cropScale: 1, ...manifest }));
  writeFileSync(path.join(dir, file), Buffer.from(seeded(floats, 3).buffer));
  return dir;
};

/** An MLP head (384 -> 16 ELU -> 7) with seeded weights; the input mean 0 and std 1 come first. */
const mlpFolder = (stockBlend: number, hidden = 16) => {
  const dir = folder(
    { head: { kind: 'mlp', weights: 'head.bin', inputSize: EXPRESSION_FEATURE_SIZE, layers: [{ units: hidden, activation: 'elu' }, { units: K, activation: 'linear' }], stockBlend } },
    'head.bin',
    2 * EXPRESSION_FEATURE_SIZE + EXPRESSION_FEATURE_SIZE * hidden + hidden + hidden * K + K,
  );
  const stats = new Float32Array(2 * EXPRESSION_FEATURE_SIZE).fill(0, 0, EXPRESSION_FEATURE_SIZE).fill(1, EXPRESSION_FEATURE_SIZE);
  const weights = seeded(EXPRESSION_FEATURE_SIZE * hidden + hidden + hidden * K + K, 5);
  writeFileSync(path.join(dir, 'head.bin'), Buffer.concat([Buffer.from(stats.buffer), Buffer.from(weights.buffer)]));
  return dir;
};

/** A small CNN (stages of 4 and 8 channels, two convolutions each) with seeded weights. */
const CNN_FLOATS = 9 * 1 * 4 + 4 + 9 * 4 * 4 + 4 + 9 * 4 * 8 + 8 + 9 * 8 * 8 + 8 + 8 * K + K;
const cnnFolder = (widths = [4, 8], floats = CNN_FLOATS) =>
  folder({ head: { kind: 'cnn', weights: 'weights.bin', inputSize: 48, widths, convs: 2 } }, 'weights.bin', floats);

describe('face expression model folder', () => {
  it('given the shipped folder, reads its manifest and turns a batch of crops into one probability vector each', async () => {
    const manifest = readExpressionManifest(SHIPPED);
    expect(manifest.tta).toEqual(['identity', 'flip']);
    const model = await loadFaceExpressionModel({ modelDir: SHIPPED });
    const t = model.faceApi.tf;
    const crops = t.tidy(() => t.mul(t.randomUniform([3, model.inputSize, model.inputSize, 3], 0, 1, 'float32', 7), 255)) as Parameters<typeof model.classify>[0];
    const probs = await model.classify(crops);
    crops.dispose();
    expect(probs).toHaveLength(3);
    for (const p of probs) {
      expect(p).toHaveLength(K);
      expect(p.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    }
  }, 60_000);

  it('given a CNN folder, classifies 48 px crops, and with flip averaging a crop and its mirror image read the same', async () => {
    const model = await loadFaceExpressionModel({ modelDir: cnnFolder() });
    expect(model.inputSize).toBe(48);
    const t = model.faceApi.tf;
    const crops = t.tidy(() => t.mul(t.randomUniform([2, 48, 48, 3], 0, 1, 'float32', 11), 255)) as Parameters<typeof model.classify>[0];
    const mirrored = t.reverse(crops, 2) as typeof crops;
    const [a, b] = await Promise.all([model.classify(crops), model.classify(mirrored)]);
    t.dispose([crops, mirrored]);
    for (let i = 0; i < 2; i++) {
      expect(a![i]!.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
      for (let k = 0; k < K; k++) expect(a![i]![k]).toBeCloseTo(b![i]![k]!, 5);
    }
  }, 60_000);

  it('given float16 weights, decodes normal, subnormal and special values', () => {
    expect([0x3c00, 0xc000, 0x7bff, 0x0001, 0x3555, 0x0000, 0x7c00].map(halfToFloat)).toEqual([1, -2, 65504, 2 ** -24, 0.333251953125, 0, Infinity]);
  });

  it('given a CNN weights file that does not match its manifest, refuses it with model_missing', async () => {
    for (const dir of [cnnFolder([4, 16]), cnnFolder([4, 8], CNN_FLOATS + 1)]) {
      const error = await loadFaceExpressionModel({ modelDir: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).code).toBe('model_missing');
    }
  }, 60_000);

  it('given a CNN with an MLP partner, mixes the partner\'s probabilities on the crops resized to 112 px in at its share (one view: a mirrored resize is not the resized mirror)', async () => {
    const partnerDir = mlpFolder(0.2);
    const cnnDir = cnnFolder();
    const partner = readExpressionManifest(partnerDir).head;
    const manifest = readExpressionManifest(cnnDir);
    copyFileSync(path.join(partnerDir, 'head.bin'), path.join(cnnDir, 'partner.bin'));
    const layers = partner.kind === 'mlp' ? partner.layers : [];
    writeFileSync(path.join(cnnDir, 'manifest.json'), JSON.stringify({ ...manifest, head: { ...manifest.head, partner: { share: 0.3, weights: 'partner.bin', layers, stockBlend: 0.2 } } }));
    const [both, cnnAlone, mlpAlone] = (await Promise.all([cnnDir, cnnFolder(), partnerDir].map((modelDir) => loadFaceExpressionModel({ modelDir, tta: ['identity'] })))) as [FaceExpressionModel, FaceExpressionModel, FaceExpressionModel];
    const t = both.faceApi.tf;
    const crops = t.tidy(() => t.mul(t.randomUniform([2, 48, 48, 3], 0, 1, 'float32', 13), 255)) as Parameters<typeof both.classify>[0];
    const resized = t.image.resizeBilinear(crops, [112, 112], false, false);
    const [m, c, p] = await Promise.all([both.classify(crops), cnnAlone.classify(crops), mlpAlone.classify(resized)]);
    t.dispose([crops, resized]);
    for (let i = 0; i < 2; i++) for (let k = 0; k < K; k++) expect(m![i]![k]).toBeCloseTo(0.7 * c![i]![k]! + 0.3 * p![i]![k]!, 5);
  }, 60_000);

  it('given an MLP head with a stock share of 1, classifies exactly as the stock classifier, and a share mixes head and stock in that proportion', async () => {
    const stockDir = folder({ head: { kind: 'stock' } }, 'unused.bin', 1);
    const [allStock, stock, headOnly, mixed] = await Promise.all([
      loadFaceExpressionModel({ modelDir: mlpFolder(1) }),
      loadFaceExpressionModel({ modelDir: stockDir }),
      loadFaceExpressionModel({ modelDir: mlpFolder(0) }),
      loadFaceExpressionModel({ modelDir: mlpFolder(0.2) }),
    ]);
    const t = stock.faceApi.tf;
    // Seeded crops: what matters is that the same input goes through each head.
    const crops = t.tidy(() => t.mul(t.randomUniform([3, 112, 112, 3], 0, 1, 'float32', 7), 255)) as Parameters<typeof stock.classify>[0];
    const [a, b, h, s] = await Promise.all([allStock, stock, headOnly, mixed].map((m) => m.classify(crops)));
    crops.dispose();
    for (let i = 0; i < 3; i++) {
      for (let k = 0; k < K; k++) {
        expect(a![i]![k]).toBeCloseTo(b![i]![k]!, 5);
        expect(s![i]![k]).toBeCloseTo(0.8 * h![i]![k]! + 0.2 * b![i]![k]!, 5);
      }
      expect(s![i]!.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    }
  }, 60_000);

  it('given an MLP head file that does not match its manifest, refuses it with model_missing', async () => {
    const dir = mlpFolder(0.2);
    const manifest = readExpressionManifest(dir);
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, head: { ...manifest.head, layers: [{ units: 128, activation: 'elu' }, { units: K, activation: 'linear' }] } }));
    const error = await loadFaceExpressionModel({ modelDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('model_missing');
  }, 60_000);
});
