import { describe, expect, it } from 'vitest';
import { Dataset } from '../../../src/core/recommender/dataset.js';
import { BiasedMfModel } from '../../../src/core/recommender/scorers/biased-mf.model.js';
import { EaseScorer } from '../../../src/core/recommender/scorers/ease.scorer.js';
import { choleskySolve, spdInverse } from '../../../src/core/recommender/scorers/linalg.js';
import { topN } from '../../../src/core/recommender/scorers/select.js';
import { BiasScorer } from '../../../src/core/recommender/scorers/bias.scorer.js';
import { FallbackScorer } from '../../../src/core/recommender/scorers/fallback.js';
import { GlobalMeanScorer } from '../../../src/core/recommender/scorers/global-mean.scorer.js';
import { ItemKnnScorer } from '../../../src/core/recommender/scorers/item-knn.scorer.js';
import { PopularityScorer } from '../../../src/core/recommender/scorers/popularity.scorer.js';
import type { ScorerParams } from '../../../src/core/recommender/scorer.js';
import { CONFORMANCE_ITEMS, conformanceRatings, describeScorerConformance, UNKNOWN_USER } from './scorer-conformance.js';

describeScorerConformance('globalMean', () => new GlobalMeanScorer(), { personalised: false });
describeScorerConformance('bias', () => new BiasScorer());
describeScorerConformance('popularity', () => new PopularityScorer(), { personalised: false });
describeScorerConformance('popularity with time decay', () => new PopularityScorer({ halfLifeDays: 30 }), { personalised: false });
describeScorerConformance('itemKnn', () => new ItemKnnScorer(), { learnsTaste: true });
describeScorerConformance('itemKnn walking the history', () => new ItemKnnScorer({ scan: 'history' }), { learnsTaste: true });
describeScorerConformance('ease', () => new EaseScorer({ minRatings: 1, lambda: 10 }));
describeScorerConformance('fallback(itemKnn, bias)', () => new FallbackScorer([new ItemKnnScorer(), new BiasScorer()]), { learnsTaste: true });

const rows = (list: [number, number, number, number][]) => list.map(([user, item, rating, timestamp]) => ({ user, item, rating, timestamp }));
const seed = { seed: 1 };

describe('GlobalMeanScorer', () => {
  it('given ratings 1, 2 and 4.5, scores every known item 2.5', async () => {
    const s = new GlobalMeanScorer();
    await s.train(Dataset.from(rows([[1, 10, 1, 0], [2, 10, 2, 0], [2, 11, 4.5, 0]])), seed);
    expect(Array.from(s.score({ userId: 5, history: [] }, [10, 11]))).toEqual([2.5, 2.5]);
  });
});

describe('BiasScorer', () => {
  const data = Dataset.from(rows([[1, 10, 5, 0], [1, 11, 3, 0], [2, 10, 4, 0], [2, 11, 2, 0]]));

  it('without damping and one round, matches hand-computed item then user biases', async () => {
    const s = new BiasScorer({ itemDamping: 0, userDamping: 0, rounds: 1 });
    await s.train(data, seed);
    // mean 3.5; b_10 = 1, b_11 = -1; b_u1 = ((5-4.5)+(3-2.5))/2 = 0.5, b_u2 = -0.5
    expect(s.score({ userId: 1, history: [] }, [10, 11])).toEqual(Float32Array.from([5, 3]));
    expect(s.score({ userId: 2, history: [] }, [10, 11])).toEqual(Float32Array.from([4, 2]));
  });

  it('with damping, pulls a sparse item towards the mean', async () => {
    const s = new BiasScorer({ itemDamping: 2, userDamping: 0, rounds: 1 });
    await s.train(data, seed);
    // b_10 = (1.5 + 0.5) / (2 + 2) = 0.5
    expect(s.score({ userId: UNKNOWN_USER, history: [] }, [10])[0]).toBeCloseTo(4.0, 5);
  });

  it('given a new user history, folds in the user bias with damping', async () => {
    const s = new BiasScorer({ itemDamping: 0, userDamping: 1, rounds: 1 });
    await s.train(data, seed);
    // residual on item 10: 5 - 4.5 = 0.5, damped by (1 + 1) -> 0.25
    expect(s.score({ userId: UNKNOWN_USER, history: [{ item: 10, rating: 5 }] }, [11])[0]).toBeCloseTo(2.75, 5);
  });
});

