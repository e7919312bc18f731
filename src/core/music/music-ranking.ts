/**
 * Scoring and picking songs along a path of target regions.
 *
 * score(song, position k) = fit to target k (Gaussian log-density, −½·d²)
 *                         + popularity prior + content profile + genre taste + collaborative bonus
 *                         − a small penalty per earlier pick of the same genre.
 *
 * Picks are chosen greedily, position by position, never the same artist twice
 * and never an excluded song (rated, or shown in the last lists). Ties go to
 * the more popular song, then to the smaller index (the index is sorted by
 * track id), so the same inputs always give the same list.
 *
 * Speed: the catalogue is bucketed in a grid over the plane. Every part of the
 * score except the fit is at most `upperBound` (the largest base score), so a cell whose nearest corner
 * is d² away cannot hold a song scoring above upperBound − ½·d². The search
 * scans the cells within one spread first, then only the cells that could
 * still beat the best song found. The result is exactly the exhaustive one
 * (rankExhaustive, kept as the reference the tests compare against).
 */
import type { Region } from './mood-regions.js';
import { FEATURE_DIMS, GRID, type TrackIndex } from './track-index.js';
import { PROFILE_KERNEL_WIDTH, type TasteProfile } from './taste-profile.js';

/**
 * How much each signal counts, in units of the fit term (a song one spread
 * off-centre on one axis scores −0.5). Tuned with scripts/eval-music.ts: the
 * popularity prior lets a well-known song win over an obscure one that fits
 * the mood only marginally better; personal signals can move the list within
 * and around the region but not out of it.
 */
export const MUSIC_WEIGHTS = {
  popularity: 0.3,
  content: 0.8,
  genre: 0.6,
  subgenre: 0.3,
  collaborative: 0.5,
  genreRepeat: 0.25,
} as const satisfies Record<string, number>;

export type MusicWeights = { readonly [K in keyof typeof MUSIC_WEIGHTS]: number };

export interface RankedTrack {
  readonly index: number;
  /** 0-based place in the list. */
  readonly position: number;
  readonly target: Region;
  /** Squared Mahalanobis distance to the target centre. */
  readonly distance2: number;
  readonly score: number;
}

/**
 * The part of the score that does not depend on the target: popularity, and,
 * when a profile is given, content, genre and collaborative signals. One tight
 * pass over the catalogue per request; its maximum bounds every song's score,
 * which is what lets the ranking skip most of the plane.
 */
export class BaseScores {
  readonly values: Float32Array;
  /** No song's base score exceeds this. */
  readonly upperBound: number;

  constructor(index: TrackIndex, profile: TasteProfile | null, collaborative: ReadonlyMap<number, number> | null, weights: MusicWeights = MUSIC_WEIGHTS) {
    const n = index.size;
    const out = new Float32Array(n);
    const pop = index.popularity;
    for (let i = 0; i < n; i++) out[i] = weights.popularity * pop[i]!;
    if (profile) {
      const genreBonus = profile.genre.map((g) => weights.genre * g);
      const subgenreBonus = profile.subgenre.map((g) => weights.subgenre * g);
      const { genre, subgenre, features } = index;
      for (let i = 0; i < n; i++) out[i]! += genreBonus[genre[i]!]! + subgenreBonus[subgenre[i]!]!;
      const scale = -1 / (FEATURE_DIMS * 2 * PROFILE_KERNEL_WIDTH * PROFILE_KERNEL_WIDTH);
      if (profile.likedCentroid) addKernel(out, features, profile.likedCentroid, weights.content * profile.likedConfidence, scale);
      if (profile.dislikedCentroid) addKernel(out, features, profile.dislikedCentroid, -weights.content * profile.dislikedConfidence, scale);
    }
    if (collaborative) for (const [i, c] of collaborative) out[i]! += weights.collaborative * Math.min(1, c);
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (out[i]! > max) max = out[i]!;
    this.values = out;
    this.upperBound = max;
  }
}

/**
 * out[i] += weight · exp(−mean squared feature difference to the centroid / 2w²),
 * unrolled for the six features, as it runs over the whole catalogue on every
 * request of a user with ratings.
 */
function addKernel(out: Float32Array, features: Float32Array, centroid: Float32Array, weight: number, scale: number): void {
  if (FEATURE_DIMS !== 6) throw new Error('addKernel is unrolled for 6 features');
  const [c0, c1, c2, c3, c4, c5] = centroid as unknown as [number, number, number, number, number, number];
  const n = out.length;
  for (let i = 0, b = 0; i < n; i++, b += 6) {
    const d0 = features[b]! - c0;
    const d1 = features[b + 1]! - c1;
    const d2 = features[b + 2]! - c2;
    const d3 = features[b + 3]! - c3;
    const d4 = features[b + 4]! - c4;
    const d5 = features[b + 5]! - c5;
    out[i]! += weight * Math.exp((d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3 + d4 * d4 + d5 * d5) * scale);
  }
}

/** Shared state of one ranking: what is taken, and the tie rule. */
class Selection {
  readonly blocked: Uint8Array;
  readonly artistUsed: Uint8Array;
  readonly genreUsed: Int32Array;
  best = -1;
  bestScore = -Infinity;
  bestD2 = 0;

