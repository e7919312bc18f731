/**
 * EASE (Steck 2019, "Embarrassingly Shallow Autoencoders") for top-N ranking:
 * an item-item weight matrix B with a zero diagonal, the closed-form
 * ridge-regression solution of predicting each item's column from all the
 * others over binary "has rated" data:
 *   P = (X^T X + lambda I)^-1,  B_ij = -P_ij / P_jj,  score(u, i) = sum_{j rated} B_ji
 * It learns what a user will pick next, which explicit-rating models do
 * badly, and it folds in a new user at once (the score is a sum of rows).
 *
 * The inverse costs n^3, so the model covers the `maxItems` most-rated items
 * with at least `minRatings` ratings (1.5k items: a few seconds, 9 MB);
 * other items get no score and fall back to the next scorer.
 *
 * Scores are relevance for ordering, NOT ratings: do not put them in an RMSE.
 */
import type { Dataset } from '../dataset.js';
import type { Scorer, ScorerParams, ScoreQuery, TrainOptions } from '../scorer.js';
import { denseHistory, indexOf } from './history.js';
import { spdInverse } from './linalg.js';
import { decodeF32, decodeI32, decodeIds, encodeF32, encodeI32, encodeIds, expectParams } from './params-codec.js';
import { itemCounts, userCsr } from './sparse.js';

const KIND = 'ease';
const VERSION = 1;

export interface EaseOptions {
  /** Ridge strength (Steck uses a few hundred on MovieLens). */
  readonly lambda: number;
  /** Items with fewer training ratings are left out of the model. */
  readonly minRatings: number;
  /** At most this many items (the most rated) enter the n^3 inverse. */
  readonly maxItems: number;
  /**
   * At query time a history rating below `likedThreshold` adds its row times
   * `dislikedWeight` instead of 1: a film the user disliked should not pull
   * in its neighbours as much as one they loved. Training stays binary.
   */
  readonly likedThreshold: number;
  readonly dislikedWeight: number;
}

/** Defaults chosen on a per-user temporal validation slice of the training part of ml-latest-small. */
export const DEFAULT_EASE_OPTIONS: EaseOptions = { lambda: 200, minRatings: 10, maxItems: 1500, likedThreshold: 3.5, dislikedWeight: 0 };

export class EaseScorer implements Scorer {
  readonly name = 'ease';
  private options: EaseOptions;
  /** External ids of the modelled items, in the order of B's rows and columns. */
  private itemIds: number[] = [];
  private itemIndex = new Map<number, number>();
  private weights = new Float32Array(0);
  private userIndex = new Map<number, number>();
  private userIds: number[] = [];
  /** Training items and ratings per user (model indices), for known users queried without a history. */
  private userItems: number[][] = [];
  private userRatings: number[][] = [];

  constructor(options: Partial<EaseOptions> = {}) {
    this.options = { ...DEFAULT_EASE_OPTIONS, ...options };
  }

