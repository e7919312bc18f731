/**
 * One line per pick saying why it was chosen, from the personal factor that
 * contributed most to its score: a liked movie close in content ("because you
 * loved Amélie"), people who liked what you liked ("popular with people who like
 * Heat"), the mood ("a lift for a sad mood: warm comedy"), a stated preference
 * ("matches your liking for Tom Hanks"). Plain quality ("a crowd favourite") is
 * the answer only when no personal factor adds at least 0.05 stars: it lifts
 * nearly every top pick, so it would otherwise explain them all.
 * Deterministic: the same evidence always gives the same sentence.
 */
import type { Dataset } from './dataset.js';
import type { GroupStrategy, Movie, MoodStrategy } from '../ports.js';
import type { MoodDistribution, MoodLabel } from '../mood/mood-space.js';
import { GENRE_MOOD, isNegativeMood, moodSimilarity } from './mood/mood-prior.js';
import { toDistribution } from '../mood/mood-space.js';

/** Contributions to a pick's score, in rating points (the hybrid's breakdown plus boosts). */
export interface Contributions {
  readonly cf: number;
  readonly content: number;
  readonly mood: number;
  readonly popularity: number;
  /** Baseline minus the mean baseline of the candidates: how much better than the alternatives the movie is rated. */
  readonly quality: number;
  /** Stated preferences: the liked genres/actors term plus the liked-actor boost. */
  readonly preference: number;
}

export interface PickEvidence {
  readonly movie: Movie;
  readonly contributions: Contributions;
  /** The liked movie nearest in content space, with the user's rating of it. */
  readonly nearestContent: { readonly movie: Movie; readonly similarity: number; readonly rating: number } | null;
  /** The liked movie most often liked together with the pick by other users. */
  readonly nearestCoLiked: { readonly movie: Movie; readonly strength: number } | null;
  readonly mood: {
    readonly felt: MoodDistribution;
    readonly label: MoodLabel;
    readonly strategy: MoodStrategy;
    readonly target: MoodDistribution;
    readonly confidence: number;
  } | null;
  readonly matchedActors: readonly string[];
  /** Liked genres the movie has. */
  readonly matchedGenres: readonly string[];
}

/** Below these, a factor is too weak to be named. */
const MIN_CONTENT_SIMILARITY = 0.4;
const MIN_MOOD_CONFIDENCE = 0.35;
/** Rating points a personal factor must add before it is named instead of plain quality. */
const MIN_PERSONAL_CONTRIBUTION = 0.05;

const MOOD_ADJECTIVE: Readonly<Record<MoodLabel, string>> = {
  joy: 'happy',
  love: 'tender',
  sadness: 'sad',
  anger: 'angry',
  fear: 'tense',
  surprise: 'curious',
  neutral: 'calm',
};

/** "and feel low": how a felt mood reads after "because you loved X". Null for neutral. */
const FEEL_PHRASE: Readonly<Record<MoodLabel, string | null>> = {
  joy: 'are in a good mood',
  love: 'feel affectionate',
  sadness: 'feel low',
  anger: 'feel wound up',
  fear: 'feel on edge',
  surprise: 'feel curious',
  neutral: null,
};

const GENRE_DESCRIPTOR: Readonly<Record<string, string>> = {
  Comedy: 'warm comedy',
  Drama: 'moving drama',
  Romance: 'feel-good romance',
  Animation: 'playful animation',
  Children: 'family favourite',
  Adventure: 'rousing adventure',
  Action: 'high-energy action',
  Horror: 'chilling horror',
  Thriller: 'tense thriller',
  Crime: 'gripping crime story',
  Mystery: 'intriguing mystery',
  'Sci-Fi': 'mind-bending sci-fi',
  Fantasy: 'enchanting fantasy',
  Musical: 'joyful musical',
  War: 'powerful war film',
  Western: 'classic western',
  Documentary: 'thoughtful documentary',
  'Film-Noir': 'moody noir',
};

/** The movie's genre that best fits the target mood, as a short descriptor ("warm comedy"). */
export function moodDescriptor(movie: Movie, target: MoodDistribution): string {
  let best: string | null = null;
  let bestFit = -1;
  for (const g of movie.genres) {
    const row = GENRE_MOOD[g];
    if (!row || !GENRE_DESCRIPTOR[g]) continue;
    const fit = moodSimilarity(target, toDistribution(row));
    if (fit > bestFit) {
      bestFit = fit;
      best = g;
    }
  }
  return best ? GENRE_DESCRIPTOR[best]! : 'a good fit';
}

function moodPhrase(e: NonNullable<PickEvidence['mood']>, movie: Movie): string {
  const adjective = MOOD_ADJECTIVE[e.label];
  const descriptor = moodDescriptor(movie, e.target);
  if (e.strategy === 'lift') {
    return isNegativeMood(e.felt) || e.label === 'neutral'
      ? `a lift for a ${adjective} mood: ${descriptor}`
      : `to keep your ${adjective} mood going: ${descriptor}`;
  }
  return `matches your ${adjective} mood: ${descriptor}`;
}

const list = (names: readonly string[]) => (names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);

type Factor = 'preference' | 'content' | 'cf' | 'mood' | 'quality';

