import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { FER_EXPRESSIONS, loadFaceExpressionModel, readExpressionManifest } from '../../../src/infra/mood/face-expression.model.js';

const SHIPPED = 'models/face-expression';
const dirs: string[] = [];
/** A model folder beside the shipped head.bin with the shipped manifest changed by `edit`. */
const variant = (edit: (manifest: Record<string, unknown> & { head: Record<string, unknown> }) => void) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'face-model-'));
  dirs.push(dir);
  const manifest = JSON.parse(readFileSync(path.join(SHIPPED, 'manifest.json'), 'utf8'));
  edit(manifest);
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  copyFileSync(path.join(SHIPPED, 'head.bin'), path.join(dir, 'head.bin'));
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('face expression model folder', () => {
  it('given the shipped folder, reads a trained MLP head blended with a share of the stock classifier, with flip averaging', () => {
    const manifest = readExpressionManifest(SHIPPED);
    expect(manifest.head.kind).toBe('mlp');
    if (manifest.head.kind !== 'mlp') return;
    expect(manifest.head.stockBlend).toBeGreaterThanOrEqual(0);
    expect(manifest.head.stockBlend).toBeLessThan(1);
    expect(manifest.tta).toEqual(['identity', 'flip']);
  });

  it('given a stock share of 1, classifies exactly as the stock classifier, and the shipped share mixes head and stock in that proportion', async () => {
    const stockDir = variant((m) => {
      m.head = { kind: 'stock' };
    });
    const allStock = await loadFaceExpressionModel({ modelDir: variant((m) => (m.head.stockBlend = 1)) });
    const stock = await loadFaceExpressionModel({ modelDir: stockDir });
    const headOnly = await loadFaceExpressionModel({ modelDir: variant((m) => (m.head.stockBlend = 0)) });
    const shipped = await loadFaceExpressionModel({ modelDir: SHIPPED });
    const t = stock.faceApi.tf;
    // Seeded crops: what matters is that the same input goes through each head.
    const crops = t.tidy(() => t.mul(t.randomUniform([3, 112, 112, 3], 0, 1, 'float32', 7), 255)) as Parameters<typeof stock.classify>[0];
    const [a, b, h, s] = await Promise.all([allStock, stock, headOnly, shipped].map((m) => m.classify(crops)));
    crops.dispose();
    for (let i = 0; i < 3; i++) {
      for (let k = 0; k < FER_EXPRESSIONS.length; k++) {
        expect(a![i]![k]).toBeCloseTo(b![i]![k]!, 5);
        const blend = shipped.manifest.head.kind === 'mlp' ? shipped.manifest.head.stockBlend : 1;
        expect(s![i]![k]).toBeCloseTo((1 - blend) * h![i]![k]! + blend * b![i]![k]!, 5);
      }
      expect(s![i]!.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    }
  }, 60_000);

  it('given a head file that does not match its manifest, refuses it with model_missing', async () => {
    const dir = variant((m) => (m.head.layers = [{ units: 128, activation: 'elu' }, { units: 7, activation: 'linear' }]));
    const error = await loadFaceExpressionModel({ modelDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('model_missing');
  }, 60_000);
});
