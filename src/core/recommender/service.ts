/**
 * The recommender the conversation core talks to (ports.ts `Recommender`): it
 * keeps each user's ratings in memory so a rating changes the very next list,
 * filters the catalogue by the user's preferences, scores what is left with the
 * hybrid (CF + content + popularity + mood), boosts liked actors, diversifies the
 * top, and explains every pick. A pick's `score` is its predicted rating; the
 * order comes from the ranking-fitted blend (see hybrid/rank-fit.ts). The serving model (CF scorer + blend + version)
 * is one immutable object replaced in a single assignment by `swapModel`, so a
 * request never sees half of a promotion.
 *
 * Rating semantics (what `observe` does with each kind):
 * - 'stars': a rating; replaces any earlier rating of the movie.
 * - 'not_for_me': a low implicit rating (the event's value, else NOT_FOR_ME_RATING
 *   = 1.0), so CF and content steer away from similar movies; never re-proposed.
 * - 'seen' without stars: never re-proposed, but not a rating: having seen a
 *   movie says nothing about liking it. A 'seen' after a rating keeps the rating.
 * Ratings given with a known mood also feed the mood-strategy learner and the
 * mood-weight fit.
 *
 * User ids are passed to the CF scorer as they are: app user ids must not
 * collide with the data set's user ids the model was trained on.
 */
import { UserError } from '../errors.js';
import type { MoodDistribution, MoodReading } from '../mood/mood-space.js';
import type {
  GroupPick,
  GroupRequest,
  Movie,
  Pick,
  Preferences,
  RatingEvent,
  RatingKind,
  RecommendRequest,
  Recommender,
} from '../ports.js';
import { ContentScorer } from './content/content.scorer.js';
import { normaliseName } from './content/tfidf.js';
import type { Dataset } from './dataset.js';
import { CoLikeIndex, explainGroupPick, explainPick, type PickEvidence } from './explain.js';
import { actorBoost, candidateIds, diversify, genreDistribution, type DiversityOptions, type Ranked } from './filters.js';
import { aggregateGroup, DEFAULT_GROUP_STRATEGY, DEFAULT_VETO_THRESHOLD } from './group/group-strategies.js';
import type { BlendParams, MoodWeight } from './hybrid/blend-fit.js';
import { HybridScorer, type HybridBreakdown, type HybridQuery } from './hybrid/hybrid.scorer.js';
import { MoodScorer, type MoodRatedEntry, type MoodScorerOptions } from './mood/mood.scorer.js';
import type { HistoryEntry, Scorer, ScorerParams } from './scorer.js';
import { indexOf } from './scorers/history.js';
import { topN } from './scorers/select.js';

/** The implicit rating of a 'not_for_me' press without a value. */
export const NOT_FOR_ME_RATING = 1.0;

/** A stored rating event as the service needs it (from the ratings store). */
export interface StoredRating {
  readonly movieId: number;
  /** Stars 0.5..5; null for 'seen' (and for 'not_for_me' without a value). */
  readonly value: number | null;
  readonly kind: RatingKind;
  /** The user's mood when they rated, if known. */
  readonly mood?: MoodReading | null;
}

export interface RecommenderServiceOptions {
  /** The catalogue; only these movies are ever proposed. */
  readonly movies: readonly Movie[];
  /** Emotion profile per movieId from the text mood model (movies without one use their genre prior). */
  readonly emotionProfiles: ReadonlyMap<number, MoodDistribution>;
  /** Any trained CF scorer (matrix factorisation, or Bias/item-kNN until one exists). */
  readonly cf: Scorer;
  /** The trained bias baseline (also the fallback where CF has no score). */
  readonly baseline: Scorer;
  readonly popularity?: Scorer | null;
  /** Fitted blend (HybridScorer.train / fitBlend). */
  readonly blend: BlendParams;
  readonly modelVersion: string;
  /** A trained content scorer over `movies`; else one is built and `contentParams` (if given) loaded. */
  readonly content?: ContentScorer;
  readonly contentParams?: ScorerParams;
  readonly moodOptions?: MoodScorerOptions;
  /** Users' ratings known at start. */
  readonly histories?: ReadonlyMap<number, readonly StoredRating[]>;
  /** Loads a user not in memory yet (first request after start); absent = unknown users start empty. */
  readonly loadHistory?: (userId: number) => Promise<readonly StoredRating[]>;
  /** Training ratings, for "popular with people who like X" explanations. */
  readonly coLikes?: Dataset;
  readonly diversity?: DiversityOptions;
  /** Genre calibration strength in stars per nat (default CALIBRATION_WEIGHT; 0 = off). */
  readonly calibrationWeight?: number;
  /** How many top-scored candidates the diversity pass chooses from (default max(50, 5n)). */
  readonly poolSize?: (n: number) => number;
}

