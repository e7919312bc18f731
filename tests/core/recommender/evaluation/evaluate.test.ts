import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../../../src/core/recommender/dataset.js';
import { evaluateRanking, evaluateRatings, predictTest, type ScoreFn } from '../../../../src/core/recommender/evaluation/evaluate.js';
import type { ScoreQuery } from '../../../../src/core/recommender/scorer.js';

const row = (user: number, item: number, rating: number, timestamp = 0): Interaction => ({ user, item, rating, timestamp });

describe('evaluateRatings', () => {
  it('fills unscored test ratings with the train mean and counts them', () => {
    const train = [row(1, 10, 2), row(1, 11, 4)];
    const test = [row(1, 12, 5), row(2, 10, 1)];
    // Scores item 10 as 2, has no score for item 12 (-> train mean 3).
    const score: ScoreFn = (_q, items) => Float32Array.from(items, (i) => (i === 10 ? 2 : NaN));
    const m = evaluateRatings(score, train, test);
    expect(m.unscored).toBe(1);
    expect(m.rmse).toBeCloseTo(Math.sqrt((2 * 2 + 1 * 1) / 2), 6);
    expect(m.mae).toBeCloseTo(1.5, 6);
  });

  it("passes each user's train ratings as the query history, or none when asked", () => {
    const seen: ScoreQuery[] = [];
    const score: ScoreFn = (q, items) => {
      seen.push(q);
      return new Float32Array(items.length);
    };
    predictTest(score, [row(1, 10, 4), row(2, 11, 3)], [row(1, 12, 5)]);
    expect(seen[0]).toEqual({ userId: 1, history: [{ item: 10, rating: 4 }] });
    predictTest(score, [row(1, 10, 4)], [row(1, 12, 5)], { withHistory: false });
    expect(seen[1]).toEqual({ userId: 1, history: [] });
  });
});

describe('evaluateRanking', () => {
  // Catalogue from train: items 10..14. User 1 rated 10 in train; test: 11 liked, 12 disliked.
  const train = [row(1, 10, 4), row(2, 11, 4), row(2, 12, 4), row(2, 13, 4), row(3, 14, 2)];
  const test = [row(1, 11, 5), row(1, 12, 2), row(2, 14, 3)];

  it('ranks only unrated train items, scores relevance >= 4, and skips users with nothing relevant', () => {
    // Prefers item 10 (already rated: must be skipped), then 12, then 11.
    const prefs: Record<number, number> = { 10: 9, 12: 8, 11: 7, 13: 1, 14: 0 };
    const score: ScoreFn = (_q, items) => Float32Array.from(items, (i) => prefs[i] ?? NaN);
    const m = evaluateRanking(score, train, test, { k: 2, relevantThreshold: 4 });
    expect(m.users).toBe(1);
    // List [12, 11]: the hit is at rank 2.
    expect(m.ndcg).toBeCloseTo(1 / Math.log2(3), 6);
    expect(m.recall).toBe(1);
    expect(m.map).toBe(0.5);
    expect(m.coverage).toBeCloseTo(2 / 5, 6);
    // item 12 and 11 each rated by 1 of 3 train users.
    expect(m.novelty).toBeCloseTo(Math.log2(3), 6);
  });

  it('never ranks items without a score', () => {
    const score: ScoreFn = (_q, items) => Float32Array.from(items, (i) => (i === 11 ? NaN : i));
    const m = evaluateRanking(score, train, test, { k: 1, relevantThreshold: 4 });
    expect(m.ndcg).toBe(0);
  });
});
