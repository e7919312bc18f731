/**
 * Accuracy and top-N metrics, as pure functions over plain arrays so they can
 * be checked by hand on tiny examples. Definitions follow lkpy / the usual
 * literature; where there are variants the choice is stated on the function.
 */

/** Root mean squared error over pairs where both values are finite; NaN when none. */
export function rmse(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let k = 0; k < predicted.length; k++) {
    const e = predicted[k]! - actual[k]!;
    if (Number.isFinite(e)) {
      sum += e * e;
      n++;
    }
  }
  return n > 0 ? Math.sqrt(sum / n) : NaN;
}

/** Mean absolute error over pairs where both values are finite; NaN when none. */
export function mae(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let k = 0; k < predicted.length; k++) {
    const e = predicted[k]! - actual[k]!;
    if (Number.isFinite(e)) {
      sum += Math.abs(e);
      n++;
    }
  }
  return n > 0 ? sum / n : NaN;
}

/**
 * NDCG@k with binary gains: DCG = sum over hits at rank r (1-based) of
 * 1/log2(r+1), divided by the DCG of an ideal list holding min(|relevant|, k)
 * hits. 0 when nothing relevant is recommended; NaN when `relevant` is empty
 * (the user cannot be scored and is left out of averages).
 */
export function ndcgAtK(ranked: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  if (relevant.size === 0) return NaN;
  let dcg = 0;
  const n = Math.min(k, ranked.length);
  for (let r = 0; r < n; r++) if (relevant.has(ranked[r]!)) dcg += 1 / Math.log2(r + 2);
  let ideal = 0;
  for (let r = 0; r < Math.min(k, relevant.size); r++) ideal += 1 / Math.log2(r + 2);
  return dcg / ideal;
}

/** Recall@k = hits in the top k / |relevant| (the textbook form, not capped at k); NaN when `relevant` is empty. */
export function recallAtK(ranked: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  if (relevant.size === 0) return NaN;
  let hits = 0;
  const n = Math.min(k, ranked.length);
  for (let r = 0; r < n; r++) if (relevant.has(ranked[r]!)) hits++;
  return hits / relevant.size;
}

/**
 * Average precision at k: mean of precision@r over the ranks r <= k that hold
 * a hit, divided by min(|relevant|, k) so a perfect list scores 1; NaN when
 * `relevant` is empty. MAP@k is its mean over users.
 */
export function averagePrecisionAtK(ranked: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  if (relevant.size === 0) return NaN;
  let hits = 0;
  let sum = 0;
  const n = Math.min(k, ranked.length);
  for (let r = 0; r < n; r++) {
    if (relevant.has(ranked[r]!)) {
      hits++;
      sum += hits / (r + 1);
    }
  }
  return sum / Math.min(relevant.size, k);
}

/** Catalogue coverage: distinct items recommended to anyone / catalogue size. */
export function catalogueCoverage(lists: readonly ArrayLike<number>[], catalogueSize: number): number {
  const seen = new Set<number>();
  for (const list of lists) for (let r = 0; r < list.length; r++) seen.add(list[r]!);
  return catalogueSize > 0 ? seen.size / catalogueSize : NaN;
}

/**
 * Novelty: mean self-information of recommended items, -log2(share of users
 * who rated the item in training), averaged over every slot of every list
 * (Zhou et al. 2010). Higher = less obvious picks. An item no one rated counts
 * as rated by one user, so the value stays finite.
 */
export function novelty(lists: readonly ArrayLike<number>[], raters: ReadonlyMap<number, number>, nUsers: number): number {
  let sum = 0;
  let n = 0;
  for (const list of lists) {
    for (let r = 0; r < list.length; r++) {
      const c = Math.max(1, raters.get(list[r]!) ?? 0);
      sum += -Math.log2(c / nUsers);
      n++;
    }
  }
  return n > 0 ? sum / n : NaN;
}

/** Mean of the finite values; NaN when none (users without relevant items drop out here). */
export function meanFinite(values: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let k = 0; k < values.length; k++) {
    if (Number.isFinite(values[k]!)) {
      sum += values[k]!;
      n++;
    }
  }
  return n > 0 ? sum / n : NaN;
}
