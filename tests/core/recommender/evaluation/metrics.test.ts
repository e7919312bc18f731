import { describe, expect, it } from 'vitest';
import {
  averagePrecisionAtK,
  catalogueCoverage,
  mae,
  meanFinite,
  ndcgAtK,
  novelty,
  recallAtK,
  rmse,
} from '../../../../src/core/recommender/evaluation/metrics.js';

describe('rating metrics', () => {
  it('given errors 1 and -3, rmse is sqrt(5) and mae is 2', () => {
    expect(rmse([4, 1], [3, 4])).toBeCloseTo(Math.sqrt(5), 12);
    expect(mae([4, 1], [3, 4])).toBe(2);
  });

  it('skips pairs with a NaN prediction', () => {
    expect(rmse([NaN, 2], [5, 4])).toBe(2);
    expect(Number.isNaN(mae([NaN], [1]))).toBe(true);
  });
});

describe('ranking metrics', () => {
  const relevant = new Set([2, 5]);

  it('given hits at ranks 1 and 3 of 2 relevant, ndcg@3 is (1 + 1/2) / (1 + 1/log2 3)', () => {
    expect(ndcgAtK([2, 9, 5], relevant, 3)).toBeCloseTo(1.5 / (1 + 1 / Math.log2(3)), 12);
  });

  it('given a perfect list, ndcg is 1; given no hits, 0; given nothing relevant, NaN', () => {
    expect(ndcgAtK([5, 2, 7], relevant, 3)).toBeCloseTo(1, 12);
    expect(ndcgAtK([7, 8], relevant, 2)).toBe(0);
    expect(Number.isNaN(ndcgAtK([1], new Set(), 10))).toBe(true);
  });

  it('ndcg@k caps the ideal list at k hits', () => {
    expect(ndcgAtK([1, 2], new Set([1, 2, 3, 4]), 2)).toBeCloseTo(1, 12);
  });

  it('recall@k divides hits by all relevant items, even beyond k', () => {
    expect(recallAtK([2, 9], relevant, 2)).toBe(0.5);
    expect(recallAtK([1, 2], new Set([1, 2, 3, 4]), 2)).toBe(0.5);
  });

  it('ap@k averages precision at each hit, over min(|relevant|, k)', () => {
    // hits at ranks 1 and 3: (1/1 + 2/3) / 2
    expect(averagePrecisionAtK([2, 9, 5], relevant, 3)).toBeCloseTo((1 + 2 / 3) / 2, 12);
    // one relevant at rank 2 of k=2: (1/2) / 1
    expect(averagePrecisionAtK([9, 2], new Set([2]), 2)).toBe(0.5);
    // only the first k positions count
    expect(averagePrecisionAtK([9, 8, 2], new Set([2]), 2)).toBe(0);
  });

  it('coverage counts distinct recommended items over the catalogue', () => {
    expect(catalogueCoverage([[1, 2], [2, 3]], 10)).toBeCloseTo(0.3, 12);
  });

  it('novelty is the mean of -log2(raters / users) over every slot', () => {
    const raters = new Map([
      [1, 50],
      [2, 25],
    ]);
    // item 1: -log2(0.5) = 1; item 2: -log2(0.25) = 2; unknown item 3 counts 1 rater: -log2(1/100)
    expect(novelty([[1, 2]], raters, 100)).toBeCloseTo(1.5, 12);
    expect(novelty([[3]], raters, 100)).toBeCloseTo(Math.log2(100), 12);
  });

  it('meanFinite ignores users that could not be scored', () => {
    expect(meanFinite([1, NaN, 0])).toBe(0.5);
  });
});
