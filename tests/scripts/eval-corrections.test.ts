/**
 * npm run eval:corrections on seeded databases (SQLite and the local
 * PostgreSQL): the confusion matrix, the correction rate per input kind, the
 * retrain column (not available before a retrain; before/after from the
 * models folder's last-run.json after one), and the final JSON line.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateCorrections } from '../../scripts/eval-corrections.js';
import { toDistribution, type MoodLabel } from '../../src/core/mood/mood-space.js';
import type { MoodInputKind, Stores } from '../../src/core/stores.js';
import { createPrismaStores } from '../../src/infra/db/prisma-stores.js';
import { TextModelRegistry, type TextRetrainRecord } from '../../src/infra/mood/text-model.registry.js';
import { providers, type TestDatabase } from '../helpers/databases.js';

const run = promisify(execFile);

/** A models folder holding what the text retrain job leaves: last-run.json (docs/text-retraining.md). */
let modelsDir: string;
beforeAll(() => {
  modelsDir = mkdtempSync(path.join(os.tmpdir(), 'moodreel-models-'));
  mkdirSync(path.join(modelsDir, 'text-emotion'), { recursive: true });
  const record: Partial<TextRetrainRecord> = {
    format: 'moodreel-text-retrain/1',
    version: 'v20261205T030000Z-001',
    createdAt: '2026-12-05T03:00:00.000Z',
    before: { heldOut: 0.25, chatDev: 0.79, dairAiVal: 0.91 },
    after: { heldOut: 0.5, chatDev: 0.79, dairAiVal: 0.91 },
    heldOut: { n: 8, donatedTotal: 40, share: 0.2 },
    promoted: true,
    reason: 'better',
  };
  writeFileSync(new TextModelRegistry(modelsDir).lastRunPath, JSON.stringify(record));
});
afterAll(() => rmSync(modelsDir, { recursive: true, force: true }));

/** 6 text readings (3 corrected), 2 photo readings (1 corrected), 1 donated sentence. */
async function seed(stores: Stores): Promise<void> {
  const user = await stores.users.resolve('terminal', 'seed');
  const reading = (label: MoodLabel) => ({ label, distribution: toDistribution({ [label]: 0.7, neutral: 0.3 }), confidence: 0.7, source: 'text' as const });
  const add = (label: MoodLabel, input: MoodInputKind) => stores.moods.add(user.id, reading(label), input === 'photo' ? 1 : null, { input, modelVersion: `${input}:seed` });
  const correct = async (observationId: number, model: MoodLabel, chosen: MoodLabel, inputKind: MoodInputKind, sentence?: string) =>
    stores.corrections.apply(
      { userId: user.id, observationId, modelLabel: model, modelDistribution: reading(model).distribution, chosenLabel: chosen, inputKind, modelVersion: `${inputKind}:seed`, at: new Date() },
      { label: chosen, distribution: toDistribution({ [chosen]: 1 }), confidence: 1, source: 'user' },
      sentence ? { text: sentence } : null,
    );
  const text = await Promise.all((['sadness', 'sadness', 'fear', 'joy', 'joy', 'neutral'] as const).map((m) => add(m, 'text')));
  const photo = await Promise.all((['neutral', 'anger'] as const).map((m) => add(m, 'photo')));
  await correct(text[0]!, 'sadness', 'joy', 'text', 'so nervous about my wedding i could cry');
  await correct(text[1]!, 'sadness', 'joy', 'text');
  await correct(text[2]!, 'fear', 'surprise', 'text');
  await correct(photo[0]!, 'neutral', 'sadness', 'photo');
}

describe.each(providers)('eval:corrections on $name', ({ open }) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await open();
    await seed(createPrismaStores(t.database));
  });
  afterAll(async () => t?.dispose());

  it('given seeded corrections, counts them per model and chosen label and per input kind', async () => {
    const report = await evaluateCorrections(t.database);
    expect(report.corrections).toBe(4);
    expect(report.confusion.sadness.joy).toBe(2);
    expect(report.confusion.fear.surprise).toBe(1);
    expect(report.confusion.neutral.sadness).toBe(1);
    expect(Object.values(report.confusion.joy).every((n) => n === 0)).toBe(true);
    expect(report.byInput).toEqual({ text: { readings: 6, corrections: 3, rate: 0.5 }, photo: { readings: 2, corrections: 1, rate: 0.5 } });
    expect(report.donatedSentences).toBe(1);
    expect(report.retrain).toMatchObject({ available: false, before: null, after: null });
  });

  it('given a models folder with a text retrain, reports its held-out accuracy before and after', async () => {
    const report = await evaluateCorrections(t.database, modelsDir);
    expect(report.retrain).toEqual({ available: true, before: 0.25, after: 0.5, heldOut: 8, promoted: true, version: 'v20261205T030000Z-001', note: 'v20261205T030000Z-001 on 2026-12-05, promoted' });
  });

  it('given --database, prints the matrix, the rates, the retrain column as not available, and one JSON line last', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'moodreel-no-models-'));
    const { stdout } = await run(path.resolve('node_modules/.bin/tsx'), ['scripts/eval-corrections.ts', '--database', t.url, '--models', empty], { timeout: 120_000 });
    const lines = stdout.trim().split('\n');
    const json = JSON.parse(lines.at(-1)!) as Awaited<ReturnType<typeof evaluateCorrections>>;
    expect(json.confusion.sadness.joy).toBe(2);
    expect(json.byInput.text.rate).toBe(0.5);
    expect(stdout).toMatch(/^sadness +2 +\. +\. +\. +\. +\. +\. +2$/m);
    expect(stdout).toMatch(/^text +6 +3 +50\.0%$/m);
    expect(stdout).toMatch(/^photo +2 +1 +50\.0%$/m);
    expect(stdout).toMatch(/before \/ after the latest retrain: n\/a \/ n\/a \(not available/);
    expect(stdout).not.toMatch(/wedding/);
    const withRun = await run(path.resolve('node_modules/.bin/tsx'), ['scripts/eval-corrections.ts', '--database', t.url, '--models', modelsDir], { timeout: 120_000 });
    expect(withRun.stdout).toMatch(/before \/ after the latest retrain: 25\.0% \/ 50\.0% \(v20261205T030000Z-001 on 2026-12-05, promoted, 8 held-out sentences\)/);
  }, 150_000);
});