interface UserRating {
  readonly rating: number;
  readonly kind: RatingKind;
  readonly mood: MoodReading | null;
}

interface UserState {
  /** movieId -> rating; Map order = order rated (a re-rating moves to the end). */
  readonly ratings: Map<number, UserRating>;
  /** Seen without stars. */
  readonly seen: Set<number>;
}

interface ServingModel {
  readonly hybrid: HybridScorer;
  readonly version: string;
}

/** Distinct filter settings whose candidate list is kept (most users keep the defaults). */
const FILTERED_CACHE_SIZE = 64;

const noCandidates = () =>
  new UserError('not_found', 'No movie matches these filters. Try loosening them (languages, genres, years or minimum rating).', { reason: 'filters' });

const clampRating = (x: number) => (x < 0.5 ? 0.5 : x > 5 ? 5 : x);
/** Ratings at or above this count as "liked" when looking for the movie that explains a pick. */
const LIKED = 3.5;
/** Stars per nat of genre-mix divergence at full strength (see `calibration`). */
export const CALIBRATION_WEIGHT = 1.0;
/** Liked movies considered for an explanation and for calibration (the most recent ones). */
const MAX_LIKED_FOR_EXPLANATION = 100;

function ratingOf(kind: RatingKind, value: number | null): number | null {
  if (kind === 'seen') return null;
  if (kind === 'not_for_me') return value ?? NOT_FOR_ME_RATING;
  if (value === null || !(value >= 0.5 && value <= 5)) throw new RangeError(`a 'stars' rating needs a value in 0.5..5, got ${value}`);
  return value;
}

function applyRating(state: UserState, movieId: number, kind: RatingKind, value: number | null, mood: MoodReading | null): void {
  const rating = ratingOf(kind, value);
  if (rating === null) {
    state.seen.add(movieId);
    return;
  }
  state.ratings.delete(movieId);
  state.ratings.set(movieId, { rating, kind, mood });
}

export class RecommenderService implements Recommender {
  private readonly movies: readonly Movie[];
  private readonly movieById: Map<number, Movie>;
  private readonly content: ContentScorer;
  private readonly mood: MoodScorer;
  private readonly coLikes: CoLikeIndex | null;
  private readonly options: RecommenderServiceOptions;
  private readonly users = new Map<number, UserState>();
  private readonly loading = new Map<number, Promise<UserState>>();
  private readonly filteredCache = new Map<string, readonly number[]>();
  private readonly positionCache = new WeakMap<readonly number[], ReadonlyMap<number, number>>();
  private model: ServingModel;

  constructor(options: RecommenderServiceOptions) {
    this.options = options;
    this.movies = options.movies;
    this.movieById = new Map(options.movies.map((m) => [m.id, m]));
    this.content = options.content ?? new ContentScorer(options.movies);
    if (!options.content && options.contentParams) this.content.load(options.contentParams);
    this.mood = new MoodScorer(options.movies, options.emotionProfiles, options.moodOptions);
    this.coLikes = options.coLikes ? CoLikeIndex.fromDataset(options.coLikes) : null;
    const hybrid = new HybridScorer(
      { cf: options.cf, baseline: options.baseline, content: this.content, mood: this.mood, popularity: options.popularity ?? null },
      options.blend,
    );
    this.model = { hybrid, version: options.modelVersion };
    for (const [userId, rows] of options.histories ?? []) this.users.set(userId, RecommenderService.stateFrom(rows));
  }

  private static stateFrom(rows: readonly StoredRating[]): UserState {
    const state: UserState = { ratings: new Map(), seen: new Set() };
    for (const r of rows) applyRating(state, r.movieId, r.kind, r.value, r.mood ?? null);
    return state;
  }

