/**
 * What may be proposed at all (hard filters from the user's preferences and the
 * never-re-propose rule), the small boost for liked actors, and the diversity
 * pass that keeps five picks from being five sequels. Filters run before
 * scoring so nothing is scored that could not be shown.
 */
import type { Movie, Preferences } from '../ports.js';
import { normaliseName } from './content/tfidf.js';

/**
 * A predicate for one user's hard filters. A movie whose field is unknown fails
 * a filter that is set on that field (an unknown language does not pass "French
 * only"; an unknown vote average does not pass "at least 7"), so a filter the user
 * set is never silently ignored. Unset filters pass everything.
 */
export function preferenceFilter(prefs: Preferences): (movie: Movie) => boolean {
  const languages = new Set(prefs.languages.map((l) => l.toLowerCase()));
  const avoid = new Set(prefs.avoidGenres.map((g) => g.toLowerCase()));
  const { minRating, minVotes, yearFrom, yearTo } = prefs;
  return (m) => {
    if (languages.size > 0 && (m.language === null || !languages.has(m.language.toLowerCase()))) return false;
    if (avoid.size > 0 && m.genres.some((g) => avoid.has(g.toLowerCase()))) return false;
    if (minRating !== null && (m.voteAverage === null || m.voteAverage < minRating)) return false;
    if (minVotes !== null && (m.voteCount === null || m.voteCount < minVotes)) return false;
    if (yearFrom !== null && (m.year === null || m.year < yearFrom)) return false;
    if (yearTo !== null && (m.year === null || m.year > yearTo)) return false;
    return true;
  };
}

/**
 * Ids of the movies that pass every member's filters and are in no exclusion set
 * (for one user: the request's exclude list, everything they rated, everything
 * they marked seen or not-for-me). Catalogue order, so results are deterministic.
 */
export function candidateIds(movies: readonly Movie[], preferences: readonly Preferences[], excluded: readonly ReadonlySet<number>[]): number[] {
  const filters = preferences.map(preferenceFilter);
  const out: number[] = [];
  for (const m of movies) {
    if (excluded.some((s) => s.has(m.id))) continue;
    if (filters.every((f) => f(m))) out.push(m.id);
  }
  return out;
}

/** Rating points added per liked actor or director in the cast, and the cap. */
export const ACTOR_BOOST = 0.25;
export const ACTOR_BOOST_CAP = 0.5;

/**
 * Liked actors (or directors) are a boost, not a filter: "I like Tom Hanks" should
 * lift his films, not hide everything else. Returns the boost in rating points
 * and the matched names as the movie lists them (for the explanation).
 */
export function actorBoost(movie: Movie, likedActors: readonly string[]): { boost: number; matched: string[] } {
  if (likedActors.length === 0) return { boost: 0, matched: [] };
  const liked = new Set(likedActors.map(normaliseName));
  const matched = [...movie.actors, ...movie.directors].filter((a) => liked.has(normaliseName(a)));
  const unique = [...new Set(matched.map((a) => a.trim()))];
  return { boost: Math.min(ACTOR_BOOST_CAP, ACTOR_BOOST * unique.length), matched: unique };
}

const ROMAN = /\s+(?:part\s+|chapter\s+|episode\s+|vol\.?\s+|volume\s+)?(?:[0-9]+|ii|iii|iv|v|vi|vii|viii|ix|x)$/;

/**
 * A franchise key from a title: lower-cased, leading article dropped, cut at the
 * first ':' or ' - ', trailing sequel numbers removed ("Toy Story 2" -> "toy
 * story", "The Godfather: Part II" -> "godfather", "Star Wars: Episode IV - A New
 * Hope" -> "star wars"). Crude on purpose; content similarity catches the rest.
 */
export function franchiseKey(title: string): string {
  let t = title.toLowerCase().trim();
  t = t.replace(/\s*\(.*\)\s*$/, '');
  t = t.split(/:|\s-\s/)[0]!.trim();
  t = t.replace(/^(the|a|an)\s+/, '');
  for (let i = 0; i < 2; i++) t = t.replace(ROMAN, '').trim();
  return t;
}

export interface DiversityOptions {
  /**
   * Rating points a candidate loses per unit of content similarity to the most
   * similar pick so far (default 0.3): a near-duplicate (similarity ~0.8) must be
   * about a quarter of a star better than a fresh alternative to be shown.
   */
  readonly penalty?: number;
  /** At most this many picks per director (default 2). */
  readonly maxPerDirector?: number;
  /** At most this many picks per franchise key (default 1). */
  readonly maxPerFranchise?: number;
  /**
   * Calibration (Steck 2018, "Calibrated recommendations"): the list's genre mix
   * is pulled towards `target` (a genre distribution, e.g. from the user's liked
   * movies) at a cost of `weight` stars per nat of KL(target || list mix).
   */
  readonly calibration?: { readonly target: ReadonlyMap<string, number>; readonly weight: number } | null;
}

