/**
 * The hand-written priors that tie moods to movies, in one place so they can be
 * read, argued about and tested together:
 *
 * - GENRE_MOOD: the mood each MovieLens genre tends to evoke. It starts from the
 *   seed papers' table (joy -> Comedy, sadness -> Drama, anger -> Action,
 *   surprise -> Adventure, fear -> Horror, neutral -> Drama) read backwards, and
 *   extends it to every MovieLens genre (love -> Romance, fear -> Thriller, ...).
 *   It is the emotion profile of a movie the text model has not profiled, and
 *   half of every other movie's profile.
 * - LIFT: for the "lift my mood" strategy, where each felt mood should be moved
 *   to (mood-management theory, Zillmann 1988: people in bad moods seek content
 *   that repairs them): sadness -> joy/love/surprise (an uplifting comedy,
 *   something feel-good), fear -> reassurance (joy, love), anger -> amusement and
 *   warmth, neutral -> something engaging. Positive moods are kept.
 */
import { MOODS, toDistribution, type MoodDistribution, type MoodLabel } from '../../mood/mood-space.js';
import type { MoodStrategy } from '../../ports.js';

type Weights = Partial<Record<MoodLabel, number>>;

export const GENRE_MOOD: Readonly<Record<string, Weights>> = Object.freeze({
  Comedy: { joy: 0.75, surprise: 0.1, love: 0.1, neutral: 0.05 },
  Drama: { sadness: 0.45, neutral: 0.35, love: 0.1, anger: 0.05, fear: 0.05 },
  Action: { anger: 0.5, surprise: 0.25, fear: 0.15, joy: 0.1 },
  Adventure: { surprise: 0.55, joy: 0.3, fear: 0.15 },
  Horror: { fear: 0.85, surprise: 0.1, anger: 0.05 },
  Romance: { love: 0.8, joy: 0.15, sadness: 0.05 },
  Thriller: { fear: 0.5, surprise: 0.25, anger: 0.25 },
  Crime: { anger: 0.45, fear: 0.25, neutral: 0.15, sadness: 0.15 },
  Mystery: { surprise: 0.5, fear: 0.35, neutral: 0.15 },
  'Sci-Fi': { surprise: 0.6, fear: 0.2, neutral: 0.2 },
  Fantasy: { surprise: 0.5, joy: 0.35, love: 0.15 },
  Animation: { joy: 0.6, surprise: 0.25, love: 0.15 },
  Children: { joy: 0.7, love: 0.15, surprise: 0.15 },
  Musical: { joy: 0.6, love: 0.35, surprise: 0.05 },
  War: { sadness: 0.5, anger: 0.35, fear: 0.15 },
  Western: { anger: 0.4, neutral: 0.35, surprise: 0.25 },
  Documentary: { neutral: 0.85, surprise: 0.15 },
  'Film-Noir': { fear: 0.35, anger: 0.3, sadness: 0.35 },
});

export const LIFT: Readonly<Record<MoodLabel, Weights>> = Object.freeze({
  joy: { joy: 0.8, love: 0.1, surprise: 0.1 },
  love: { love: 0.7, joy: 0.3 },
  sadness: { joy: 0.55, love: 0.25, surprise: 0.2 },
  fear: { joy: 0.5, love: 0.3, surprise: 0.2 },
  anger: { joy: 0.5, love: 0.2, surprise: 0.2, neutral: 0.1 },
  surprise: { surprise: 0.6, joy: 0.4 },
  neutral: { joy: 0.4, surprise: 0.4, love: 0.2 },
});

/** Moods the lift strategy is meant for. */
export const NEGATIVE_MOODS: readonly MoodLabel[] = ['sadness', 'fear', 'anger'];

/** Probability mass on negative moods. */
export const negativeMass = (d: MoodDistribution): number => d.sadness + d.fear + d.anger;

/** True when the reading is mostly a negative mood (half the mass or more). */
export const isNegativeMood = (d: MoodDistribution): boolean => negativeMass(d) >= 0.5;

const genreCache = new Map<string, MoodDistribution>();

/** A movie's mood prior from its genres: the mean of the known genres' rows; neutral when none is known. */
export function genreMoodPrior(genres: readonly string[]): MoodDistribution {
  const key = genres.join('|');
  const cached = genreCache.get(key);
  if (cached) return cached;
  const sum: Record<MoodLabel, number> = { joy: 0, love: 0, sadness: 0, anger: 0, fear: 0, surprise: 0, neutral: 0 };
  let known = 0;
  for (const g of genres) {
    const row = GENRE_MOOD[g];
    if (!row) continue;
    known++;
    for (const m of MOODS) sum[m] += row[m] ?? 0;
  }
  const out = known === 0 ? toDistribution({ neutral: 1 }) : toDistribution(sum);
  genreCache.set(key, out);
  return out;
}

/**
 * The mood distribution a movie should have for this viewer: the felt mood
 * itself for "match", the felt mood pushed through LIFT for "lift".
 */
export function targetMood(felt: MoodDistribution, strategy: MoodStrategy): MoodDistribution {
  if (strategy === 'match') return felt;
  const out: Record<MoodLabel, number> = { joy: 0, love: 0, sadness: 0, anger: 0, fear: 0, surprise: 0, neutral: 0 };
  for (const from of MOODS) {
    const row = LIFT[from];
    for (const to of MOODS) out[to] += felt[from] * (row[to] ?? 0);
  }
  return toDistribution(out);
}

/** Bhattacharyya coefficient of two distributions: 1 when identical, 0 when disjoint. */
export function moodSimilarity(a: MoodDistribution, b: MoodDistribution): number {
  let s = 0;
  for (const m of MOODS) s += Math.sqrt(a[m] * b[m]);
  return s;
}
