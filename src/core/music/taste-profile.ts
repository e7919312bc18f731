/**
 * What a user's song ratings teach the picker.
 *
 * - Content profile (works from the first press): the weighted centroid of the
 *   standardised audio features of liked songs and of disliked songs, and a
 *   shrunk average rating per genre and subgenre. A candidate gains by being
 *   near the liked centroid and loses by being near the disliked one. This
 *   works for a single user with no one else around.
 * - Collaborative signal (once enough people rated): item-to-item cosine on
 *   "liked" (4-5 stars) co-occurrence: songs liked by the people who liked what
 *   you liked. Kept deliberately simple: it only ever adds a bounded bonus, so
 *   the mood region stays in charge.
 */
import type { TrackRatingRecord } from './ports.js';
import { FEATURE_DIMS, type TrackIndex } from './track-index.js';

/** -1 (not for me, 1 star) .. +1 (5 stars); 3 stars teaches nothing. */
export const ratingWeight = (r: Pick<TrackRatingRecord, 'value' | 'kind'>): number =>
  r.kind === 'not_for_me' || r.value === null ? -1 : Math.max(-1, Math.min(1, (r.value - 3) / 2));

/** A "like" for the collaborative signal. */
export const isLike = (r: Pick<TrackRatingRecord, 'value' | 'kind'>): boolean => r.kind === 'stars' && r.value !== null && r.value >= 4;

export interface TasteProfile {
  /** Indexes of every song the user rated (never proposed again). */
  readonly rated: ReadonlySet<number>;
  /** Indexes of the songs the user liked (4-5 stars). */
  readonly liked: readonly number[];
  readonly likedCentroid: Float32Array | null;
  /** 0..1: how much to trust the liked centroid (grows with the total positive weight). */
  readonly likedConfidence: number;
  readonly dislikedCentroid: Float32Array | null;
  readonly dislikedConfidence: number;
  /** -1..1 per genre code (shrunk toward 0 with few ratings). */
  readonly genre: Float32Array;
  readonly subgenre: Float32Array;
  readonly ratings: number;
}

/** Pseudo-count that pulls per-genre averages and centroid confidence toward "no opinion". */
export const PROFILE_SHRINK = 2;

export function buildProfile(ratings: readonly TrackRatingRecord[], index: TrackIndex): TasteProfile {
  const rated = new Set<number>();
  const liked: number[] = [];
  const pos = new Float64Array(FEATURE_DIMS);
  const neg = new Float64Array(FEATURE_DIMS);
  let wPos = 0;
  let wNeg = 0;
  const gSum = new Float64Array(index.genres.length);
  const gCount = new Float64Array(index.genres.length);
  const sSum = new Float64Array(index.subgenres.length);
  const sCount = new Float64Array(index.subgenres.length);
  for (const r of ratings) {
    const i = index.indexOf(r.trackId);
    if (i === undefined) continue;
    rated.add(i);
    if (isLike(r)) liked.push(i);
    const w = ratingWeight(r);
    const target = w > 0 ? pos : neg;
    for (let d = 0; d < FEATURE_DIMS; d++) target[d]! += Math.abs(w) * index.features[i * FEATURE_DIMS + d]!;
    if (w > 0) wPos += w;
    else wNeg -= w;
    gSum[index.genre[i]!]! += w;
    gCount[index.genre[i]!]!++;
    sSum[index.subgenre[i]!]! += w;
    sCount[index.subgenre[i]!]!++;
  }
  const centroid = (sum: Float64Array, w: number) => (w > 0 ? Float32Array.from(sum, (x) => x / w) : null);
  const shrunk = (sum: Float64Array, count: Float64Array) => Float32Array.from(sum, (x, k) => x / (count[k]! + PROFILE_SHRINK));
  return {
    rated,
    liked,
    likedCentroid: centroid(pos, wPos),
    likedConfidence: wPos / (wPos + PROFILE_SHRINK),
    dislikedCentroid: centroid(neg, wNeg),
    dislikedConfidence: wNeg / (wNeg + PROFILE_SHRINK),
    genre: shrunk(gSum, gCount),
    subgenre: shrunk(sSum, sCount),
    ratings: rated.size,
  };
}

/**
 * Kernel width of the content similarity exp(−mean squared feature difference / 2w²), in
 * standardised-feature units (computed in music-ranking.ts, inlined for speed).
 */
export const PROFILE_KERNEL_WIDTH = 0.7;

/**
 * Who liked what, kept in memory and updated on every press; the picker
 * rebuilds it from the store now and then so erased users drop out.
 */
export class CoLikeIndex {
  private readonly likesOf = new Map<number, Set<number>>();
  private readonly likersOf = new Map<number, Set<number>>();

  constructor(readonly minUsers: number) {}

  static from(ratings: readonly TrackRatingRecord[], index: TrackIndex, minUsers: number): CoLikeIndex {
    const out = new CoLikeIndex(minUsers);
    for (const r of ratings) out.record(r, index);
    return out;
  }

  /** Adds, or removes (a like changed to a lower rating), one rating. */
  record(r: TrackRatingRecord, index: TrackIndex): void {
    const i = index.indexOf(r.trackId);
    if (i === undefined) return;
    const mine = this.likesOf.get(r.userId) ?? new Set<number>();
    const likers = this.likersOf.get(i) ?? new Set<number>();
    if (isLike(r)) {
      mine.add(i);
      likers.add(r.userId);
    } else {
      mine.delete(i);
      likers.delete(r.userId);
    }
    if (mine.size) this.likesOf.set(r.userId, mine);
    else this.likesOf.delete(r.userId);
    if (likers.size) this.likersOf.set(i, likers);
    else this.likersOf.delete(i);
  }

  /** Users with at least one like. */
  get users(): number {
    return this.likesOf.size;
  }

  /**
   * Σ over the user's liked songs i of cos(i, j) = co-likes(i, j) / √(likes(i)·likes(j)),
   * for every other song j; empty until `minUsers` people have liked something.
   */
  scores(userId: number, liked: readonly number[]): Map<number, number> {
    const out = new Map<number, number>();
    if (this.users < this.minUsers || liked.length === 0) return out;
    const co = new Map<number, number>();
    const mine = new Set(liked);
    for (const i of liked) {
      const likersOfI = this.likersOf.get(i);
      if (!likersOfI) continue;
      co.clear();
      for (const other of likersOfI) {
        if (other === userId) continue;
        for (const j of this.likesOf.get(other) ?? []) if (!mine.has(j)) co.set(j, (co.get(j) ?? 0) + 1);
      }
      for (const [j, c] of co) {
        const cos = c / Math.sqrt(likersOfI.size * (this.likersOf.get(j)?.size ?? 1));
        out.set(j, (out.get(j) ?? 0) + cos);
      }
    }
    return out;
  }
}
