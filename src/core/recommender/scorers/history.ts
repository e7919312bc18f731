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

const positions = new WeakMap<readonly number[], WeakMap<ReadonlyMap<number, number>, Int32Array>>();

/**
 * Each item's dense index in `index` (-1 where it has none). Scoring a catalogue of
 * ten thousand movies spends much of its time on these Map lookups, and the serving
 * path scores the same candidate array again and again, so for a frozen `items`
 * array (frozen = the caller promises it never changes) the result is kept per
 * (items, index) pair, and dropped with either of them.
 */
export function positionsOf(index: ReadonlyMap<number, number>, items: readonly number[]): Int32Array {
  const frozen = Object.isFrozen(items);
  const known = frozen ? positions.get(items)?.get(index) : undefined;
  if (known) return known;
  const out = new Int32Array(items.length);
  for (let k = 0; k < items.length; k++) out[k] = index.get(items[k]!) ?? -1;
  if (frozen) {
    let byIndex = positions.get(items);
    if (!byIndex) positions.set(items, (byIndex = new WeakMap()));
    byIndex.set(index, out);
  }
  return out;
}
