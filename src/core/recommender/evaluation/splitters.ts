/**
 * Train/test splits for offline evaluation and model promotion. All are
 * deterministic: the random one takes a seed, the temporal ones break
 * timestamp ties by item then user id.
 */
import type { Interaction } from '../dataset.js';
import { mulberry32, permutation } from '../scorers/random.js';

export interface Split {
  readonly train: Interaction[];
  readonly test: Interaction[];
}

const byTime = (a: Interaction, b: Interaction) => a.timestamp - b.timestamp || a.item - b.item || a.user - b.user;

/** A uniformly random `testFraction` of ratings goes to test (for RMSE and MAE). */
export function randomSplit(rows: readonly Interaction[], testFraction: number, seed: number): Split {
  const perm = permutation(rows.length, mulberry32(seed));
  const nTest = Math.round(rows.length * testFraction);
  const isTest = new Uint8Array(rows.length);
  for (let k = 0; k < nTest; k++) isTest[perm[k]!] = 1;
  const train: Interaction[] = [];
  const test: Interaction[] = [];
  rows.forEach((row, k) => (isTest[k] ? test : train).push(row));
  return { train, test };
}

/**
 * Each user's newest `testFraction` of ratings (rounded, at least one, and at
 * least one left for training) goes to test: "given what you rated so far,
 * what will you rate next" (for the top-N metrics). Users with a single
 * rating stay wholly in train.
 */
export function temporalUserSplit(rows: readonly Interaction[], testFraction: number): Split {
  const byUser = new Map<number, Interaction[]>();
  for (const row of rows) {
    let list = byUser.get(row.user);
    if (list === undefined) byUser.set(row.user, (list = []));
    list.push(row);
  }
  const train: Interaction[] = [];
  const test: Interaction[] = [];
  for (const list of byUser.values()) {
    list.sort(byTime);
    const nTest = list.length < 2 ? 0 : Math.min(list.length - 1, Math.max(1, Math.round(list.length * testFraction)));
    const cut = list.length - nTest;
    for (let k = 0; k < list.length; k++) (k < cut ? train : test).push(list[k]!);
  }
  return { train, test };
}

/**
 * The newest `fraction` of all ratings by time goes to test: what a model
 * trained on the past predicts about the most recent ratings. Model promotion
 * uses this hold-out, cut before training.
 */
export function recentHoldout(rows: readonly Interaction[], fraction: number): Split {
  const sorted = [...rows].sort(byTime);
  const cut = sorted.length - Math.round(sorted.length * fraction);
  return { train: sorted.slice(0, cut), test: sorted.slice(cut) };
}
