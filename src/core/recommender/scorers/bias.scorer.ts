/**
 * User and item biases around the global mean, after lkpy's `Bias`:
 * `score = mean + b_item + b_user`, each bias a damped mean of residuals
 * (damping pulls sparse users and items towards zero). Cheap, closed form,
 * and it folds in a new user's ratings at once, so it is the product's
 * cold-start fallback and the base of the CF blend.
 */
import type { Dataset } from '../dataset.js';
import type { Scorer, ScorerParams, ScoreQuery, TrainOptions } from '../scorer.js';
import { denseHistory, indexOf, positionsOf } from './history.js';
import { decodeF32, decodeIds, encodeF32, encodeIds, expectParams } from './params-codec.js';

const KIND = 'bias';
const VERSION = 1;

export interface BiasOptions {
  /** Damping of item biases (pseudo-ratings at the mean). */
  readonly itemDamping: number;
  /** Damping of user biases. */
  readonly userDamping: number;
  /**
   * Alternating rounds: 1 is lkpy's single pass (items then users); more
   * rounds re-estimate items given users and so on (ALS on biases only).
   */
  readonly rounds: number;
}

/**
 * Defaults chosen on a validation slice cut from the training part of
 * ml-latest-small (scripts/eval-rec.ts never tunes on its test ratings).
 */
export const DEFAULT_BIAS_OPTIONS: BiasOptions = { itemDamping: 5, userDamping: 5, rounds: 3 };

export class BiasScorer implements Scorer {
  readonly name = 'bias';
  private options: BiasOptions;
  private mean = NaN;
  private itemIds: number[] = [];
  private userIds: number[] = [];
  private itemIndex = new Map<number, number>();
  private userIndex = new Map<number, number>();
  private itemBias = new Float32Array(0);
  private userBias = new Float32Array(0);

  constructor(options: Partial<BiasOptions> = {}) {
    this.options = { ...DEFAULT_BIAS_OPTIONS, ...options };
  }

  async train(data: Dataset, _options: TrainOptions): Promise<void> {
    const n = data.r.length;
    let sum = 0;
    for (let k = 0; k < n; k++) sum += data.r[k]!;
    this.mean = n > 0 ? sum / n : NaN;
    const nItems = data.itemIds.length;
    const nUsers = data.userIds.length;
    const itemBias = new Float64Array(nItems);
    const userBias = new Float64Array(nUsers);
    const itemCount = new Float64Array(nItems);
    const userCount = new Float64Array(nUsers);
    for (let k = 0; k < n; k++) {
      itemCount[data.i[k]!]!++;
      userCount[data.u[k]!]!++;
    }
    const acc = new Float64Array(Math.max(nItems, nUsers));
    for (let round = 0; round < Math.max(1, this.options.rounds); round++) {
      acc.fill(0, 0, nItems);
      for (let k = 0; k < n; k++) acc[data.i[k]!]! += data.r[k]! - this.mean - userBias[data.u[k]!]!;
      for (let j = 0; j < nItems; j++) itemBias[j] = acc[j]! / (itemCount[j]! + this.options.itemDamping || 1);
      acc.fill(0, 0, nUsers);
      for (let k = 0; k < n; k++) acc[data.u[k]!]! += data.r[k]! - this.mean - itemBias[data.i[k]!]!;
      for (let u = 0; u < nUsers; u++) userBias[u] = acc[u]! / (userCount[u]! + this.options.userDamping || 1);
    }
    this.itemIds = [...data.itemIds];
    this.userIds = [...data.userIds];
    this.itemIndex = indexOf(this.itemIds);
    this.userIndex = indexOf(this.userIds);
    this.itemBias = Float32Array.from(itemBias);
    this.userBias = Float32Array.from(userBias);
  }

  /** The user's bias: folded in from the query history when it has any, else the trained one, else 0. */
  userOffset(query: ScoreQuery): number {
    const hist = denseHistory(query.history, this.itemIndex);
    if (hist.items.length > 0) {
      let acc = 0;
      for (let k = 0; k < hist.items.length; k++) acc += hist.ratings[k]! - this.mean - this.itemBias[hist.items[k]!]!;
      return acc / (hist.items.length + this.options.userDamping);
    }
    const u = this.userIndex.get(query.userId);
    return u === undefined ? 0 : this.userBias[u]!;
  }

  /** The global mean plus the item's bias, per dense item index (what a new user with no ratings gets). */
  itemBaseline(denseItem: number): number {
    return this.mean + this.itemBias[denseItem]!;
  }

  score(query: ScoreQuery, items: readonly number[]): Float32Array {
    const bu = this.userOffset(query);
    const out = new Float32Array(items.length);
    const at = positionsOf(this.itemIndex, items);
    for (let k = 0; k < items.length; k++) {
      const j = at[k]!;
      out[k] = j < 0 ? NaN : this.mean + this.itemBias[j]! + bu;
    }
    return out;
  }

  save(): ScorerParams {
    return {
      kind: KIND,
      version: VERSION,
      data: {
        options: this.options,
        mean: this.mean,
        itemIds: encodeIds(this.itemIds),
        userIds: encodeIds(this.userIds),
        itemBias: encodeF32(this.itemBias),
        userBias: encodeF32(this.userBias),
      },
    };
  }

  load(params: ScorerParams): void {
    expectParams(params, KIND, VERSION);
    const data = params.data as { options: BiasOptions; mean: number; itemIds: string; userIds: string; itemBias: string; userBias: string };
    this.options = { ...DEFAULT_BIAS_OPTIONS, ...data.options };
    this.mean = data.mean;
    this.itemIds = decodeIds(data.itemIds);
    this.userIds = decodeIds(data.userIds);
    this.itemIndex = indexOf(this.itemIds);
    this.userIndex = indexOf(this.userIds);
    this.itemBias = decodeF32(data.itemBias);
    this.userBias = decodeF32(data.userBias);
  }
}
