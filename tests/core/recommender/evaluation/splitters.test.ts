import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../../../src/core/recommender/dataset.js';
import { randomSplit, recentHoldout, temporalUserSplit } from '../../../../src/core/recommender/evaluation/splitters.js';

const rows: Interaction[] = [];
for (let user = 1; user <= 5; user++) {
  for (let k = 0; k < 10; k++) rows.push({ user, item: 100 + k, rating: 3, timestamp: 1000 * user + (k * 37) % 10 });
}

describe('randomSplit', () => {
  it('given the same seed, cuts the same test set; a different seed cuts another', () => {
    const a = randomSplit(rows, 0.2, 42);
    const b = randomSplit(rows, 0.2, 42);
    const c = randomSplit(rows, 0.2, 43);
    expect(a.test).toEqual(b.test);
    expect(a.test).not.toEqual(c.test);
  });

  it('puts exactly the rounded fraction in test and every row somewhere', () => {
    const { train, test } = randomSplit(rows, 0.1, 1);
    expect(test.length).toBe(5);
    expect(train.length + test.length).toBe(rows.length);
    expect(new Set([...train, ...test]).size).toBe(rows.length);
  });
});

describe('temporalUserSplit', () => {
  it("puts each user's newest 20% in test, all newer than that user's train rows", () => {
    const { train, test } = temporalUserSplit(rows, 0.2);
    for (let user = 1; user <= 5; user++) {
      const tr = train.filter((r) => r.user === user);
      const te = test.filter((r) => r.user === user);
      expect(te.length).toBe(2);
      expect(Math.min(...te.map((r) => r.timestamp))).toBeGreaterThan(Math.max(...tr.map((r) => r.timestamp)));
    }
  });

  it('keeps a user with a single rating wholly in train', () => {
    const { train, test } = temporalUserSplit([{ user: 1, item: 1, rating: 4, timestamp: 5 }], 0.5);
    expect(train.length).toBe(1);
    expect(test.length).toBe(0);
  });
});

describe('recentHoldout', () => {
  it('puts the newest fraction of all ratings in test', () => {
    const { train, test } = recentHoldout(rows, 0.2);
    expect(test.length).toBe(10);
    expect(Math.min(...test.map((r) => r.timestamp))).toBeGreaterThanOrEqual(Math.max(...train.map((r) => r.timestamp)));
  });
});