  get modelVersion(): string {
    return this.model.version;
  }

  /** The blend now serving (for logs and the mood-weight report). */
  get blend(): BlendParams {
    return this.model.hybrid.blend;
  }

  /**
   * Promotes a retrained CF model (and its blend) in one assignment; in-flight
   * requests finish on the old one. Pass the blend fitted with this CF model
   * (HybridScorer.train with it as `cf`): a blend fitted with another CF, such as
   * the Bias scorer standing in as CF (whose CF term is always 0), gives the new
   * model no weight.
   */
  swapModel(cf: Scorer, version: string, blend?: BlendParams): void {
    this.model = { hybrid: this.model.hybrid.withCf(cf, blend ?? this.model.hybrid.blend), version };
  }

  /**
   * Refits the mood weight from every in-memory rating given with a mood and
   * swaps the new blend in (the prior stands until there are enough; see
   * blend-fit.ts). Returns the weight now serving.
   */
  refitMoodWeight(): MoodWeight {
    const model = this.model;
    const users = [...this.users.entries()].map(([userId, state]) => ({
      query: this.query(userId, state, null, null),
      moodRatings: this.moodHistory(state),
    }));
    const blend = model.hybrid.fitMood(users.filter((u) => u.moodRatings.length > 0));
    if (this.model === model) this.model = { hybrid: model.hybrid.withBlend(blend), version: model.version };
    return blend.mood;
  }

  private async state(userId: number): Promise<UserState> {
    const known = this.users.get(userId);
    if (known) return known;
    const pending = this.loading.get(userId);
    if (pending) return pending;
    const load = this.options.loadHistory;
    if (!load) {
      const empty: UserState = { ratings: new Map(), seen: new Set() };
      this.users.set(userId, empty);
      return empty;
    }
    const promise = load(userId).then((rows) => {
      const state = RecommenderService.stateFrom(rows);
      // A forgetUser() during the load drops this promise; its result is then not kept.
      if (this.loading.get(userId) === promise) {
        this.loading.delete(userId);
        this.users.set(userId, state);
      }
      return state;
    });
    this.loading.set(userId, promise);
    try {
      return await promise;
    } catch (error) {
      if (this.loading.get(userId) === promise) this.loading.delete(userId);
      throw error;
    }
  }

  private history(state: UserState): HistoryEntry[] {
    const out: HistoryEntry[] = [];
    for (const [item, r] of state.ratings) out.push({ item, rating: r.rating });
    return out;
  }

  private moodHistory(state: UserState): (MoodRatedEntry & { confidence: number })[] {
    const out: (MoodRatedEntry & { confidence: number })[] = [];
    for (const [item, r] of state.ratings) {
      if (r.mood) out.push({ item, rating: r.rating, mood: r.mood.distribution, confidence: r.mood.confidence });
    }
    return out;
  }

  private query(userId: number, state: UserState, mood: MoodReading | null, prefs: Preferences | null): HybridQuery {
    return {
      userId,
      history: this.history(state),
      mood,
      preferences: prefs,
      strategy: prefs?.strategy ?? null,
      moodHistory: this.moodHistory(state),
    };
  }

  private excluded(state: UserState): ReadonlySet<number> {
    return new Set([...state.ratings.keys(), ...state.seen]);
  }

  /** Blended score plus the liked-actor boost for every candidate (NaN = unscorable). */
  private rankScores(b: HybridBreakdown, likedActors: readonly string[]): Float32Array {
    const out = Float32Array.from(b.total);
    if (likedActors.length === 0) return out;
    const liked = new Set(likedActors.map(normaliseName));
    b.items.forEach((id, k) => {
      const m = this.movieById.get(id)!;
      if (m.actors.some((a) => liked.has(normaliseName(a))) || m.directors.some((d) => liked.has(normaliseName(d)))) {
        out[k]! += actorBoost(m, likedActors).boost;
      }
    });
    return out;
  }

  /** The top of the ranking, each with its index into `items`. */
  private pool(scores: Float32Array, items: readonly number[], n: number): (Ranked & { readonly index: number })[] {
    const size = this.options.poolSize?.(n) ?? Math.max(50, 5 * n);
    return Array.from(topN(scores, size), (k) => ({ id: items[k]!, score: scores[k]!, index: k }));
  }

