/**
 * The learned state of biased matrix factorisation and everything done with
 * it after training, in pure TypeScript on Float32Arrays:
 *   score(u, i) = mean + b_u + b_i + p_u . q_i
 * Training (TensorFlow.js, in infra) only produces these arrays; scoring and
 * fold-in never touch tf, so a request costs one pass over the item factors
 * and a new rating re-solves the user's vector in well under a millisecond.
 */
import type { ScoreQuery } from '../scorer.js';
import { denseHistory, indexOf, positionsOf } from './history.js';
import { choleskySolve } from './linalg.js';
import { decodeF32, decodeIds, encodeF32, encodeIds } from './params-codec.js';

export interface BiasedMfArrays {
  readonly factors: number;
  readonly mean: number;
  readonly minRating: number;
  readonly maxRating: number;
  readonly userIds: readonly number[];
  readonly itemIds: readonly number[];
  /** nUsers x factors, row-major. */
  readonly userFactors: Float32Array;
  readonly userBias: Float32Array;
  /** nItems x factors, row-major. */
  readonly itemFactors: Float32Array;
  readonly itemBias: Float32Array;
  /** Training ratings per item: an item with none has untrained factors and gets no score. */
  readonly itemCount: Float32Array;
}

/**
 * Ridge strengths for fold-in. The user's vector minimises
 * sum (r - mean - b_i - b_u - p.q_i)^2 + (base + perRating * n) * |p|^2
 * + (biasBase + biasPerRating * n) * b_u^2: the per-rating part mirrors the
 * per-rating L2 of training, the base part keeps 1-3 ratings from overfitting.
 */
export interface FoldInRegularisation {
  readonly base: number;
  readonly perRating: number;
  readonly biasBase: number;
  readonly biasPerRating: number;
}

export interface UserState {
  readonly vector: Float32Array;
  readonly bias: number;
}

export class BiasedMfModel {
  readonly arrays: BiasedMfArrays;
  readonly reg: FoldInRegularisation;
  private readonly userIndex: Map<number, number>;
  readonly itemIndex: Map<number, number>;

  constructor(arrays: BiasedMfArrays, reg: FoldInRegularisation) {
    this.arrays = arrays;
    this.reg = reg;
    this.userIndex = indexOf(arrays.userIds);
    this.itemIndex = indexOf(arrays.itemIds);
  }

  /**
   * The user's factors and bias: solved from the query history when it has
   * any (the app's ratings are the truth, newer than the model), else the
   * trained ones, else null (no personal state; the caller falls back).
   */
  userState(query: ScoreQuery): UserState | null {
    const hist = denseHistory(query.history, this.itemIndex);
    if (hist.items.length > 0) return this.foldIn(hist.items, hist.ratings);
    const u = this.userIndex.get(query.userId);
    if (u === undefined) return null;
    const k = this.arrays.factors;
    return { vector: this.arrays.userFactors.subarray(u * k, (u + 1) * k), bias: this.arrays.userBias[u]! };
  }

  /**
   * Ridge regression for [p_u; b_u] with item factors and biases fixed: a
   * (k+1)x(k+1) system solved by Cholesky. Items without training ratings
   * carry no information and are skipped.
   */
  foldIn(items: Int32Array, ratings: Float32Array): UserState {
    const { factors: k, mean, itemFactors, itemBias, itemCount } = this.arrays;
    const d = k + 1;
    const a = new Float64Array(d * d);
    const b = new Float64Array(d);
    const x = new Float64Array(d);
    let n = 0;
    for (let h = 0; h < items.length; h++) {
      const j = items[h]!;
      if (itemCount[j]! <= 0) continue;
      n++;
      const off = j * k;
      for (let f = 0; f < k; f++) x[f] = itemFactors[off + f]!;
      x[k] = 1;
      const y = ratings[h]! - mean - itemBias[j]!;
      for (let r = 0; r < d; r++) {
        const xr = x[r]!;
        b[r]! += xr * y;
        const row = r * d;
        for (let c = 0; c <= r; c++) a[row + c]! += xr * x[c]!;
      }
    }
    if (n === 0) return { vector: new Float32Array(k), bias: 0 };
    const lp = this.reg.base + this.reg.perRating * n;
    const lb = this.reg.biasBase + this.reg.biasPerRating * n;
    for (let r = 0; r < d; r++) {
      a[r * d + r]! += r < k ? lp : lb;
      for (let c = 0; c < r; c++) a[c * d + r] = a[r * d + c]!;
    }
    const sol = choleskySolve(a, b, d);
    return { vector: Float32Array.from(sol.subarray(0, k)), bias: sol[k]! };
  }

  /** Predicted ratings (clipped to the training scale); NaN for unknown or untrained items, or without user state. */
  score(query: ScoreQuery, items: readonly number[]): Float32Array {
    const out = new Float32Array(items.length).fill(NaN);
    const state = this.userState(query);
    if (state === null) return out;
    const { factors: k, mean, itemFactors, itemBias, itemCount, minRating, maxRating } = this.arrays;
    const p = state.vector;
    const base = mean + state.bias;
    const at = positionsOf(this.itemIndex, items);
    for (let t = 0; t < items.length; t++) {
      const j = at[t]!;
      if (j < 0 || itemCount[j]! <= 0) continue;
      let s = base + itemBias[j]!;
      const off = j * k;
      for (let f = 0; f < k; f++) s += p[f]! * itemFactors[off + f]!;
      out[t] = s < minRating ? minRating : s > maxRating ? maxRating : s;
    }
    return out;
  }

  toJSON(): Record<string, unknown> {
    const a = this.arrays;
    return {
      factors: a.factors,
      mean: a.mean,
      minRating: a.minRating,
      maxRating: a.maxRating,
      reg: this.reg,
      userIds: encodeIds([...a.userIds]),
      itemIds: encodeIds([...a.itemIds]),
      userFactors: encodeF32(a.userFactors),
      userBias: encodeF32(a.userBias),
      itemFactors: encodeF32(a.itemFactors),
      itemBias: encodeF32(a.itemBias),
      itemCount: encodeF32(a.itemCount),
    };
  }

  static fromJSON(data: Record<string, unknown>): BiasedMfModel {
    const s = (key: string) => data[key] as string;
    return new BiasedMfModel(
      {
        factors: data['factors'] as number,
        mean: data['mean'] as number,
        minRating: data['minRating'] as number,
        maxRating: data['maxRating'] as number,
        userIds: decodeIds(s('userIds')),
        itemIds: decodeIds(s('itemIds')),
        userFactors: decodeF32(s('userFactors')),
        userBias: decodeF32(s('userBias')),
        itemFactors: decodeF32(s('itemFactors')),
        itemBias: decodeF32(s('itemBias')),
        itemCount: decodeF32(s('itemCount')),
      },
      data['reg'] as FoldInRegularisation,
    );
  }
}
