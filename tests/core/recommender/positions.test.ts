import { describe, expect, it } from 'vitest';
import { indexOf, positionsOf } from '../../../src/core/recommender/scorers/history.js';

describe('positionsOf', () => {
  const index = indexOf([10, 20, 30]);

  it('given item ids, gives each one its dense index and -1 for unknown ones', () => {
    expect(Array.from(positionsOf(index, [30, 99, 10]))).toEqual([2, -1, 0]);
  });

  it('given a frozen array, reuses the lookup; given a mutable one, computes it again', () => {
    const frozen = Object.freeze([20, 10]);
    expect(positionsOf(index, frozen)).toBe(positionsOf(index, frozen));
    const mutable = [20, 10];
    const first = positionsOf(index, mutable);
    mutable[0] = 30;
    expect(Array.from(positionsOf(index, mutable))).toEqual([2, 0]);
    expect(positionsOf(index, mutable)).not.toBe(first);
  });

  it('given another index for the same frozen array, keeps the lookups apart', () => {
    const frozen = Object.freeze([10, 30]);
    expect(Array.from(positionsOf(indexOf([30, 10]), frozen))).toEqual([1, 0]);
    expect(Array.from(positionsOf(index, frozen))).toEqual([0, 2]);
  });
});
