/**
 * Mood scorer: how well a movie's emotional profile fits the mood the viewer
 * wants, given the mood they are in and their strategy ("match my mood" keeps
 * it, "lift my mood" moves sadness, fear and anger towards joy, love and
 * surprise; see mood-prior.ts).
 *
 * A movie's profile is `w * emotion + (1 - w) * genre prior`, where `emotion` is
 * what the text mood model read from its overview and tags (computed at import,
 * passed in) and the genre prior comes from the seed papers' table; a movie with
 * no emotion profile uses the genre prior alone. The fit is the Bhattacharyya
 * coefficient between the target distribution and that profile, reported on the
 * rating scale as `0.5 + 4.5 * fit` so it can sit next to other scorers. It is no
 * rating prediction: MovieLens has no moods, so the hybrid gives it its own weight.
 *
 * When the user has not chosen a strategy, `learnStrategy` infers it from the
 * ratings they gave while in a negative mood (see there). Until there is enough
 * evidence the default is "lift" for negative moods, after mood-management theory
 * (Zillmann 1988: people in a bad mood tend to choose mood-repairing content),
 * and "match" otherwise (for joy, love and surprise the two nearly coincide; for a
 * neutral mood "match" follows the seed table, neutral -> Drama).
 */
import { MOODS, type MoodDistribution, type MoodReading } from '../../mood/mood-space.js';
import type { Movie, MoodStrategy } from '../../ports.js';
import type { Dataset } from '../dataset.js';
import type { ScoreQuery, Scorer, ScorerParams, TrainOptions } from '../scorer.js';
import { genreMoodPrior, isNegativeMood, moodSimilarity, targetMood } from './mood-prior.js';
import { positionsOf } from '../scorers/history.js';

/** A rating given while the app knew the user's mood. */
export interface MoodRatedEntry {
  readonly item: number;
  /** 0.5..5 stars. */
  readonly rating: number;
  readonly mood: MoodDistribution;
}

/** A ScoreQuery with the viewer's mood strategy and their mood-tagged ratings. */
export interface MoodQuery extends ScoreQuery {
  /** The stated strategy; null or absent = learn it from `moodHistory`. */
  readonly strategy?: MoodStrategy | null;
  readonly moodHistory?: readonly MoodRatedEntry[];
}

export interface StrategyEstimate {
  readonly strategy: MoodStrategy;
  /** 'stated' by the user, 'learned' from their ratings, or the 'default' for lack of evidence. */
  readonly source: 'stated' | 'learned' | 'default';
  /** How many negative-mood ratings the estimate rests on. */
  readonly evidence: number;
  /** Posterior slope: rating points gained per unit of (lift fit - match fit); > 0 favours lift. */
  readonly effect: number;
}

/** What the scorer aims at for one query. */
export interface MoodTarget {
  readonly felt: MoodReading;
  readonly target: MoodDistribution;
  readonly estimate: StrategyEstimate;
}

export interface StrategyPrior {
  /** Prior slope (> 0 = lift), in rating points per unit of fit difference. */
  readonly effect: number;
  /** Prior strength, in units of sum(x^2); about 3-4 informative ratings. */
  readonly strength: number;
  /** Negative-mood ratings needed before the estimate counts as learned. */
  readonly minEvidence: number;
}

export interface MoodScorerOptions {
  /** Weight of the text-model emotion profile against the genre prior (default 0.5). */
  readonly profileWeight?: number;
  readonly strategyPrior?: Partial<StrategyPrior>;
}

interface MoodData {
  readonly profileWeight: number;
  readonly strategyPrior: StrategyPrior;
}

const PARAMS_KIND = 'mood';
const PARAMS_VERSION = 1;
const K = MOODS.length;
export const DEFAULT_STRATEGY_PRIOR: StrategyPrior = Object.freeze({ effect: 0.5, strength: 1.5, minEvidence: 4 });

/** Maps a 0..1 fit onto the 0.5..5 rating scale. */
export const fitToRating = (fit: number): number => 0.5 + 4.5 * fit;

export class MoodScorer implements Scorer {
  readonly name = 'mood';
  private readonly movies: readonly Movie[];
  private readonly emotionProfiles: ReadonlyMap<number, MoodDistribution>;
  private readonly rowOf: Map<number, number>;
  private data: MoodData;
  /** Square roots of each movie's blended profile, row-major (movie x MOODS), for a fast Bhattacharyya sum. */
  private sqrtProfiles: Float64Array;

  constructor(movies: readonly Movie[], emotionProfiles: ReadonlyMap<number, MoodDistribution>, options: MoodScorerOptions = {}) {
    this.movies = movies;
    this.emotionProfiles = emotionProfiles;
    this.rowOf = new Map(movies.map((m, k) => [m.id, k]));
    this.data = {
      profileWeight: options.profileWeight ?? 0.5,
      strategyPrior: { ...DEFAULT_STRATEGY_PRIOR, ...options.strategyPrior },
    };
    this.sqrtProfiles = this.buildProfiles();
  }

