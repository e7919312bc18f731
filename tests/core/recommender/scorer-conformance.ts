/**
 * The contract every Scorer honours (lkpy's `lenskit/testing`), written once
 * and run against each implementation:
 *
 *   describeScorerConformance('bias', () => new BiasScorer());
 *
 * The suite trains on a small synthetic data set (see `conformanceRatings`;
 * users 1..40, items 101..130, two taste groups) so every file stays fast.
 */
import { describe, expect, it } from 'vitest';
import { Dataset, type Interaction } from '../../../src/core/recommender/dataset.js';
import type { HistoryEntry, Scorer, TrainOptions } from '../../../src/core/recommender/scorer.js';

export const CONFORMANCE_USERS = Array.from({ length: 40 }, (_, k) => k + 1);
export const CONFORMANCE_ITEMS = Array.from({ length: 30 }, (_, k) => 101 + k);
/** A user and an item id the training data never mentions. */
export const UNKNOWN_USER = 9_999;
export const UNKNOWN_ITEM = 99_999;

/**
 * Deterministic ratings: users 1-20 like items 101-115 and dislike the rest,
 * users 21-40 the other way round, each user rating about half the items.
 */
export function conformanceRatings(): Interaction[] {
  const rows: Interaction[] = [];
  let state = 12345;
  const rand = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
  for (const user of CONFORMANCE_USERS) {
    for (const item of CONFORMANCE_ITEMS) {
      if (rand() < 0.5) continue;
      const likes = (user <= 20) === (item <= 115);
      const base = likes ? 4.2 : 1.8;
      const rating = Math.min(5, Math.max(0.5, Math.round((base + (rand() - 0.5) * 1.6 + (item % 3) * 0.2) * 2) / 2));
      rows.push({ user, item, rating, timestamp: 1_000_000 + user * 1_000 + item });
    }
  }
  return rows;
}

export interface ConformanceOptions {
  /**
   * False for scorers that give everyone the same scores (global mean,
   * popularity): the "history changes scores" check is skipped.
   */
  readonly personalised?: boolean;
  /**
   * True for scorers that learn tastes (item-kNN, MF, content): a new user who
   * loved one taste group gets another item of that group above the other
   * group. Bias-only scorers cannot, so the default is false.
   */
  readonly learnsTaste?: boolean;
  /** Training data; defaults to `Dataset.from(conformanceRatings())`. */
  readonly dataset?: () => Dataset;
  /** Extra train options (the seed is set by the suite). */
  readonly trainOptions?: Partial<TrainOptions>;
}

const allItems = [...CONFORMANCE_ITEMS];
const likerHistory: HistoryEntry[] = [
  { item: 101, rating: 5 },
  { item: 102, rating: 4.5 },
  { item: 120, rating: 1 },
];
const haterHistory: HistoryEntry[] = [
  { item: 101, rating: 1 },
  { item: 102, rating: 0.5 },
  { item: 120, rating: 5 },
];

/** Same values, NaN equal to NaN (toEqual on typed arrays treats NaN as equal too; this says so). */
function expectSameScores(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  expect(Array.from(a)).toEqual(Array.from(b));
}

