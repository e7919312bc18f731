/**
 * Most-popular: the number of ratings an item has, optionally decayed by age
 * so this month's hits outrank last decade's. The same list for everyone, so
 * it is the ranking baseline to beat and a fallback for users with nothing
 * else to go on.
 *
 * Scores are rank-preserving and put on the rating scale only so a fallback
 * chain can mix them with other scorers: `0.5 + 4.5 * log(1 + w) / log(1 + wMax)`
 * with `w` the (decayed) rating count. They are NOT predicted ratings: an RMSE
 * of this scorer measures nothing useful.
 */
import type { Dataset } from '../dataset.js';
import type { Scorer, ScorerParams, ScoreQuery, TrainOptions } from '../scorer.js';
import { indexOf, positionsOf } from './history.js';
import { decodeF32, decodeIds, encodeF32, encodeIds, expectParams } from './params-codec.js';

const KIND = 'popularity';
const VERSION = 1;

export interface PopularityOptions {
  /** Half-life of a rating's weight in days, counted back from the newest rating; null = plain counts. */
  readonly halfLifeDays: number | null;
}

export class PopularityScorer implements Scorer {
  readonly name = 'popularity';
  private options: PopularityOptions;
  private itemIds: number[] = [];
  private itemIndex = new Map<number, number>();
  private scores = new Float32Array(0);

  constructor(options: Partial<PopularityOptions> = {}) {
    this.options = { halfLifeDays: null, ...options };
  }

  async train(data: Dataset, _options: TrainOptions): Promise<void> {
    const weight = new Float64Array(data.itemIds.length);
    const halfLife = this.options.halfLifeDays;
    let newest = -Infinity;
    for (let k = 0; k < data.t.length; k++) newest = Math.max(newest, data.t[k]!);
    for (let k = 0; k < data.i.length; k++) {
      const w = halfLife === null ? 1 : Math.pow(0.5, (newest - data.t[k]!) / (halfLife * 86_400));
      weight[data.i[k]!]! += w;
    }
    let max = 0;
    for (const w of weight) max = Math.max(max, w);
    const denom = Math.log1p(max) || 1;
    this.scores = Float32Array.from(weight, (w) => 0.5 + (4.5 * Math.log1p(w)) / denom);
    this.itemIds = [...data.itemIds];
    this.itemIndex = indexOf(this.itemIds);
  }

  score(_query: ScoreQuery, items: readonly number[]): Float32Array {
    const out = new Float32Array(items.length);
    const at = positionsOf(this.itemIndex, items);
    for (let k = 0; k < items.length; k++) {
      const j = at[k]!;
      out[k] = j < 0 ? NaN : this.scores[j]!;
    }
    return out;
  }

  save(): ScorerParams {
    return { kind: KIND, version: VERSION, data: { options: this.options, itemIds: encodeIds(this.itemIds), scores: encodeF32(this.scores) } };
  }

  load(params: ScorerParams): void {
    expectParams(params, KIND, VERSION);
    const data = params.data as { options: PopularityOptions; itemIds: string; scores: string };
    this.options = { ...data.options };
    this.itemIds = decodeIds(data.itemIds);
    this.itemIndex = indexOf(this.itemIds);
    this.scores = decodeF32(data.scores);
  }
}
