import { describe, expect, it } from 'vitest';
import { aggregateGroup, type GroupScores } from '../../../src/core/recommender/group/group-strategies.js';

/**
 * Three members, four movies (hand-checked below):
 *          m1   m2   m3   m4
 *   A     5    4    2    3.5
 *   B     4    3.5  5    3
 *   C     3    4    4.8  3
 */
const input: GroupScores = {
  items: [1, 2, 3, 4],
  memberScores: [Float32Array.of(5, 4, 2, 3.5), Float32Array.of(4, 3.5, 5, 3), Float32Array.of(3, 4, 4.8, 3)],
};
const order = (r: { item: number }[]) => r.map((x) => x.item);

describe('aggregateGroup', () => {
  it('average: ranks by the mean (4.0, 3.93, 3.83, 3.17)', () => {
    const r = aggregateGroup(input, { strategy: 'average' });
    expect(order(r)).toEqual([1, 3, 2, 4]);
    expect(r[0]!.score).toBeCloseTo(4, 5);
    expect(r[1]!.score).toBeCloseTo((2 + 5 + 4.8) / 3, 5);
  });

  it('least misery: ranks by the lowest member score, ties to the lower id (3.5, 3, 3, 2)', () => {
    const r = aggregateGroup(input, { strategy: 'least_misery' });
    expect(order(r)).toEqual([2, 1, 4, 3]);
    expect(r.map((x) => x.score)).toEqual([3.5, 3, 3, 2]);
  });

  it('average without misery (default, veto 2.5): drops m3, which A is predicted to rate 2', () => {
    const r = aggregateGroup(input);
    expect(order(r)).toEqual([1, 2, 4]);
  });

  it('average without misery with a veto at 3.5: keeps only m2', () => {
    expect(order(aggregateGroup(input, { vetoThreshold: 3.5 }))).toEqual([2]);
  });

  it('borda: ties share points (m3 6, m1 5.5, m2 5, m4 1.5 of 9)', () => {
    const r = aggregateGroup(input, { strategy: 'borda' });
    expect(order(r)).toEqual([3, 1, 2, 4]);
    expect(r.map((x) => x.score * 9)).toEqual([6, 5.5, 5, 1.5].map((p) => expect.closeTo(p, 5)));
  });

  it('drops a movie any member has seen or rated, whatever the strategy', () => {
    for (const strategy of ['average', 'least_misery', 'average_without_misery', 'borda'] as const) {
      const r = aggregateGroup(input, { strategy, excluded: [new Set(), new Set([1]), new Set()] });
      expect(order(r)).not.toContain(1);
    }
  });

  it('drops a movie some member cannot be scored for', () => {
    const withGap: GroupScores = { items: [1, 2], memberScores: [Float32Array.of(5, 4), Float32Array.of(NaN, 4)] };
    expect(order(aggregateGroup(withGap, { strategy: 'average' }))).toEqual([2]);
  });

  it('reports each member score in member order', () => {
    const r = aggregateGroup(input, { strategy: 'average' });
    expect(r.find((x) => x.item === 3)!.memberScores).toEqual([2, 5, expect.closeTo(4.8, 5)]);
  });

  it('given no members, returns nothing', () => {
    expect(aggregateGroup({ items: [1], memberScores: [] })).toEqual([]);
  });
});
