/**
 * The scorer contract, after LensKit (lkpy): `train(dataset)` then
 * `score(query, items)`. A scorer that cannot score an item returns NaN for it
 * ("no score"), never throws for unknown users or items; a fallback scorer fills
 * the gaps. Learned state round-trips through `save()`/`load()` as versioned
 * parameters so a retrained model can be swapped in atomically and rolled back.
 */
import type { MoodReading } from '../mood/mood-space.js';
import type { Dataset } from './dataset.js';

export interface HistoryEntry {
  readonly item: number;
  /** 0.5..5 stars. */
  readonly rating: number;
}

export interface ScoreQuery {
  /** External user id; may be unknown to the trained model. */
  readonly userId: number;
  /**
   * The user's ratings as the app knows them now (may include ratings newer than
   * the trained model): scorers fold these in, which is how a rating updates the
   * user at once.
   */
  readonly history: readonly HistoryEntry[];
  readonly mood?: MoodReading | null;
}

export interface TrainOptions {
  readonly seed: number;
  /** Called with 0..1 progress; optional. */
  readonly onProgress?: (fraction: number, info: Record<string, number>) => void;
}

export interface ScorerParams {
  readonly kind: string;
  readonly version: number;
  readonly data: unknown;
}

export interface Scorer {
  readonly name: string;
  train(data: Dataset, options: TrainOptions): Promise<void>;
  /** Predicted rating-scale scores for `items` (external ids), NaN where it cannot score. */
  score(query: ScoreQuery, items: readonly number[]): Float32Array;
  /**
   * Optional top-N ordering scores for `items` (higher = recommend first, NaN =
   * no opinion), for scorers whose best ranking is not their rating prediction:
   * a model tuned for RMSE ranks obscure one-rating films first. Not on the
   * rating scale. Rankers use it when present, else `score`.
   */
  rank?(query: ScoreQuery, items: readonly number[]): Float32Array;
  save(): ScorerParams;
  load(params: ScorerParams): void;
}
