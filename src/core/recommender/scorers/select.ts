/**
 * Partial selection helpers: top-N without sorting whole score arrays, which
 * matters when ranking ~10k items per request or trimming neighbour lists.
 */

/**
 * Indices of the `n` largest finite values of `scores`, best first; ties go to
 * the lower index so results are deterministic. NaN (no score) never ranks.
 */
export function topN(scores: ArrayLike<number>, n: number, skip?: (index: number) => boolean): Int32Array {
  if (n <= 0) return new Int32Array(0);
  // A min-heap of size n over (score, index): O(m log n), no full sort.
  const heapS = new Float64Array(n);
  const heapI = new Int32Array(n);
  let size = 0;
  const worse = (sa: number, ia: number, sb: number, ib: number) => sa < sb || (sa === sb && ia > ib);
  const siftDown = (pos: number) => {
    for (;;) {
      const l = 2 * pos + 1;
      const r = l + 1;
      let m = pos;
      if (l < size && worse(heapS[l]!, heapI[l]!, heapS[m]!, heapI[m]!)) m = l;
      if (r < size && worse(heapS[r]!, heapI[r]!, heapS[m]!, heapI[m]!)) m = r;
      if (m === pos) return;
      const ts = heapS[pos]!;
      const ti = heapI[pos]!;
      heapS[pos] = heapS[m]!;
      heapI[pos] = heapI[m]!;
      heapS[m] = ts;
      heapI[m] = ti;
      pos = m;
    }
  };
  for (let k = 0; k < scores.length; k++) {
    const s = scores[k]!;
    if (!(s === s) || (skip !== undefined && skip(k))) continue;
    if (size < n) {
      let pos = size++;
      heapS[pos] = s;
      heapI[pos] = k;
      while (pos > 0) {
        const parent = (pos - 1) >> 1;
        if (!worse(heapS[pos]!, heapI[pos]!, heapS[parent]!, heapI[parent]!)) break;
        const ts = heapS[pos]!;
        const ti = heapI[pos]!;
        heapS[pos] = heapS[parent]!;
        heapI[pos] = heapI[parent]!;
        heapS[parent] = ts;
        heapI[parent] = ti;
        pos = parent;
      }
    } else if (worse(heapS[0]!, heapI[0]!, s, k)) {
      heapS[0] = s;
      heapI[0] = k;
      siftDown(0);
    }
  }
  const order = Array.from({ length: size }, (_, k) => k);
  order.sort((a, b) => heapS[b]! - heapS[a]! || heapI[a]! - heapI[b]!);
  return Int32Array.from(order, (k) => heapI[k]!);
}

/** The k-th largest of `values[0..n)` (1-based k), by quickselect on a scratch copy. */
export function kthLargest(values: Float32Array, n: number, k: number): number {
  const a = values.slice(0, n);
  let lo = 0;
  let hi = n - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! > pivot) i++;
      while (a[j]! < pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target]!;
  }
  return a[target]!;
}
