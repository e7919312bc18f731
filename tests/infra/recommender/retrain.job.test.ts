import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dataset, type Interaction } from '../../../src/core/recommender/dataset.js';
import { ItemKnnScorer } from '../../../src/core/recommender/scorers/item-knn.scorer.js';
import { ModelRegistry } from '../../../src/infra/recommender/model-registry.js';
import { retrain } from '../../../src/infra/recommender/retrain.job.js';
import { TrainingTimeoutError, type TrainFn } from '../../../src/infra/recommender/train-in-worker.js';
import { conformanceRatings } from '../../core/recommender/scorer-conformance.js';
import { recordingLogger } from './fakes.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'moodreel-retrain-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const rows: Interaction[] = conformanceRatings().map((r, k, all) => ({ ...r, timestamp: (k * 7919) % all.length }));
const loadRatings = async () => rows;

/** A registry already serving an item-kNN model. */
async function servingRegistry(logger = recordingLogger()): Promise<{ registry: ModelRegistry; version: string }> {
  const registry = new ModelRegistry(dir, { logger });
  const knn = new ItemKnnScorer();
  await knn.train(Dataset.from(rows), { seed: 1 });
  const { version } = await registry.save(knn.save(), { metrics: {} });
  await registry.promote(version);
  return { registry, version };
}

describe('retrain job', () => {
  it('given a training run that throws, logs the error and keeps the serving model', async () => {
    const logger = recordingLogger();
    const { registry, version } = await servingRegistry(logger);
    const train: TrainFn = async () => {
      throw new Error('out of memory');
    };
    const result = await retrain({ loadRatings, registry, logger, timeoutMs: 1000, minRatings: 10, train });
    expect(result).toEqual({ status: 'failed', error: 'out of memory' });
    expect(await registry.currentVersion()).toBe(version);
    expect(logger.entries.some((e) => e.level === 'error' && e.fields['serving'] === version)).toBe(true);
  });

  it('given a training run past its time limit, stops the worker and keeps the serving model', async () => {
    const logger = recordingLogger();
    const { registry, version } = await servingRegistry(logger);
    const started = performance.now();
    const result = await retrain({ loadRatings, registry, logger, timeoutMs: 50, minRatings: 10, spec: { name: 'cf' } });
    expect(result.status).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await registry.currentVersion()).toBe(version);
    expect(await registry.versions()).toEqual([version]);
  });

  it('given a loader that fails, reports failed without touching the registry', async () => {
    const { registry, version } = await servingRegistry();
    const result = await retrain({
      loadRatings: async () => {
        throw new Error('db down');
      },
      registry,
      logger: recordingLogger(),
      timeoutMs: 1000,
    });
    expect(result.status).toBe('failed');
    expect(await registry.currentVersion()).toBe(version);
  });

  it('given too few ratings, skips', async () => {
    const registry = new ModelRegistry(dir);
    const result = await retrain({ loadRatings, registry, logger: recordingLogger(), timeoutMs: 1000, minRatings: 1_000_000 });
    expect(result.status).toBe('skipped');
  });

  it('trains in a worker, promotes a model that is not worse and tells the app', async () => {
    const registry = new ModelRegistry(dir);
    const promoted: string[] = [];
    const result = await retrain({
      loadRatings,
      registry,
      logger: recordingLogger(),
      timeoutMs: 60_000,
      minRatings: 10,
      spec: { name: 'itemKnn' },
      onPromoted: (_scorer, version) => {
        promoted.push(version);
      },
    });
    expect(result.status).toBe('promoted');
    const version = await registry.currentVersion();
    expect(promoted).toEqual([version]);
    const manifest = await registry.manifest(version!);
    expect(manifest.trainedOn!.ratings).toBe(rows.length - Math.round(rows.length * 0.1));
    expect(manifest.metrics['holdoutRmse']).toBeGreaterThan(0);
  });

  it('given a worse candidate than the serving model, rejects it and keeps serving', async () => {
    const { registry, version } = await servingRegistry();
    const result = await retrain({ loadRatings, registry, logger: recordingLogger(), timeoutMs: 60_000, minRatings: 10, spec: { name: 'globalMean' } });
    expect(result.status).toBe('rejected');
    expect(await registry.currentVersion()).toBe(version);
  });

  it('treats a TrainingTimeoutError from any trainer as a timeout', async () => {
    const { registry } = await servingRegistry();
    const train: TrainFn = async () => {
      throw new TrainingTimeoutError(5);
    };
    const result = await retrain({ loadRatings, registry, logger: recordingLogger(), timeoutMs: 5, minRatings: 10, train });
    expect(result.status).toBe('timeout');
  });
});