  private candidates(preferences: readonly Preferences[], excluded: readonly ReadonlySet<number>[]): number[] {
    const ids = candidateIds(this.movies, preferences, excluded);
    if (ids.length === 0) throw noCandidates();
    return ids;
  }

  /** movieId -> index in one of the `filtered` arrays. */
  private positions(items: readonly number[]): ReadonlyMap<number, number> {
    let map = this.positionCache.get(items);
    if (!map) this.positionCache.set(items, (map = indexOf(items)));
    return map;
  }

  /** The catalogue movies that pass one user's hard filters: one frozen array per distinct filter setting. */
  private filtered(prefs: Preferences): readonly number[] {
    const key = JSON.stringify([prefs.languages, prefs.avoidGenres, prefs.minRating, prefs.minVotes, prefs.yearFrom, prefs.yearTo]);
    let ids = this.filteredCache.get(key);
    if (!ids) {
      ids = Object.freeze(candidateIds(this.movies, [prefs], []));
      if (this.filteredCache.size >= FILTERED_CACHE_SIZE) this.filteredCache.delete(this.filteredCache.keys().next().value!);
      this.filteredCache.set(key, ids);
    }
    return ids;
  }

  async recommend(request: RecommendRequest): Promise<Pick[]> {
    const state = await this.state(request.userId);
    const model = this.model;
    const prefs = request.preferences;
    // The filtered catalogue is the same array from one request to the next (scorers
    // keep their index lookups for it); what the user rated or saw is masked after scoring.
    const items = this.filtered(prefs);
    const excluded = [request.exclude, this.excluded(state)];
    const query = this.query(request.userId, state, request.mood, prefs);
    const b = model.hybrid.breakdown(query, items);
    const scores = this.rankScores(b, prefs.likedActors);
    const at = this.positions(items);
    const masked = new Uint8Array(items.length);
    let left = items.length;
    for (const set of excluded) {
      for (const id of set) {
        const k = at.get(id);
        if (k !== undefined && !masked[k]) {
          masked[k] = 1;
          scores[k] = NaN;
          left--;
        }
      }
    }
    if (left === 0) throw noCandidates();
    const liked = this.likedItems(state);
    const pool = this.pool(scores, items, request.n);
    const chosen = diversify(pool, request.n, (x, y) => this.content.similarity(x, y), (id) => this.movieById.get(id), {
      ...this.options.diversity,
      calibration: this.calibration(liked),
    });
    const position = new Map(pool.map((p) => [p.id, p.index]));
    let baselineMean = 0;
    for (let k = 0; k < b.baseline.length; k++) baselineMean += b.baseline[k]!;
    baselineMean /= b.baseline.length;
    return chosen.map(({ id }) => {
      const k = position.get(id)!;
      return { movieId: id, score: clampRating(b.predicted[k]!), reason: explainPick(this.evidence(id, k, b, prefs, liked, baselineMean)) };
    });
  }

  private likedItems(state: UserState): { item: number; rating: number }[] {
    const out: { item: number; rating: number }[] = [];
    for (const [item, r] of state.ratings) if (r.rating >= LIKED) out.push({ item, rating: r.rating });
    return out.slice(-MAX_LIKED_FOR_EXPLANATION);
  }

  /**
   * The genre mix of what the user liked (each liked movie weighted by stars
   * above 3), pulled on with a weight that grows with the number of liked movies
   * (n / (n + 5)): three ratings of horror films should show up in the next list
   * even where the ranking, rightly unsure after three ratings, would not.
   */
  private calibration(liked: readonly { item: number; rating: number }[]): DiversityOptions['calibration'] {
    const weight = this.options.calibrationWeight ?? CALIBRATION_WEIGHT;
    if (liked.length === 0 || weight <= 0) return null;
    const target = genreDistribution(liked.flatMap((l) => {
      const movie = this.movieById.get(l.item);
      return movie ? [{ movie, weight: l.rating - 3 }] : [];
    }));
    return { target, weight: (weight * liked.length) / (liked.length + 5) };
  }