  private buildProfiles(): Float64Array {
    const out = new Float64Array(this.movies.length * K);
    const w = this.data.profileWeight;
    this.movies.forEach((m, row) => {
      const prior = genreMoodPrior(m.genres);
      const emotion = this.emotionProfiles.get(m.id);
      MOODS.forEach((mood, k) => {
        const p = emotion ? w * emotion[mood] + (1 - w) * prior[mood] : prior[mood];
        out[row * K + k] = Math.sqrt(Math.max(0, p));
      });
    });
    return out;
  }

  /** Nothing to learn from MovieLens (it has no moods); strategies are learned per user by `learnStrategy`. */
  async train(_data: Dataset, _options: TrainOptions): Promise<void> {}

  /** A movie's blended emotion profile, or null when it is not in the catalogue. */
  profileOf(movieId: number): MoodDistribution | null {
    const row = this.rowOf.get(movieId);
    if (row === undefined) return null;
    const out = {} as Record<(typeof MOODS)[number], number>;
    MOODS.forEach((m, k) => (out[m] = this.sqrtProfiles[row * K + k]! ** 2));
    return out;
  }

  /** Bhattacharyya fit (0..1) of each item with `target`; NaN for items outside the catalogue. */
  fits(target: MoodDistribution, items: readonly number[]): Float32Array {
    const t = MOODS.map((m) => Math.sqrt(target[m]));
    const out = new Float32Array(items.length);
    const rows = positionsOf(this.rowOf, items);
    for (let k = 0; k < items.length; k++) {
      const row = rows[k]!;
      if (row < 0) {
        out[k] = NaN;
        continue;
      }
      let s = 0;
      const base = row * K;
      for (let j = 0; j < K; j++) s += t[j]! * this.sqrtProfiles[base + j]!;
      out[k] = s;
    }
    return out;
  }

  /** The strategy and target distribution for a query, or null when the query carries no mood. */
  resolve(query: MoodQuery): MoodTarget | null {
    const felt = query.mood;
    if (!felt) return null;
    let estimate: StrategyEstimate;
    if (query.strategy) estimate = { strategy: query.strategy, source: 'stated', evidence: 0, effect: 0 };
    else if (isNegativeMood(felt.distribution)) estimate = this.learnStrategy(query.moodHistory ?? []);
    else estimate = { strategy: 'match', source: 'default', evidence: 0, effect: 0 };
    return { felt, target: targetMood(felt.distribution, estimate.strategy), estimate };
  }

  score(query: MoodQuery, items: readonly number[]): Float32Array {
    const resolved = this.resolve(query);
    if (!resolved) return new Float32Array(items.length).fill(NaN);
    const out = this.fits(resolved.target, items);
    for (let k = 0; k < out.length; k++) if (!Number.isNaN(out[k])) out[k] = fitToRating(out[k]!);
    return out;
  }

  /**
   * Infers "match" or "lift" from ratings given in a negative mood. For each such
   * rating, x = fit(movie, lift target) - fit(movie, match target) says how much
   * more of a lifting than a matching pick the movie was for that mood, and
   * y = rating - the user's mean rating says how much they liked it. The
   * posterior slope b = (sum xy + strength * effect0) / (sum x^2 + strength) is
   * a ridge regression shrunk towards the lift prior; b >= 0 means lifting picks
   * were rated higher. Fewer than `minEvidence` negative-mood ratings: the default
   * (lift), whatever the slope.
   */
  learnStrategy(entries: readonly MoodRatedEntry[]): StrategyEstimate {
    const { effect, strength, minEvidence } = this.data.strategyPrior;
    if (entries.length === 0) return { strategy: 'lift', source: 'default', evidence: 0, effect };
    let mean = 0;
    for (const e of entries) mean += e.rating;
    mean /= entries.length;
    let sxy = 0;
    let sxx = 0;
    let n = 0;
    for (const e of entries) {
      if (!isNegativeMood(e.mood)) continue;
      const profile = this.profileOf(e.item);
      if (!profile) continue;
      const x = moodSimilarity(targetMood(e.mood, 'lift'), profile) - moodSimilarity(targetMood(e.mood, 'match'), profile);
      const y = e.rating - mean;
      sxy += x * y;
      sxx += x * x;
      n++;
    }
    const slope = (sxy + strength * effect) / (sxx + strength);
    if (n < minEvidence) return { strategy: 'lift', source: 'default', evidence: n, effect: slope };
    return { strategy: slope >= 0 ? 'lift' : 'match', source: 'learned', evidence: n, effect: slope };
  }

  save(): ScorerParams {
    return { kind: PARAMS_KIND, version: PARAMS_VERSION, data: { ...this.data, profiled: this.emotionProfiles.size } };
  }

  load(params: ScorerParams): void {
    if (params.kind !== PARAMS_KIND || params.version !== PARAMS_VERSION) {
      throw new Error(`MoodScorer cannot load ${params.kind} v${params.version}`);
    }
    const d = params.data as MoodData;
    this.data = { profileWeight: d.profileWeight, strategyPrior: { ...d.strategyPrior } };
    this.sqrtProfiles = this.buildProfiles();
  }
}
