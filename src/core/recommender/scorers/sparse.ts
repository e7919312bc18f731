/**
 * Compressed sparse rows over a Dataset's dense indices. Scorers that walk a
 * user's ratings or an item's raters (bias, item-kNN, fold-in) share these so
 * no one rebuilds the grouping by hand.
 */
import type { Dataset } from '../dataset.js';

/** Rows `offsets[r]..offsets[r+1]` of `cols`/`vals`; `rows[k]` is the source rating index. */
export interface Csr {
  readonly nRows: number;
  readonly offsets: Int32Array<ArrayBuffer>;
  readonly cols: Int32Array<ArrayBuffer>;
  readonly vals: Float32Array<ArrayBuffer>;
}

function build(nRows: number, rowOf: Int32Array, colOf: Int32Array, vals: ArrayLike<number>): Csr {
  const n = rowOf.length;
  const offsets = new Int32Array(nRows + 1);
  for (let k = 0; k < n; k++) offsets[rowOf[k]! + 1]!++;
  for (let r = 0; r < nRows; r++) offsets[r + 1]! += offsets[r]!;
  const fill = offsets.slice(0, nRows);
  const cols = new Int32Array(n);
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const pos = fill[rowOf[k]!]!++;
    cols[pos] = colOf[k]!;
    out[pos] = vals[k]!;
  }
  return { nRows, offsets, cols, vals: out };
}

/** Users as rows, item indices as columns, ratings (or `values`) as values. */
export function userCsr(data: Dataset, values: ArrayLike<number> = data.r): Csr {
  return build(data.userIds.length, data.u, data.i, values);
}

/** Items as rows, user indices as columns, ratings (or `values`) as values. */
export function itemCsr(data: Dataset, values: ArrayLike<number> = data.r): Csr {
  return build(data.itemIds.length, data.i, data.u, values);
}

/** Ratings per item (dense index), as the popularity signal several scorers share. */
export function itemCounts(data: Dataset): Int32Array {
  const counts = new Int32Array(data.itemIds.length);
  for (let k = 0; k < data.i.length; k++) counts[data.i[k]!]!++;
  return counts;
}