export function describeScorerConformance(name: string, factory: () => Scorer, options: ConformanceOptions = {}): void {
  const personalised = options.personalised ?? true;
  const learnsTaste = options.learnsTaste ?? false;
  const makeData = options.dataset ?? (() => Dataset.from(conformanceRatings()));
  const trained = async (seed = 42): Promise<Scorer> => {
    const scorer = factory();
    await scorer.train(makeData(), { ...options.trainOptions, seed });
    return scorer;
  };

  describe(`${name} (scorer conformance)`, () => {
    it('given a known user, returns one score per requested item, some finite', async () => {
      const scorer = await trained();
      const scores = scorer.score({ userId: 1, history: likerHistory }, allItems);
      expect(scores).toBeInstanceOf(Float32Array);
      expect(scores.length).toBe(allItems.length);
      expect(Array.from(scores).some(Number.isFinite)).toBe(true);
      expect(Array.from(scores).every((s) => Number.isNaN(s) || Number.isFinite(s))).toBe(true);
    });

    it('given an unknown user with no history, returns finite scores or NaN without throwing', async () => {
      const scorer = await trained();
      const scores = scorer.score({ userId: UNKNOWN_USER, history: [] }, allItems);
      expect(scores.length).toBe(allItems.length);
      expect(Array.from(scores).every((s) => Number.isNaN(s) || Number.isFinite(s))).toBe(true);
    });

    it('given an unknown item, returns NaN for it and scores the others', async () => {
      const scorer = await trained();
      const scores = scorer.score({ userId: 1, history: likerHistory }, [UNKNOWN_ITEM, 101, UNKNOWN_ITEM + 1]);
      expect(Number.isNaN(scores[0])).toBe(true);
      expect(Number.isNaN(scores[2])).toBe(true);
      expect(scores.length).toBe(3);
    });

    it('given a known user with an empty history, scores without throwing', async () => {
      const scorer = await trained();
      const scores = scorer.score({ userId: 3, history: [] }, allItems);
      expect(scores.length).toBe(allItems.length);
    });

    it('given a history of only unknown items, scores like an empty history', async () => {
      const scorer = await trained();
      const empty = scorer.score({ userId: UNKNOWN_USER, history: [] }, allItems);
      const unknown = scorer.score({ userId: UNKNOWN_USER, history: [{ item: UNKNOWN_ITEM, rating: 5 }] }, allItems);
      expectSameScores(unknown, empty);
    });

    it('after save, JSON round trip and load into a fresh instance, gives identical scores', async () => {
      const scorer = await trained();
      const params = JSON.parse(JSON.stringify(scorer.save()));
      const fresh = factory();
      fresh.load(params);
      for (const query of [
        { userId: 1, history: likerHistory },
        { userId: 25, history: [] },
        { userId: UNKNOWN_USER, history: haterHistory },
        { userId: UNKNOWN_USER, history: [] },
      ]) {
        expectSameScores(fresh.score(query, [...allItems, UNKNOWN_ITEM]), scorer.score(query, [...allItems, UNKNOWN_ITEM]));
      }
    });

    it('given params of another kind, refuses to load them', async () => {
      const scorer = await trained();
      const params = scorer.save();
      expect(() => factory().load({ ...params, kind: `${params.kind}-other` })).toThrow();
    });

    it('trained twice with the same seed, gives identical scores', async () => {
      const a = await trained(7);
      const b = await trained(7);
      const query = { userId: 2, history: likerHistory };
      expectSameScores(a.score(query, allItems), b.score(query, allItems));
      expectSameScores(a.score({ userId: 30, history: [] }, allItems), b.score({ userId: 30, history: [] }, allItems));
    });

    it.runIf(personalised)('given a new user, folding in a history changes the scores at once', async () => {
      const scorer = await trained();
      const none = scorer.score({ userId: UNKNOWN_USER, history: [] }, allItems);
      const liker = scorer.score({ userId: UNKNOWN_USER, history: likerHistory }, allItems);
      const hater = scorer.score({ userId: UNKNOWN_USER, history: haterHistory }, allItems);
      expect(Array.from(liker)).not.toEqual(Array.from(none));
      expect(Array.from(liker)).not.toEqual(Array.from(hater));
    });

    it.runIf(learnsTaste)('given a new user who loved group-A items, scores another group-A item above a group-B item', async () => {
      const scorer = await trained();
      const history: HistoryEntry[] = [
        { item: 101, rating: 5 },
        { item: 103, rating: 5 },
        { item: 105, rating: 4.5 },
        { item: 121, rating: 1 },
        { item: 123, rating: 0.5 },
      ];
      const [a, b] = scorer.score({ userId: UNKNOWN_USER, history }, [108, 128]);
      expect(a).toBeGreaterThan(b!);
    });
  });
}
