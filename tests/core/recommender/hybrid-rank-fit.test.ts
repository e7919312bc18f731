import { describe, expect, it } from 'vitest';
import { UNFITTED_BLEND, historyGate, type BlendParams } from '../../../src/core/recommender/hybrid/blend-fit.js';
import { collectRankingPairs, fitRanking, type RankFeatures, type RankingPair } from '../../../src/core/recommender/hybrid/rank-fit.js';
import { HybridScorer } from '../../../src/core/recommender/hybrid/hybrid.scorer.js';
import { ContentScorer } from '../../../src/core/recommender/content/content.scorer.js';
import { MoodScorer } from '../../../src/core/recommender/mood/mood.scorer.js';
import { BiasScorer } from '../../../src/core/recommender/scorers/bias.scorer.js';
import { gaussian, mulberry32 } from '../../../src/core/recommender/scorers/random.js';
import type { ScoreQuery } from '../../../src/core/recommender/scorer.js';
import { CATALOGUE } from './hybrid-fixtures.js';

const params: BlendParams = { ...UNFITTED_BLEND, globalMean: 3, popularity: { centre: 0, scale: 1 } };

/** Pairs ordered by a known logistic model: s = b + 0.5 x_cf + (0.2 + 0.8 g) x_content + 0.3 x_pop. */
function syntheticPairs(count: number, baselineSign = 1, seed = 9): RankingPair[] {
  const rand = mulberry32(seed);
  const normal = gaussian(rand);
  const sizes = [0, 1, 3, 10, 30, 100];
  const pairs: RankingPair[] = [];
  for (let k = 0; k < count; k++) {
    const historySize = sizes[k % sizes.length]!;
    const g = historyGate(historySize, 100);
    const draw = (): RankFeatures & { s: number } => {
      const baseline = 3 + normal() * 0.5;
      const xCf = normal() * 0.5;
      const content = normal() * 0.5;
      const popularity = normal();
      const s = baselineSign * baseline + 0.5 * xCf + (0.2 + 0.8 * g) * content + 0.3 * popularity;
      return { baseline, cf: baseline + xCf, content, popularity, s };
    };
    const a = draw();
    const b = draw();
    const aWins = rand() < 1 / (1 + Math.exp(-4 * (a.s - b.s)));
    pairs.push({ userId: k % 80, historySize, better: aWins ? a : b, worse: aWins ? b : a });
  }
  return pairs;
}

describe('fitRanking', () => {
  it('given pairs ordered by known weights, recovers them relative to the baseline', () => {
    const r = fitRanking(syntheticPairs(6000), params, { ridge: 0.1 })!;
    const near = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThan(0.12);
    near(r.weights.cf[0] + r.weights.cf[1] * 0.5, 0.5);
    near(r.weights.content[0], 0.2);
    near(r.weights.content[0] + r.weights.content[1], 1);
    near(r.weights.popularity[0], 0.3);
    expect(r.fit!.baselineCoefficient).toBeGreaterThan(2);
  });

  it('orders more pairs right than the baseline alone, in and out of sample', () => {
    const { auc } = fitRanking(syntheticPairs(3000), params)!.fit!;
    expect(auc.rankingBlend).toBeGreaterThan(auc.baseline + 0.05);
    expect(auc.rankingBlendCrossFitted).toBeGreaterThan(auc.baseline + 0.05);
  });

  it('given a baseline that ranks backwards, or too few pairs, declines to fit (null)', () => {
    expect(fitRanking(syntheticPairs(3000, -1), params)).toBeNull();
    expect(fitRanking(syntheticPairs(20), params)).toBeNull();
  });
});

describe('collectRankingPairs', () => {
  // Scorers that return the item id as every score, so pairs can be read back.
  const echo = { score: (_q: ScoreQuery, items: readonly number[]) => Float32Array.from(items) };
  const scorers = { cf: echo, baseline: echo, content: { deviations: echo.score }, popularity: echo };
  const query = {
    userId: 1,
    history: [{ item: 1, rating: 4 }],
    targets: [
      { item: 2, rating: 5 },
      { item: 3, rating: 4 },
      { item: 4, rating: 2 },
      { item: 5, rating: 3 },
    ],
    rated: [1, 2, 3, 4, 5],
  };
  const catalogue = Array.from({ length: 100 }, (_, k) => k + 1);

  it('pairs each liked target with the disliked targets and with never-rated movies', () => {
    const pairs = collectRankingPairs(scorers, [query], catalogue, { seed: 1, negativesPerPositive: 3 });
    expect(pairs).toHaveLength(2 * (1 + 3));
    expect(new Set(pairs.map((p) => p.better.baseline))).toEqual(new Set([2, 3]));
    const worse = pairs.map((p) => p.worse.baseline);
    expect(worse.filter((w) => w === 4)).toHaveLength(2);
    expect(worse.some((w) => [1, 2, 3, 5].includes(w))).toBe(false);
    expect(pairs.every((p) => p.historySize === 1 && p.userId === 1)).toBe(true);
  });

  it('draws negatives in proportion to popularity when asked, and the same ones for the same seed', () => {
    const counts = new Map(catalogue.map((id) => [id, id <= 10 ? 1000 : 0]));
    const many = Array.from({ length: 50 }, (_, u) => ({ ...query, userId: u }));
    const popular = collectRankingPairs(scorers, many, catalogue, { seed: 1, counts, popularityExponent: 1 });
    const uniform = collectRankingPairs(scorers, many, catalogue, { seed: 1, counts, popularityExponent: 0 });
    const share = (ps: RankingPair[]) => ps.filter((p) => p.worse.baseline !== 4 && p.worse.baseline <= 10).length / ps.filter((p) => p.worse.baseline !== 4).length;
    expect(share(popular)).toBeGreaterThan(0.9);
    expect(share(uniform)).toBeLessThan(0.2);
    expect(collectRankingPairs(scorers, many, catalogue, { seed: 1, counts })).toEqual(popular);
  });
});

describe('HybridScorer with ranking weights', () => {
  it('ranks by baseline plus the ranking terms and predicts ratings with the least-squares terms', () => {
    const content = new ContentScorer(CATALOGUE);
    const blend: BlendParams = {
      ...UNFITTED_BLEND,
      weights: { cf: [0, 0], content: [0, 0], popularity: [0, 0] },
      ranking: { weights: { cf: [0, 0], content: [2, 0], popularity: [0, 0] }, fit: null },
    };
    const bias = new BiasScorer();
    const h = new HybridScorer({ cf: bias, baseline: bias, content, mood: new MoodScorer(CATALOGUE, new Map()) }, blend);
    const ids = CATALOGUE.map((m) => m.id);
    const b = h.breakdown({ userId: 1, history: [{ item: 1, rating: 5 }] }, ids);
    const dev = content.deviations({ userId: 1, history: [{ item: 1, rating: 5 }] }, ids);
    ids.forEach((_, k) => {
      expect(b.predicted[k]).toBeCloseTo(b.baseline[k]!, 5);
      expect(b.total[k]).toBeCloseTo(b.baseline[k]! + 2 * dev[k]!, 4);
    });
    expect(Array.from(h.rank({ userId: 1, history: [{ item: 1, rating: 5 }] }, ids))).toEqual(Array.from(b.total));
  });
});