  /**
   * What the explanation needs for one pick. `baselineMean` is the mean baseline
   * over this request's candidates: the baseline minus it is the movie's quality
   * relative to the alternatives (the user's own bias cancels out).
   */
  private evidence(
    id: number,
    k: number,
    b: HybridBreakdown,
    prefs: Preferences,
    liked: readonly { item: number; rating: number }[],
    baselineMean: number,
  ): PickEvidence {
    const movie = this.movieById.get(id)!;
    const boost = actorBoost(movie, prefs.likedActors);
    let nearestContent: PickEvidence['nearestContent'] = null;
    // Latest first, so on equal similarity the more recent rating explains the pick.
    for (let j = liked.length - 1; j >= 0; j--) {
      const l = liked[j]!;
      const similarity = this.content.similarity(id, l.item);
      const m = this.movieById.get(l.item);
      if (m && (!nearestContent || similarity > nearestContent.similarity)) nearestContent = { movie: m, similarity, rating: l.rating };
    }
    const co = this.coLikes?.strongest(id, liked.map((l) => l.item)) ?? null;
    const coMovie = co ? this.movieById.get(co.item) : undefined;
    const t = b.moodTarget;
    const likedGenres = new Set(prefs.likedGenres.map((g) => g.toLowerCase()));
    return {
      movie,
      contributions: {
        cf: b.cf[k]!,
        content: b.content[k]!,
        mood: b.mood[k]!,
        popularity: b.popularity[k]!,
        quality: b.baseline[k]! - baselineMean,
        preference: b.preference[k]! + boost.boost,
      },
      nearestContent,
      nearestCoLiked: co && coMovie ? { movie: coMovie, strength: co.strength } : null,
      mood: t
        ? { felt: t.felt.distribution, label: t.felt.label, strategy: t.estimate.strategy, target: t.target, confidence: t.felt.confidence }
        : null,
      matchedActors: boost.matched,
      matchedGenres: movie.genres.filter((g) => likedGenres.has(g.toLowerCase())),
    };
  }

  async recommendGroup(request: GroupRequest, preferences: readonly Preferences[]): Promise<GroupPick[]> {
    const members = request.memberIds;
    if (members.length === 0) throw new UserError('bad_arguments', 'A watch party needs at least one member.');
    if (preferences.length !== members.length || request.moods.length !== members.length) {
      throw new Error(`recommendGroup: ${members.length} members but ${preferences.length} preferences and ${request.moods.length} moods`);
    }
    const states = await Promise.all(members.map((id) => this.state(id)));
    const model = this.model;
    const items = this.candidates(preferences, states.map((s) => this.excluded(s)));
    // Predicted ratings (not ranking scores): the veto and the averages are about how much each member would like it.
    const memberScores = members.map((userId, m) => {
      const b = model.hybrid.breakdown(this.query(userId, states[m]!, request.moods[m] ?? null, preferences[m]!), items);
      return b.predicted;
    });
    const strategy = request.strategy ?? DEFAULT_GROUP_STRATEGY;
    const ranked = aggregateGroup({ items, memberScores }, { strategy, vetoThreshold: request.vetoThreshold ?? DEFAULT_VETO_THRESHOLD });
    const size = this.options.poolSize?.(request.n) ?? Math.max(50, 5 * request.n);
    const byId = new Map(ranked.map((r) => [r.item, r]));
    const chosen = diversify(
      ranked.slice(0, size).map((r) => ({ id: r.item, score: r.score })),
      request.n,
      (x, y) => this.content.similarity(x, y),
      (id) => this.movieById.get(id),
      this.options.diversity,
    );
    return chosen.map(({ id }) => {
      const r = byId.get(id)!;
      const shown = r.memberScores.map(clampRating);
      // Borda's score is its 0..1 share of points; the others are on the rating scale.
      return { movieId: id, score: strategy === 'borda' ? r.score : clampRating(r.score), reason: explainGroupPick(shown, strategy), memberScores: shown };
    });
  }

  async observe(event: RatingEvent, mood: MoodReading | null): Promise<void> {
    const state = await this.state(event.userId);
    applyRating(state, event.movieId, event.kind, event.value, mood);
  }

  async forgetUser(userId: number): Promise<void> {
    this.users.delete(userId);
    this.loading.delete(userId);
  }
}