describe('PopularityScorer', () => {
  it('ranks items by rating count on a 0.5..5 scale, the most rated at 5', async () => {
    const s = new PopularityScorer();
    await s.train(Dataset.from(rows([[1, 10, 1, 0], [2, 10, 1, 0], [3, 10, 1, 0], [1, 11, 5, 0]])), seed);
    const [a, b] = s.score({ userId: 1, history: [] }, [10, 11]);
    expect(a).toBeCloseTo(5, 5);
    expect(b).toBeCloseTo(0.5 + (4.5 * Math.log(2)) / Math.log(4), 5);
  });

  it('with a half-life, ranks recent ratings above older, more numerous ones', async () => {
    const day = 86_400;
    const data = Dataset.from(rows([[1, 10, 4, 0], [2, 10, 4, 0], [3, 10, 4, 0], [1, 11, 4, 100 * day], [2, 11, 4, 100 * day]]));
    const plain = new PopularityScorer();
    const decayed = new PopularityScorer({ halfLifeDays: 10 });
    await plain.train(data, seed);
    await decayed.train(data, seed);
    const [p10, p11] = plain.score({ userId: 1, history: [] }, [10, 11]);
    const [d10, d11] = decayed.score({ userId: 1, history: [] }, [10, 11]);
    expect(p10).toBeGreaterThan(p11!);
    expect(d11).toBeGreaterThan(d10!);
  });
});

describe('ItemKnnScorer', () => {
  // Items 10 and 11 move together across users; 12 moves against them.
  const data = Dataset.from(
    rows([
      [1, 10, 5, 0], [1, 11, 5, 0], [1, 12, 1, 0],
      [2, 10, 1, 0], [2, 11, 1, 0], [2, 12, 5, 0],
      [3, 10, 4, 0], [3, 11, 4, 0], [3, 12, 2, 0],
    ]),
  );

  it('predicts the item mean plus the similarity-weighted deviation on positive neighbours', async () => {
    const s = new ItemKnnScorer();
    await s.train(data, seed);
    // 11's only positive neighbour is 10 (12 is anti-correlated and dropped):
    // mean_11 + (r_10 - mean_10) = 10/3 + (5 - 10/3) = 5
    expect(s.score({ userId: UNKNOWN_USER, history: [{ item: 10, rating: 5 }] }, [11])[0]).toBeCloseTo(5, 5);
    expect(Number.isNaN(s.score({ userId: UNKNOWN_USER, history: [{ item: 10, rating: 5 }] }, [12])[0])).toBe(true);
  });

  it('given no history for a known user, uses the ratings it was trained on', async () => {
    const s = new ItemKnnScorer();
    await s.train(data, seed);
    const trained = s.score({ userId: 2, history: [] }, [11]);
    const explicit = s.score({ userId: 2, history: [{ item: 10, rating: 1 }, { item: 12, rating: 5 }] }, [11]);
    expect(trained).toEqual(explicit);
  });

  it('scores the same whether it walks the targets or the history', async () => {
    const byItems = new ItemKnnScorer({ scan: 'items', neighbours: 3 });
    const byHistory = new ItemKnnScorer({ scan: 'history', neighbours: 3 });
    await byItems.train(Dataset.from(conformanceRatings()), seed);
    await byHistory.train(Dataset.from(conformanceRatings()), seed);
    const items = [...CONFORMANCE_ITEMS, 99_999, 101];
    for (const query of [
      { userId: UNKNOWN_USER, history: [{ item: 101, rating: 5 }, { item: 120, rating: 1 }, { item: 107, rating: 3.5 }] },
      { userId: 7, history: [] },
      { userId: 33, history: [] },
    ]) {
      const a = byItems.score(query, items);
      expect(Array.from(a).some(Number.isFinite)).toBe(true);
      expect(byHistory.score(query, items)).toEqual(a);
    }
  });

  it('with saveNeighbours 1, still finds neighbours through the symmetric graph', async () => {
    const s = new ItemKnnScorer({ saveNeighbours: 1 });
    await s.train(Dataset.from(conformanceRatings()), seed);
    expect(s.edgeCount).toBeGreaterThan(0);
    const scores = s.score({ userId: UNKNOWN_USER, history: [{ item: 101, rating: 5 }] }, [102, 103, 104]);
    expect(Array.from(scores).some(Number.isFinite)).toBe(true);
  });
});

describe('FallbackScorer', () => {
  it('fills only the items the primary cannot score, in chain order', async () => {
    const fixed = (name: string, values: Record<number, number>) => ({
      name,
      train: async () => {},
      score: (_q: unknown, items: readonly number[]) => Float32Array.from(items, (i) => values[i] ?? NaN),
      save: (): ScorerParams => ({ kind: name, version: 1, data: null }),
      load: () => {},
    });
    const s = new FallbackScorer([fixed('a', { 1: 4 }), fixed('b', { 1: 1, 2: 3 }), fixed('c', { 3: 2 })]);
    expect(Array.from(s.score({ userId: 1, history: [] }, [1, 2, 3, 4]))).toEqual([4, 3, 2, NaN]);
  });
});

