/**
 * lkpy's `Fallback`: ask the primary scorer first and let each next scorer
 * fill only the items still without a score (NaN). A CF model that cannot
 * score a brand-new user or item hands over to bias, then popularity, so the
 * product always has something sensible to rank.
 */
import type { Dataset } from '../dataset.js';
import type { Scorer, ScorerParams, ScoreQuery, TrainOptions } from '../scorer.js';
import { expectParams } from './params-codec.js';

const KIND = 'fallback';
const VERSION = 1;

export class FallbackScorer implements Scorer {
  readonly name: string;
  readonly scorers: readonly Scorer[];

  constructor(scorers: readonly [Scorer, ...Scorer[]]) {
    this.scorers = scorers;
    this.name = `fallback(${scorers.map((s) => s.name).join(',')})`;
  }

  async train(data: Dataset, options: TrainOptions): Promise<void> {
    const n = this.scorers.length;
    for (let k = 0; k < n; k++) {
      const onProgress = options.onProgress;
      await this.scorers[k]!.train(data, {
        ...options,
        onProgress: onProgress && ((f, info) => onProgress((k + f) / n, { ...info, part: k })),
      });
    }
  }

  score(query: ScoreQuery, items: readonly number[]): Float32Array {
    const out = this.scorers[0]!.score(query, items);
    let missing: number[] = [];
    for (let k = 0; k < out.length; k++) if (Number.isNaN(out[k])) missing.push(k);
    for (let s = 1; s < this.scorers.length && missing.length > 0; s++) {
      const filled = this.scorers[s]!.score(
        query,
        missing.map((k) => items[k]!),
      );
      const still: number[] = [];
      for (let m = 0; m < missing.length; m++) {
        if (Number.isNaN(filled[m])) still.push(missing[m]!);
        else out[missing[m]!] = filled[m]!;
      }
      missing = still;
    }
    return out;
  }

  save(): ScorerParams {
    return { kind: KIND, version: VERSION, data: { parts: this.scorers.map((s) => s.save()) } };
  }

  /** Loads into the scorers given to the constructor; they must be of the saved kinds, in order. */
  load(params: ScorerParams): void {
    expectParams(params, KIND, VERSION);
    const parts = (params.data as { parts: ScorerParams[] }).parts;
    if (parts.length !== this.scorers.length) throw new Error(`fallback params hold ${parts.length} scorers, expected ${this.scorers.length}`);
    parts.forEach((p, k) => this.scorers[k]!.load(p));
  }
}
