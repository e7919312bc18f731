/**
 * The mean of all training ratings for every known item: the floor every
 * other scorer must beat, and the last link of a fallback chain.
 */
import type { Dataset } from '../dataset.js';
import type { Scorer, ScorerParams, ScoreQuery, TrainOptions } from '../scorer.js';
import { decodeIds, encodeIds, expectParams } from './params-codec.js';

const KIND = 'global-mean';
const VERSION = 1;

/** Scores every item the model has seen with the global mean; NaN for unseen items. */
export class GlobalMeanScorer implements Scorer {
  readonly name = 'globalMean';
  private mean = NaN;
  private items = new Set<number>();

  async train(data: Dataset, _options: TrainOptions): Promise<void> {
    let sum = 0;
    for (let k = 0; k < data.r.length; k++) sum += data.r[k]!;
    this.mean = data.r.length > 0 ? sum / data.r.length : NaN;
    this.items = new Set(data.itemIds);
  }

  score(_query: ScoreQuery, items: readonly number[]): Float32Array {
    const out = new Float32Array(items.length);
    for (let k = 0; k < items.length; k++) out[k] = this.items.has(items[k]!) ? this.mean : NaN;
    return out;
  }

  save(): ScorerParams {
    return { kind: KIND, version: VERSION, data: { mean: this.mean, items: encodeIds([...this.items]) } };
  }

  load(params: ScorerParams): void {
    expectParams(params, KIND, VERSION);
    const data = params.data as { mean: number; items: string };
    this.mean = data.mean;
    this.items = new Set(decodeIds(data.items));
  }
}
