/**
 * Classification figures shared by the trainer (model selection on val) and the
 * evaluation script, so both report the same numbers the same way.
 */

/** confusion[truth][predicted] counts. */
export function confusionMatrix(truth: readonly number[], predicted: readonly number[], classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  truth.forEach((t, i) => {
    const p = predicted[i]!;
    if (t >= 0 && t < classes && p >= 0 && p < classes) m[t]![p]! += 1;
  });
  return m;
}

export function accuracy(truth: readonly number[], predicted: readonly number[]): number {
  if (truth.length === 0) return 0;
  let ok = 0;
  truth.forEach((t, i) => {
    if (t === predicted[i]) ok++;
  });
  return ok / truth.length;
}

/** Per-class F1 (a class never predicted nor present scores 0) for each of `classes` ids. */
export function perClassF1(truth: readonly number[], predicted: readonly number[], classes: number): number[] {
  const tp = new Array<number>(classes).fill(0);
  const fp = new Array<number>(classes).fill(0);
  const fn = new Array<number>(classes).fill(0);
  truth.forEach((t, i) => {
    const p = predicted[i]!;
    if (t === p) tp[t]!++;
    else {
      if (p >= 0 && p < classes) fp[p]!++;
      if (t >= 0 && t < classes) fn[t]!++;
    }
  });
  return tp.map((x, c) => (x === 0 ? 0 : (2 * x) / (2 * x + fp[c]! + fn[c]!)));
}

/**
 * Macro-F1 over the classes present in `truth` (so a label set with an extra class
 * such as neutral, never present in the file, does not drag the mean down).
 */
export function macroF1(truth: readonly number[], predicted: readonly number[], classes: number): number {
  const present = new Set(truth);
  const f1 = perClassF1(truth, predicted, classes).filter((_, c) => present.has(c));
  return f1.length ? f1.reduce((a, b) => a + b, 0) / f1.length : 0;
}

/** Mean recall over the classes present in `truth` (balanced accuracy): each class counts the same. */
export function balancedAccuracy(truth: readonly number[], predicted: readonly number[]): number {
  const total = new Map<number, number>();
  const right = new Map<number, number>();
  truth.forEach((t, i) => {
    total.set(t, (total.get(t) ?? 0) + 1);
    if (predicted[i] === t) right.set(t, (right.get(t) ?? 0) + 1);
  });
  let sum = 0;
  for (const [c, n] of total) sum += (right.get(c) ?? 0) / n;
  return total.size ? sum / total.size : 0;
}

export const argmax = (values: ArrayLike<number>): number => {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
};

/** The q-quantile (0..1) of numbers, by nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