/** The explanation for one pick. */
export function explainPick(e: PickEvidence): string {
  const c = e.contributions;
  const moodUsable = e.mood !== null && e.mood.confidence >= MIN_MOOD_CONFIDENCE && c.mood > 0;
  const contentUsable = e.nearestContent !== null && e.nearestContent.similarity >= MIN_CONTENT_SIMILARITY;
  const preferenceUsable = e.matchedActors.length > 0 || e.matchedGenres.length > 0;
  // The personal factors compete; quality speaks only when none of them adds enough.
  const strength: [Factor, number][] = [
    ['preference', preferenceUsable ? c.preference : -Infinity],
    ['content', contentUsable ? c.content : -Infinity],
    ['cf', c.cf],
    ['mood', moodUsable ? c.mood : -Infinity],
  ];
  // Stable: on a tie the earlier (more specific) factor wins.
  let top: Factor = 'quality';
  let topValue = -Infinity;
  for (const [f, v] of strength) {
    if (v >= MIN_PERSONAL_CONTRIBUTION && v > topValue) {
      top = f;
      topValue = v;
    }
  }

  const feel = moodUsable && e.mood ? FEEL_PHRASE[e.mood.label] : null;
  const andFeel = (s: string) => (feel ? `${s} and ${feel}` : s);
  switch (top) {
    case 'preference':
      return e.matchedActors.length > 0
        ? `matches your liking for ${list(e.matchedActors)}`
        : `one of your favourite genres: ${list(e.matchedGenres.map((g) => g.toLowerCase()))}`;
    case 'content':
      return andFeel(`because you ${e.nearestContent!.rating >= 4.5 ? 'loved' : 'liked'} ${e.nearestContent!.movie.title}`);
    case 'cf':
      return e.nearestCoLiked
        ? andFeel(`popular with people who like ${e.nearestCoLiked.movie.title}`)
        : andFeel('rated highly by people with tastes like yours');
    case 'mood':
      return moodPhrase(e.mood!, e.movie);
    case 'quality': {
      const va = e.movie.voteAverage;
      const votes = e.movie.voteCount;
      if (va !== null && votes !== null && votes >= 50) return `a crowd favourite: ${va.toFixed(1)}/10 from ${votes.toLocaleString('en-US')} TMDB votes`;
      return 'a crowd favourite with MovieLens viewers';
    }
  }
}

const STRATEGY_PHRASE: Readonly<Record<GroupStrategy, string>> = {
  average: 'the best average for the group',
  least_misery: 'nobody should mind it',
  average_without_misery: 'good for everyone, no one below the bar',
  borda: 'high on everyone\'s list',
};

/** The explanation for a group pick: the strategy's reason and the spread of predicted stars. */
export function explainGroupPick(memberScores: readonly number[], strategy: GroupStrategy): string {
  const lo = Math.min(...memberScores);
  const hi = Math.max(...memberScores);
  const spread = hi - lo < 0.05 ? `about ${lo.toFixed(1)}` : `${lo.toFixed(1)} to ${hi.toFixed(1)}`;
  return `${STRATEGY_PHRASE[strategy]}: predicted ${spread} stars`;
}

// ---------------------------------------------------------------- co-likes

/**
 * Who liked what, for "popular with people who like X": per movie the sorted ids
 * (dense) of users who rated it at least `threshold`. Built once from the training
 * ratings; the strength of a pair is the cosine of their liker sets,
 * together / sqrt(likers(a) * likers(b)).
 */
export class CoLikeIndex {
  private readonly likers: Map<number, Int32Array>;

  private constructor(likers: Map<number, Int32Array>) {
    this.likers = likers;
  }

  static fromDataset(data: Dataset, threshold = 4): CoLikeIndex {
    const lists = new Map<number, number[]>();
    for (let k = 0; k < data.size; k++) {
      if (data.r[k]! < threshold) continue;
      const item = data.itemIds[data.i[k]!]!;
      const l = lists.get(item);
      if (l) l.push(data.u[k]!);
      else lists.set(item, [data.u[k]!]);
    }
    const likers = new Map<number, Int32Array>();
    for (const [item, users] of lists) likers.set(item, Int32Array.from(users).sort());
    return new CoLikeIndex(likers);
  }

  /**
   * The candidate most co-liked with `item`, or null when none shares at least
   * `minTogether` likers with a strength of at least `minStrength` (a pair of
   * obscure movies with two fans in common explains nothing).
   */
  strongest(item: number, candidates: readonly number[], minTogether = 3, minStrength = 0.1): { item: number; strength: number } | null {
    const a = this.likers.get(item);
    if (!a) return null;
    let best: { item: number; strength: number } | null = null;
    for (const c of candidates) {
      if (c === item) continue;
      const b = this.likers.get(c);
      if (!b) continue;
      let i = 0;
      let j = 0;
      let together = 0;
      while (i < a.length && j < b.length) {
        if (a[i] === b[j]) {
          together++;
          i++;
          j++;
        } else if (a[i]! < b[j]!) i++;
        else j++;
      }
      if (together < minTogether) continue;
      const strength = together / Math.sqrt(a.length * b.length);
      if (strength >= minStrength && (!best || strength > best.strength)) best = { item: c, strength };
    }
    return best;
  }
}