describe('EaseScorer', () => {
  it('given items always watched together, scores the partner of a watched item highest', async () => {
    const data = Dataset.from(
      rows([
        [1, 10, 4, 0], [1, 11, 4, 0],
        [2, 10, 4, 0], [2, 11, 4, 0],
        [3, 12, 4, 0], [3, 13, 4, 0],
        [4, 12, 4, 0], [4, 13, 4, 0], [4, 10, 4, 0],
      ]),
    );
    const s = new EaseScorer({ minRatings: 1, lambda: 0.5 });
    await s.train(data, seed);
    const [s11, s12, s13] = s.score({ userId: UNKNOWN_USER, history: [{ item: 10, rating: 5 }] }, [11, 12, 13]);
    expect(s11).toBeGreaterThan(s12!);
    expect(s11).toBeGreaterThan(s13!);
  });

  it('leaves out items under minRatings, which then get no score', async () => {
    const s = new EaseScorer({ minRatings: 2, lambda: 1 });
    await s.train(Dataset.from(rows([[1, 10, 4, 0], [2, 10, 4, 0], [1, 11, 4, 0]])), seed);
    expect(s.size).toBe(1);
    expect(Number.isNaN(s.score({ userId: 1, history: [] }, [11])[0])).toBe(true);
  });
});

describe('BiasedMfModel fold-in', () => {
  const model = new BiasedMfModel(
    {
      factors: 2,
      mean: 3,
      minRating: 0.5,
      maxRating: 5,
      userIds: [1],
      itemIds: [10, 11, 12, 13],
      userFactors: Float32Array.from([0, 0]),
      userBias: Float32Array.from([0]),
      itemFactors: Float32Array.from([1, 0, 0, 1, 1, 1, 9, 9]),
      itemBias: Float32Array.from([0, 0, 0, 0]),
      itemCount: Float32Array.from([5, 5, 5, 0]),
    },
    { base: 1e-9, perRating: 0, biasBase: 1e-9, biasPerRating: 0 },
  );

  it('given ratings made by p = (0.5, -0.5) and bias 0.2, recovers them with a tiny ridge', () => {
    // r = 3 + 0.2 + p.q: item 10 -> 3.7, item 11 -> 2.7, item 12 -> 3.2
    const state = model.userState({ userId: UNKNOWN_USER, history: [{ item: 10, rating: 3.7 }, { item: 11, rating: 2.7 }, { item: 12, rating: 3.2 }] })!;
    expect(state.vector[0]).toBeCloseTo(0.5, 5);
    expect(state.vector[1]).toBeCloseTo(-0.5, 5);
    expect(state.bias).toBeCloseTo(0.2, 5);
  });

  it('ignores untrained items in the history and never scores them', () => {
    const query = { userId: UNKNOWN_USER, history: [{ item: 13, rating: 5 }] };
    expect(model.userState(query)).toEqual({ vector: new Float32Array(2), bias: 0 });
    expect(Number.isNaN(model.score(query, [13])[0])).toBe(true);
  });

  it('given no history, uses the trained vector of a known user and nothing for a stranger', () => {
    expect(model.score({ userId: 1, history: [] }, [10])[0]).toBeCloseTo(3, 6);
    expect(model.userState({ userId: UNKNOWN_USER, history: [] })).toBeNull();
  });
});

describe('linalg', () => {
  it('solves a 2x2 SPD system and inverts it', () => {
    const a = Float64Array.from([4, 2, 2, 3]);
    expect(Array.from(choleskySolve(a, Float64Array.from([2, 1]), 2)).map((x) => +x.toFixed(12))).toEqual([0.5, 0]);
    const inv = spdInverse(Float64Array.from(a), 2);
    // inverse of [[4,2],[2,3]] = 1/8 [[3,-2],[-2,4]]
    expect(Array.from(inv).map((x) => +x.toFixed(12))).toEqual([0.375, -0.25, -0.25, 0.5]);
  });

  it('refuses a matrix that is not positive definite', () => {
    expect(() => spdInverse(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(/positive definite/);
  });

  it('topN returns the best finite scores, ties to the lower index, skipping what it is told to', () => {
    expect(Array.from(topN([1, NaN, 3, 3, 2], 3))).toEqual([2, 3, 4]);
    expect(Array.from(topN([5, 4, 3], 2, (k) => k === 0))).toEqual([1, 2]);
  });
});
