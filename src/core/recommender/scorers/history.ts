/**
 * Maps a query's history (external item ids) onto a trained model's dense item
 * indices. Items the model never saw are dropped (they cannot inform it);
 * a repeated item keeps its last rating, as the app's newest rating wins.
 */
import type { HistoryEntry } from '../scorer.js';

export interface DenseHistory {
  readonly items: Int32Array;
  readonly ratings: Float32Array;
}

export function denseHistory(history: readonly HistoryEntry[], itemIndex: ReadonlyMap<number, number>): DenseHistory {
  const seen = new Map<number, number>();
  for (const entry of history) {
    const idx = itemIndex.get(entry.item);
    if (idx !== undefined && Number.isFinite(entry.rating)) seen.set(idx, entry.rating);
  }
  const items = new Int32Array(seen.size);
  const ratings = new Float32Array(seen.size);
  let k = 0;
  for (const [idx, rating] of seen) {
    items[k] = idx;
    ratings[k++] = rating;
  }
  return { items, ratings };
}

/** Builds the external-id -> dense-index map a loaded model needs. */
export function indexOf(ids: ArrayLike<number>): Map<number, number> {
  const map = new Map<number, number>();
  for (let k = 0; k < ids.length; k++) map.set(ids[k]!, k);
  return map;
}