/** Smoothing of the list's genre mix towards the target, so the KL stays finite (Steck's alpha). */
const CALIBRATION_ALPHA = 0.01;

/**
 * A genre distribution from weighted movies, each spreading its weight evenly
 * over its genres (Steck 2018); empty when no weight is positive.
 */
export function genreDistribution(weighted: readonly { readonly movie: Movie; readonly weight: number }[]): Map<string, number> {
  const out = new Map<string, number>();
  let total = 0;
  for (const { movie, weight } of weighted) {
    if (!(weight > 0) || movie.genres.length === 0) continue;
    for (const g of movie.genres) out.set(g, (out.get(g) ?? 0) + weight / movie.genres.length);
    total += weight;
  }
  for (const [g, v] of out) out.set(g, v / total);
  return out;
}

/** KL(target || smoothed list mix) when `add` joins a list whose genre weights sum to `listSum` over `size` movies. */
function calibrationLoss(target: ReadonlyMap<string, number>, listSum: ReadonlyMap<string, number>, size: number, add: Movie | undefined): number {
  let kl = 0;
  const count = size + 1;
  for (const [g, p] of target) {
    const extra = add && add.genres.includes(g) ? 1 / add.genres.length : 0;
    const q = ((listSum.get(g) ?? 0) + extra) / count;
    kl += p * Math.log(p / ((1 - CALIBRATION_ALPHA) * q + CALIBRATION_ALPHA * p));
  }
  return kl;
}

export interface Ranked {
  readonly id: number;
  readonly score: number;
}

/**
 * Picks `n` from a relevance-ranked pool by maximal marginal relevance
 * (Carbonell & Goldstein 1998): each step takes the candidate maximising
 * score - penalty * (highest content similarity to what is already picked)
 * [- calibration weight * KL(target genres || list genres with it)], in rating
 * points so the trade-off does not depend on how spread out the pool is, and
 * skips candidates past the director or franchise cap. When the caps leave
 * fewer than `n`, the skipped candidates fill the remaining slots in ranked order
 * (a short list would be worse than a second film by the same director).
 * Deterministic: ties keep pool order.
 */
export function diversify(
  pool: readonly Ranked[],
  n: number,
  similarity: (a: number, b: number) => number,
  movieOf: (id: number) => Movie | undefined,
  options: DiversityOptions = {},
): Ranked[] {
  const penalty = options.penalty ?? 0.3;
  const maxDir = options.maxPerDirector ?? 2;
  const maxFr = options.maxPerFranchise ?? 1;
  const calibration = options.calibration && options.calibration.target.size > 0 && options.calibration.weight > 0 ? options.calibration : null;
  const listGenres = new Map<string, number>();
  if (n <= 0 || pool.length === 0) return [];
  const maxSim = new Float64Array(pool.length);
  const taken = new Uint8Array(pool.length);
  const perDirector = new Map<string, number>();
  const perFranchise = new Map<string, number>();
  const picked: Ranked[] = [];
  const skipped: number[] = [];
  const keys = pool.map((p) => {
    const m = movieOf(p.id);
    return { movie: m, directors: (m?.directors ?? []).map(normaliseName), franchise: m ? franchiseKey(m.title) : `#${p.id}` };
  });
  while (picked.length < n) {
    let best = -1;
    let bestValue = -Infinity;
    for (let k = 0; k < pool.length; k++) {
      if (taken[k]) continue;
      let value = pool[k]!.score - penalty * maxSim[k]!;
      if (calibration) value -= calibration.weight * calibrationLoss(calibration.target, listGenres, picked.length, keys[k]!.movie);
      if (value > bestValue) {
        bestValue = value;
        best = k;
      }
    }
    if (best < 0) break;
    taken[best] = 1;
    const key = keys[best]!;
    const overCap =
      (perFranchise.get(key.franchise) ?? 0) >= maxFr || key.directors.some((d) => (perDirector.get(d) ?? 0) >= maxDir);
    if (overCap) {
      skipped.push(best);
      continue;
    }
    perFranchise.set(key.franchise, (perFranchise.get(key.franchise) ?? 0) + 1);
    for (const d of key.directors) perDirector.set(d, (perDirector.get(d) ?? 0) + 1);
    picked.push(pool[best]!);
    const m = key.movie;
    for (const g of m?.genres ?? []) listGenres.set(g, (listGenres.get(g) ?? 0) + 1 / m!.genres.length);
    for (let k = 0; k < pool.length; k++) {
      if (!taken[k]) maxSim[k] = Math.max(maxSim[k]!, similarity(pool[best]!.id, pool[k]!.id));
    }
  }
  for (const k of skipped.sort((a, b) => a - b)) {
    if (picked.length >= n) break;
    picked.push(pool[k]!);
  }
  return picked;
}
