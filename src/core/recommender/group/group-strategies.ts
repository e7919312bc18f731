/**
 * Social-choice aggregation for watch parties (Masthoff, "Group Recommender
 * Systems", Recommender Systems Handbook 2011/2015): given each member's predicted
 * score for each candidate, rank the candidates for the group.
 *
 * - average: the mean of the members' scores (good on average, may leave someone miserable);
 * - least_misery: the lowest member score (nobody hates it; may be bland);
 * - average_without_misery (default): the mean, after vetoing every candidate
 *   some member is predicted to score below the veto threshold (default 2.5);
 * - borda: each member gives a candidate one point per candidate they rank below
 *   it (tied candidates share points evenly); points add up.
 *
 * Candidates any member has seen, rated, or dismissed are dropped before
 * aggregation (pass them as `excluded`), as are candidates some member cannot be
 * scored for (NaN): without that member's score no strategy can vouch for them.
 */
import type { GroupStrategy } from '../../ports.js';

export const DEFAULT_GROUP_STRATEGY: GroupStrategy = 'average_without_misery';
export const DEFAULT_VETO_THRESHOLD = 2.5;

export interface GroupScores {
  /** Candidate ids. */
  readonly items: readonly number[];
  /** One array per member, aligned with `items`: predicted 0.5..5 scores. */
  readonly memberScores: readonly Float32Array[];
}

export interface GroupAggregateOptions {
  readonly strategy?: GroupStrategy;
  /** Veto threshold for average_without_misery, on the 0.5..5 scale. */
  readonly vetoThreshold?: number;
  /** Per member: ids to drop (seen, rated, dismissed). */
  readonly excluded?: readonly ReadonlySet<number>[];
}

export interface GroupRanked {
  readonly item: number;
  /**
   * The value ranked by: the mean (average, average_without_misery), the minimum
   * (least_misery), or Borda points divided by their maximum, members x (candidates - 1),
   * so 0..1 (borda).
   */
  readonly score: number;
  /** Each member's predicted score, in member order. */
  readonly memberScores: readonly number[];
}

/** Ranks the candidates for the group, best first; ties broken by lower id. */
export function aggregateGroup(input: GroupScores, options: GroupAggregateOptions = {}): GroupRanked[] {
  const strategy = options.strategy ?? DEFAULT_GROUP_STRATEGY;
  const veto = options.vetoThreshold ?? DEFAULT_VETO_THRESHOLD;
  const members = input.memberScores.length;
  if (members === 0) return [];
  const excluded = options.excluded ?? [];

  const keep: number[] = [];
  for (let k = 0; k < input.items.length; k++) {
    const id = input.items[k]!;
    if (excluded.some((s) => s.has(id))) continue;
    if (input.memberScores.some((s) => Number.isNaN(s[k]))) continue;
    keep.push(k);
  }
  const scoresAt = (k: number) => input.memberScores.map((s) => s[k]!);

  let ranked: GroupRanked[];
  switch (strategy) {
    case 'average':
    case 'average_without_misery': {
      const vetoing = strategy === 'average_without_misery';
      ranked = keep
        .map((k) => ({ k, ms: scoresAt(k) }))
        .filter(({ ms }) => !vetoing || ms.every((s) => s >= veto))
        .map(({ k, ms }) => ({ item: input.items[k]!, score: ms.reduce((a, b) => a + b, 0) / members, memberScores: ms }));
      break;
    }
    case 'least_misery':
      ranked = keep.map((k) => {
        const ms = scoresAt(k);
        return { item: input.items[k]!, score: Math.min(...ms), memberScores: ms };
      });
      break;
    case 'borda': {
      const points = new Float64Array(keep.length);
      for (const s of input.memberScores) {
        const order = keep.map((k, j) => ({ j, v: s[k]! })).sort((a, b) => a.v - b.v);
        // Ascending: a candidate earns one point per candidate below it; a tie of size t at
        // positions p..p+t-1 shares the points evenly, each getting p + (t - 1) / 2.
        for (let p = 0; p < order.length; ) {
          let q = p;
          while (q + 1 < order.length && order[q + 1]!.v === order[p]!.v) q++;
          const shared = (p + q) / 2;
          for (let r = p; r <= q; r++) points[order[r]!.j]! += shared;
          p = q + 1;
        }
      }
      const maxPoints = members * Math.max(1, keep.length - 1);
      ranked = keep.map((k, j) => ({ item: input.items[k]!, score: points[j]! / maxPoints, memberScores: scoresAt(k) }));
      break;
    }
  }
  return ranked.sort((a, b) => b.score - a.score || a.item - b.item);
}