  async train(data: Dataset, options: TrainOptions): Promise<void> {
    const counts = itemCounts(data);
    const chosen = Array.from(counts.keys())
      .filter((j) => counts[j]! >= this.options.minRatings)
      .sort((a, b) => counts[b]! - counts[a]! || data.itemIds[a]! - data.itemIds[b]!)
      .slice(0, this.options.maxItems)
      .sort((a, b) => data.itemIds[a]! - data.itemIds[b]!);
    const n = chosen.length;
    const local = new Int32Array(data.itemIds.length).fill(-1);
    chosen.forEach((j, k) => (local[j] = k));
    const rows = userCsr(data);
    const gram = new Float64Array(n * n);
    const userItems: number[][] = [];
    const userRatings: number[][] = [];
    for (let u = 0; u < rows.nRows; u++) {
      const seen: number[] = [];
      const ratings: number[] = [];
      for (let p = rows.offsets[u]!; p < rows.offsets[u + 1]!; p++) {
        const k = local[rows.cols[p]!]!;
        if (k >= 0) {
          seen.push(k);
          ratings.push(rows.vals[p]!);
        }
      }
      for (const a of seen) {
        const ra = a * n;
        for (const b of seen) gram[ra + b]! += 1;
      }
      userItems.push(seen);
      userRatings.push(ratings);
    }
    options.onProgress?.(0.2, { items: n });
    for (let k = 0; k < n; k++) gram[k * n + k]! += this.options.lambda;
    const inv = n > 0 ? spdInverse(gram, n) : new Float64Array(0);
    const weights = new Float32Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) weights[i * n + j] = i === j ? 0 : -inv[i * n + j]! / inv[j * n + j]!;
    }
    this.weights = weights;
    this.itemIds = chosen.map((j) => data.itemIds[j]!);
    this.itemIndex = indexOf(this.itemIds);
    this.userIds = [...data.userIds];
    this.userIndex = indexOf(this.userIds);
    this.userItems = userItems;
    this.userRatings = userRatings;
    options.onProgress?.(1, { items: n });
  }

  /** Number of items the model covers. */
  get size(): number {
    return this.itemIds.length;
  }

  score(query: ScoreQuery, items: readonly number[]): Float32Array {
    const out = new Float32Array(items.length).fill(NaN);
    const n = this.itemIds.length;
    let rated: ArrayLike<number>;
    let ratings: ArrayLike<number>;
    if (query.history.length > 0) {
      const hist = denseHistory(query.history, this.itemIndex);
      rated = hist.items;
      ratings = hist.ratings;
    } else {
      const u = this.userIndex.get(query.userId);
      if (u === undefined) return out;
      rated = this.userItems[u]!;
      ratings = this.userRatings[u]!;
    }
    if (rated.length === 0) return out;
    const acc = new Float32Array(n);
    const { likedThreshold, dislikedWeight } = this.options;
    for (let h = 0; h < rated.length; h++) {
      const row = rated[h]! * n;
      const w = ratings[h]! >= likedThreshold ? 1 : dislikedWeight;
      if (w === 0) continue;
      for (let c = 0; c < n; c++) acc[c]! += w * this.weights[row + c]!;
    }
    for (let t = 0; t < items.length; t++) {
      const k = this.itemIndex.get(items[t]!);
      if (k !== undefined) out[t] = acc[k]!;
    }
    return out;
  }

  save(): ScorerParams {
    return {
      kind: KIND,
      version: VERSION,
      data: {
        options: this.options,
        itemIds: encodeIds(this.itemIds),
        weights: encodeF32(this.weights),
        userIds: encodeIds(this.userIds),
        userOffsets: encodeI32(offsetsOf(this.userItems)),
        userItems: encodeI32(Int32Array.from(this.userItems.flat())),
        userRatings: encodeF32(Float32Array.from(this.userRatings.flat())),
      },
    };
  }

  load(params: ScorerParams): void {
    expectParams(params, KIND, VERSION);
    const d = params.data as { options: EaseOptions; itemIds: string; weights: string; userIds: string; userOffsets: string; userItems: string; userRatings: string };
    this.options = { ...DEFAULT_EASE_OPTIONS, ...d.options };
    this.itemIds = decodeIds(d.itemIds);
    this.itemIndex = indexOf(this.itemIds);
    this.weights = decodeF32(d.weights);
    this.userIds = decodeIds(d.userIds);
    this.userIndex = indexOf(this.userIds);
    const offsets = decodeI32(d.userOffsets);
    const flat = decodeI32(d.userItems);
    const flatRatings = decodeF32(d.userRatings);
    this.userItems = Array.from({ length: offsets.length - 1 }, (_, u) => Array.from(flat.subarray(offsets[u]!, offsets[u + 1]!)));
    this.userRatings = Array.from({ length: offsets.length - 1 }, (_, u) => Array.from(flatRatings.subarray(offsets[u]!, offsets[u + 1]!)));
  }
}

/** CSR offsets of a list of lists: [0, len0, len0+len1, ...]. */
function offsetsOf(lists: readonly (readonly number[])[]): Int32Array {
  const out = new Int32Array(lists.length + 1);
  lists.forEach((l, k) => (out[k + 1] = out[k]! + l.length));
  return out;
}
