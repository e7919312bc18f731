import { describe, expect, it } from 'vitest';
import { Dataset } from '../../../src/core/recommender/dataset.js';
import { MfScorer } from '../../../src/infra/recommender/mf.scorer.js';
import { scorerFromParams } from '../../../src/infra/recommender/scorer-factory.js';
import { trainInWorker, TrainingTimeoutError } from '../../../src/infra/recommender/train-in-worker.js';
import { conformanceRatings, CONFORMANCE_ITEMS } from '../../core/recommender/scorer-conformance.js';

const rows = conformanceRatings();
const mfOptions = { factors: 4, maxEpochs: 5, batchSize: 64, learningRate: 0.02 };

describe('trainInWorker', () => {
  it('trains MF in a worker thread to the same params as in-thread training with the same seed', async () => {
    const progress: number[] = [];
    const out = await trainInWorker({ name: 'mf', options: mfOptions }, rows, { seed: 9, timeoutMs: 60_000, onProgress: (f) => progress.push(f) });
    const inThread = new MfScorer(mfOptions);
    await inThread.train(Dataset.from(rows), { seed: 9 });
    const fromWorker = scorerFromParams(out.params);
    const query = { userId: 4, history: [] };
    expect(fromWorker.score(query, CONFORMANCE_ITEMS)).toEqual(inThread.score(query, CONFORMANCE_ITEMS));
    expect(progress.length).toBeGreaterThan(0);
    expect(out.seconds).toBeGreaterThan(0);
  });

  it('given a time limit too short, rejects with TrainingTimeoutError', async () => {
    await expect(trainInWorker({ name: 'cf' }, rows, { seed: 1, timeoutMs: 20 })).rejects.toBeInstanceOf(TrainingTimeoutError);
  });

  it('given a scorer that fails to train, rejects with its message', async () => {
    // An EASE over no items with a negative ridge cannot be inverted.
    await expect(
      trainInWorker({ name: 'ease', options: { minRatings: 1, lambda: -1000 } }, rows, { seed: 1, timeoutMs: 60_000 }),
    ).rejects.toThrow(/positive definite/);
  });
});
