import { describe, expect, it } from 'vitest';
import { Dataset } from '../../../src/core/recommender/dataset.js';
import { CfScorer } from '../../../src/infra/recommender/cf.scorer.js';
import { MfScorer, type MfOptions } from '../../../src/infra/recommender/mf.scorer.js';
import { conformanceRatings, describeScorerConformance, UNKNOWN_USER } from '../../core/recommender/scorer-conformance.js';

/** Small and quick for 30 items x 40 users; the real defaults are for MovieLens. */
const SMALL_MF: Partial<MfOptions> = { factors: 4, maxEpochs: 40, batchSize: 64, learningRate: 0.02, validationFraction: 0.1, patience: 4, l2: 0.02 };

describeScorerConformance('mf', () => new MfScorer(SMALL_MF), { learnsTaste: true });
describeScorerConformance('cf blend', () => new CfScorer({ mf: SMALL_MF, ease: { minRatings: 1, lambda: 10 }, validationFraction: 0.1 }), { learnsTaste: true });

describe('MfScorer', () => {
  it('learns the synthetic taste groups: validation RMSE well under the rating spread', async () => {
    const s = new MfScorer(SMALL_MF);
    await s.train(Dataset.from(conformanceRatings()), { seed: 3 });
    expect(s.report!.validationRmse).toBeLessThan(0.9);
    expect(s.report!.bestEpoch).toBeGreaterThan(1);
  });

  it('given one more liked rating, moves the folded-in user towards that item', async () => {
    const s = new MfScorer(SMALL_MF);
    await s.train(Dataset.from(conformanceRatings()), { seed: 3 });
    const base = [{ item: 101, rating: 4 }, { item: 125, rating: 2 }];
    const before = s.score({ userId: UNKNOWN_USER, history: base }, [102])[0]!;
    const after = s.score({ userId: UNKNOWN_USER, history: [...base, { item: 103, rating: 5 }, { item: 104, rating: 5 }] }, [102])[0]!;
    expect(after).toBeGreaterThan(before);
  });
});

describe('CfScorer', () => {
  it('ranks unseen group-A items first for a new group-A fan, when fans of A watch A', async () => {
    // Who watches what follows taste here (in conformanceRatings it is random, so nothing to rank by).
    const rows = conformanceRatings().filter((r) => (r.user <= 20) === (r.item <= 115) || (r.user + r.item) % 5 === 0);
    const s = new CfScorer({ mf: SMALL_MF, ease: { minRatings: 1, lambda: 10 }, validationFraction: 0.1 });
    await s.train(Dataset.from(rows), { seed: 5 });
    const history = [101, 102, 103, 104].map((item) => ({ item, rating: 5 }));
    const candidates = [105, 106, 107, 121, 122, 123];
    const rank = s.rank({ userId: UNKNOWN_USER, history }, candidates);
    const bestA = Math.min(...Array.from(rank.subarray(0, 3)));
    const bestB = Math.max(...Array.from(rank.subarray(3)));
    expect(bestA).toBeGreaterThan(bestB);
    expect(s.report!.weights.every(Number.isFinite)).toBe(true);
  });
});
