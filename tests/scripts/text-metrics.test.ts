import { describe, expect, it } from 'vitest';
import { accuracy, balancedAccuracy } from '../../scripts/lib/text-metrics.js';

describe('balancedAccuracy', () => {
  it('given a majority class, weighs every class present the same, unlike accuracy', () => {
    // 8 neutral (class 6) all right, 2 joy (class 0) both called neutral.
    const truth = [6, 6, 6, 6, 6, 6, 6, 6, 0, 0];
    const pred = [6, 6, 6, 6, 6, 6, 6, 6, 6, 6];
    expect(accuracy(truth, pred)).toBeCloseTo(0.8);
    expect(balancedAccuracy(truth, pred)).toBeCloseTo(0.5);
  });

  it('ignores classes that are predicted but absent from the truth, and is 0 on no rows', () => {
    expect(balancedAccuracy([1, 1, 2], [1, 3, 2])).toBeCloseTo((0.5 + 1) / 2);
    expect(balancedAccuracy([], [])).toBe(0);
  });
});
