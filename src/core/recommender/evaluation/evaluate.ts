/**
 * Runs a trained scorer over a test split and reduces the results to the
 * metrics in metrics.ts. Used by scripts/eval-rec.ts and by model promotion,
 * so both measure models the same way.
 */
import type { Interaction } from '../dataset.js';
import type { HistoryEntry, ScoreQuery } from '../scorer.js';
import { topN } from '../scorers/select.js';
import { averagePrecisionAtK, catalogueCoverage, mae, meanFinite, ndcgAtK, novelty, recallAtK, rmse } from './metrics.js';

/** Anything that scores items for a query: a Scorer's `score`, or a ranking score. */
export type ScoreFn = (query: ScoreQuery, items: readonly number[]) => Float32Array;

/** Groups rows by user, keeping first-seen order. */
export function groupByUser(rows: readonly Interaction[]): Map<number, Interaction[]> {
  const out = new Map<number, Interaction[]>();
  for (const row of rows) {
    let list = out.get(row.user);
    if (list === undefined) out.set(row.user, (list = []));
    list.push(row);
  }
  return out;
}

const toHistory = (rows: readonly Interaction[] | undefined): HistoryEntry[] =>
  (rows ?? []).map((r) => ({ item: r.item, rating: r.rating }));

export interface RatingMetrics {
  readonly rmse: number;
  readonly mae: number;
  /** Test ratings the scorer could not score (filled with the train mean). */
  readonly unscored: number;
  readonly n: number;
}

export interface PredictOptions {
  /**
   * Pass each user's training ratings as the query history (the product path:
   * the app always sends what it knows), rather than relying on the trained
   * user state. Default true.
   */
  readonly withHistory?: boolean;
}

/** Predictions for every test row, in order; NaN where the scorer has none. */
export function predictTest(score: ScoreFn, train: readonly Interaction[], test: readonly Interaction[], options: PredictOptions = {}): Float32Array {
  const withHistory = options.withHistory ?? true;
  const trainByUser = withHistory ? groupByUser(train) : new Map<number, Interaction[]>();
  const out = new Float32Array(test.length);
  const testByUser = new Map<number, number[]>();
  test.forEach((row, k) => {
    let list = testByUser.get(row.user);
    if (list === undefined) testByUser.set(row.user, (list = []));
    list.push(k);
  });
  for (const [user, idx] of testByUser) {
    const scores = score({ userId: user, history: toHistory(trainByUser.get(user)) }, idx.map((k) => test[k]!.item));
    idx.forEach((k, m) => (out[k] = scores[m]!));
  }
  return out;
}

/**
 * RMSE and MAE of a scorer on test ratings. A NaN prediction counts as the
 * training mean, so every model is measured on the same ratings (as if each
 * were wrapped in a fallback to the global mean), and `unscored` says how often.
 */
export function evaluateRatings(score: ScoreFn, train: readonly Interaction[], test: readonly Interaction[], options: PredictOptions = {}): RatingMetrics {
  const pred = predictTest(score, train, test, options);
  let sum = 0;
  for (const row of train) sum += row.rating;
  const mean = train.length > 0 ? sum / train.length : 0;
  let unscored = 0;
  for (let k = 0; k < pred.length; k++) {
    if (!Number.isFinite(pred[k]!)) {
      pred[k] = mean;
      unscored++;
    }
  }
  const actual = Float32Array.from(test, (r) => r.rating);
  return { rmse: rmse(pred, actual), mae: mae(pred, actual), unscored, n: test.length };
}

export interface RankingOptions {
  /** List length (10 for the published figures). */
  readonly k: number;
  /** A test rating at or above this is relevant (4.0: "liked", not merely watched). */
  readonly relevantThreshold: number;
}

export interface RankingMetrics {
  readonly ndcg: number;
  readonly recall: number;
  readonly map: number;
  readonly coverage: number;
  readonly novelty: number;
  /** Users with at least one relevant test item (the ones averaged over). */
  readonly users: number;
}

/**
 * Top-k ranking metrics. For each test user with at least one relevant test
 * item, every training item the user has not rated in training is a candidate;
 * the k best-scored (NaN never ranks) form the list. Coverage is over the
 * training catalogue, novelty uses training popularity.
 */
export function evaluateRanking(score: ScoreFn, train: readonly Interaction[], test: readonly Interaction[], options: RankingOptions): RankingMetrics {
  const trainByUser = groupByUser(train);
  const raters = new Map<number, number>();
  for (const row of train) raters.set(row.item, (raters.get(row.item) ?? 0) + 1);
  const catalogue = [...raters.keys()].sort((a, b) => a - b);
  const position = new Map(catalogue.map((item, k) => [item, k]));
  const nUsers = trainByUser.size;
  const ndcg: number[] = [];
  const recall: number[] = [];
  const ap: number[] = [];
  const lists: number[][] = [];
  for (const [user, rows] of groupByUser(test)) {
    const relevant = new Set(rows.filter((r) => r.rating >= options.relevantThreshold).map((r) => r.item));
    if (relevant.size === 0) continue;
    const history = trainByUser.get(user) ?? [];
    const rated = new Uint8Array(catalogue.length);
    for (const r of history) {
      const p = position.get(r.item);
      if (p !== undefined) rated[p] = 1;
    }
    const scores = score({ userId: user, history: toHistory(history) }, catalogue);
    const top = topN(scores, options.k, (p) => rated[p] === 1);
    const list = Array.from(top, (p) => catalogue[p]!);
    lists.push(list);
    ndcg.push(ndcgAtK(list, relevant, options.k));
    recall.push(recallAtK(list, relevant, options.k));
    ap.push(averagePrecisionAtK(list, relevant, options.k));
  }
  return {
    ndcg: meanFinite(ndcg),
    recall: meanFinite(recall),
    map: meanFinite(ap),
    coverage: catalogueCoverage(lists, catalogue.length),
    novelty: novelty(lists, raters, nUsers),
    users: lists.length,
  };
}
