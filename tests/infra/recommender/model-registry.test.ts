import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dataset, type Interaction } from '../../../src/core/recommender/dataset.js';
import { isUserError } from '../../../src/core/errors.js';
import { recentHoldout } from '../../../src/core/recommender/evaluation/splitters.js';
import type { Scorer } from '../../../src/core/recommender/scorer.js';
import { BiasScorer } from '../../../src/core/recommender/scorers/bias.scorer.js';
import { GlobalMeanScorer } from '../../../src/core/recommender/scorers/global-mean.scorer.js';
import { ItemKnnScorer } from '../../../src/core/recommender/scorers/item-knn.scorer.js';
import { ModelRegistry } from '../../../src/infra/recommender/model-registry.js';
import { conformanceRatings } from '../../core/recommender/scorer-conformance.js';
import { recordingLogger } from './fakes.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'moodreel-registry-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Timestamps scattered over users and items, so the recent hold-out holds known users and items.
const rows: Interaction[] = conformanceRatings().map((r, k, all) => ({ ...r, timestamp: (k * 7919) % all.length }));
const holdout = recentHoldout(rows, 0.2);

async function trained(scorer: Scorer): Promise<Scorer> {
  await scorer.train(Dataset.from(holdout.train), { seed: 1 });
  return scorer;
}

async function saved(registry: ModelRegistry, scorer: Scorer): Promise<string> {
  return (await registry.save((await trained(scorer)).save(), { metrics: {} })).version;
}

describe('ModelRegistry', () => {
  it('saves params and a manifest under cf/<version>/ and serves nothing before a promotion', async () => {
    const registry = new ModelRegistry(dir);
    const version = await saved(registry, new BiasScorer());
    expect(existsSync(path.join(dir, 'cf', version, 'params.json'))).toBe(true);
    expect((await registry.manifest(version)).kind).toBe('bias');
    expect(await registry.currentVersion()).toBeNull();
    expect(await registry.loadCurrent()).toBeNull();
  });

  it('promote swaps current.json atomically and the loaded model scores like the saved one', async () => {
    const registry = new ModelRegistry(dir);
    const scorer = await trained(new BiasScorer());
    const { version } = await registry.save(scorer.save(), { metrics: { trainSeconds: 1 } });
    await registry.promote(version);
    const pointer = JSON.parse(await readFile(path.join(dir, 'cf', 'current.json'), 'utf8'));
    expect(pointer.version).toBe(version);
    expect(existsSync(path.join(dir, 'cf', 'current.json.tmp'))).toBe(false);
    const current = await registry.loadCurrent();
    const query = { userId: 3, history: [] };
    expect(current!.scorer.score(query, [101, 120])).toEqual(scorer.score(query, [101, 120]));
  });

  it('rollback returns to the previous version, and refuses when there is none', async () => {
    const registry = new ModelRegistry(dir);
    const v1 = await saved(registry, new BiasScorer());
    const v2 = await saved(registry, new GlobalMeanScorer());
    await registry.promote(v1);
    await registry.promote(v2);
    expect(await registry.currentVersion()).toBe(v2);
    expect(await registry.rollback()).toBe(v1);
    expect(await registry.currentVersion()).toBe(v1);
    await expect(registry.rollback()).rejects.toSatisfy((e: unknown) => isUserError(e) && e.code === 'not_found');
  });

  it('a first candidate is promoted; a worse one is not and the current keeps serving', async () => {
    const logger = recordingLogger();
    const registry = new ModelRegistry(dir, { logger });
    const good = await trained(new ItemKnnScorer());
    const v1 = (await registry.save(good.save(), { metrics: {} })).version;
    const first = await registry.evaluateAndMaybePromote({ version: v1, scorer: good }, { history: holdout.train, test: holdout.test });
    expect(first).toMatchObject({ promoted: true, reason: 'first_model', currentRmse: null });

    const worse = await trained(new GlobalMeanScorer());
    const v2 = (await registry.save(worse.save(), { metrics: {} })).version;
    const second = await registry.evaluateAndMaybePromote({ version: v2, scorer: worse }, { history: holdout.train, test: holdout.test });
    expect(second.promoted).toBe(false);
    expect(second.reason).toBe('worse');
    expect(second.candidateRmse).toBeGreaterThan(second.currentRmse!);
    expect(await registry.currentVersion()).toBe(v1);
    expect((await registry.manifest(v2)).metrics['holdoutRmse']).toBeCloseTo(second.candidateRmse, 6);
    expect(logger.entries.some((e) => e.level === 'warn' && e.message.includes('not promoted'))).toBe(true);
  });

  it('a candidate not worse than the current one is promoted', async () => {
    const registry = new ModelRegistry(dir);
    const v1 = await saved(registry, new GlobalMeanScorer());
    await registry.promote(v1);
    const better = await trained(new ItemKnnScorer());
    const v2 = (await registry.save(better.save(), { metrics: {} })).version;
    const decision = await registry.evaluateAndMaybePromote({ version: v2, scorer: better }, { history: holdout.train, test: holdout.test });
    expect(decision).toMatchObject({ promoted: true, reason: 'not_worse', currentVersion: v1 });
    expect(await registry.currentVersion()).toBe(v2);
  });

  it('prune keeps the current and previous versions and the newest extra one', async () => {
    const registry = new ModelRegistry(dir, { keepExtra: 1 });
    const versions: string[] = [];
    for (let k = 0; k < 5; k++) versions.push(await saved(registry, new GlobalMeanScorer()));
    await registry.promote(versions[1]!);
    await registry.promote(versions[2]!);
    const removed = await registry.prune();
    expect(removed.sort()).toEqual([versions[0]!, versions[3]!].sort());
    expect(await registry.versions()).toEqual([versions[1]!, versions[2]!, versions[4]!].sort());
  });

  it('loading a version that is not on disk is a model_missing UserError', async () => {
    const registry = new ModelRegistry(dir);
    await expect(registry.load('v-nope')).rejects.toSatisfy((e: unknown) => isUserError(e) && e.code === 'model_missing');
  });
});