  constructor(private readonly index: TrackIndex, exclude: ReadonlySet<number>) {
    this.blocked = new Uint8Array(index.size);
    for (const i of exclude) if (i >= 0 && i < index.size) this.blocked[i] = 1;
    this.artistUsed = new Uint8Array(index.artistCount);
    this.genreUsed = new Int32Array(index.genres.length);
  }

  /** Offers song i at (already computed) score s; keeps it if it wins under the tie rule. */
  offer(i: number, s: number, d2: number): void {
    if (s < this.bestScore) return;
    const { popularity } = this.index;
    if (s === this.bestScore && this.best >= 0) {
      const p = popularity[i]!;
      const q = popularity[this.best]!;
      if (p < q || (p === q && i > this.best)) return;
    }
    if (this.blocked[i] || this.artistUsed[this.index.artist[i]!]) return;
    this.best = i;
    this.bestScore = s;
    this.bestD2 = d2;
  }

  take(position: number, target: Region, out: RankedTrack[]): void {
    const i = this.best;
    if (i >= 0) {
      this.blocked[i] = 1;
      this.artistUsed[this.index.artist[i]!] = 1;
      this.genreUsed[this.index.genre[i]!]!++;
      out.push({ index: i, position, target, distance2: this.bestD2, score: this.bestScore });
    }
    this.best = -1;
    this.bestScore = -Infinity;
    this.bestD2 = 0;
  }
}

const EDGE = 1e-6;

/** Picks one song per target region (see the module comment). */
export function rankAlongPath(
  index: TrackIndex,
  path: readonly Region[],
  base: BaseScores,
  exclude: ReadonlySet<number>,
  weights: MusicWeights = MUSIC_WEIGHTS,
): RankedTrack[] {
  const sel = new Selection(index, exclude);
  const { grid } = index;
  const cells = GRID * GRID;
  const cellD2 = new Float64Array(cells);
  const visited = new Uint8Array(cells);
  const out: RankedTrack[] = [];
  const { valence, arousal, genre } = index;
  const { values } = base;
  const { genreUsed } = sel;
  const repeat = weights.genreRepeat;
  path.forEach((target, position) => {
    const iv = 1 / target.spread.valence;
    const ia = 1 / target.spread.arousal;
    const cv0 = target.centre.valence;
    const ca0 = target.centre.arousal;
    // Nearest point of each cell to the target; cells widened by a hair so rounding in the
    // cell assignment can never make a song nearer than its cell claims.
    for (let cv = 0; cv < GRID; cv++) {
      const lo = grid.valenceMin + cv * grid.valenceStep - EDGE;
      const hi = lo + grid.valenceStep + 2 * EDGE;
      const dv = (cv0 < lo ? lo - cv0 : cv0 > hi ? cv0 - hi : 0) * iv;
      for (let ca = 0; ca < GRID; ca++) {
        const alo = grid.arousalMin + ca * grid.arousalStep - EDGE;
        const ahi = alo + grid.arousalStep + 2 * EDGE;
        const da = (ca0 < alo ? alo - ca0 : ca0 > ahi ? ca0 - ahi : 0) * ia;
        cellD2[cv * GRID + ca] = dv * dv + da * da;
      }
    }
    visited.fill(0);
    const scan = (limit: number) => {
      for (let cell = 0; cell < cells; cell++) {
        if (visited[cell] || cellD2[cell]! > limit) continue;
        visited[cell] = 1;
        for (let k = grid.cellStart[cell]!; k < grid.cellStart[cell + 1]!; k++) {
          const i = grid.cellTracks[k]!;
          const dv = (valence[i]! - cv0) * iv;
          const da = (arousal[i]! - ca0) * ia;
          const d2 = dv * dv + da * da;
          sel.offer(i, values[i]! - 0.5 * d2 - repeat * genreUsed[genre[i]!]!, d2);
        }
      }
    };
    scan(1);
    // Any song left out scores at most upperBound − ½·cellD2; look where that can still win or tie.
    const limit = sel.best < 0 ? Infinity : 2 * (base.upperBound - sel.bestScore);
    if (limit > 1) scan(limit);
    sel.take(position, target, out);
  });
  return out;
}

/** The same ranking by scanning every song for every position: the reference for tests. */
export function rankExhaustive(
  index: TrackIndex,
  path: readonly Region[],
  base: BaseScores,
  exclude: ReadonlySet<number>,
  weights: MusicWeights = MUSIC_WEIGHTS,
): RankedTrack[] {
  const sel = new Selection(index, exclude);
  const out: RankedTrack[] = [];
  path.forEach((target, position) => {
    const iv = 1 / target.spread.valence;
    const ia = 1 / target.spread.arousal;
    for (let i = 0; i < index.size; i++) {
      const dv = (index.valence[i]! - target.centre.valence) * iv;
      const da = (index.arousal[i]! - target.centre.arousal) * ia;
      const d2 = dv * dv + da * da;
      sel.offer(i, base.values[i]! - 0.5 * d2 - weights.genreRepeat * sel.genreUsed[index.genre[i]!]!, d2);
    }
    sel.take(position, target, out);
  });
  return out;
}
