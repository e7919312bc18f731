/**
 * The interfaces the core needs from the outside world. Infra implements them
 * (Prisma, face-api, transformers.js); tests implement them with fakes.
 * Nothing here imports a platform, database or ML library.
 */
import type { MoodDistribution, MoodLabel, MoodReading } from './mood/mood-space.js';
import type { MoodLog } from './mood/mood-log.js';

// ---------------------------------------------------------------- mood

export interface TextMoodReading extends MoodReading {
  readonly source: 'text';
  /** True when the input was cut at the detector's token limit. */
  readonly truncated: boolean;
  /** Why confidence is low, when it is: the text is not English, or the model is unsure. */
  readonly lowConfidenceReason?: 'not_english' | 'unsure';
}

export interface TextMoodDetector {
  /** Throws UserError('empty_text') for empty or whitespace-only text. */
  detect(text: string): Promise<TextMoodReading>;
  detectBatch(texts: readonly string[]): Promise<TextMoodReading[]>;
  /** The token limit past which text is truncated. */
  readonly maxTokens: number;
}

export interface FaceBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface FaceMood {
  readonly box: FaceBox;
  /** Detector score 0..1. */
  readonly detection: number;
  readonly mood: MoodReading;
}

export interface FaceMoodResult {
  /** Largest face first. Empty when no face was found. */
  readonly faces: readonly FaceMood[];
  /** Size-weighted combination of all faces; null when no face was found. */
  readonly group: MoodReading | null;
  readonly imageWidth: number;
  readonly imageHeight: number;
}

export interface FaceMoodDetector {
  /**
   * Analyses image bytes in memory (never written anywhere).
   * Throws UserError('image_too_large' | 'image_unreadable' | 'image_unsupported').
   */
  detect(image: Uint8Array): Promise<FaceMoodResult>;
}

// ---------------------------------------------------------------- catalog

export interface Movie {
  readonly id: number; // MovieLens movieId
  readonly title: string;
  readonly year: number | null;
  readonly genres: readonly string[];
  readonly imdbId: string | null;
  readonly tmdbId: number | null;
  readonly overview: string | null;
  readonly posterPath: string | null;
  readonly language: string | null;
  readonly runtime: number | null;
  readonly voteAverage: number | null;
  readonly voteCount: number | null;
  readonly keywords: readonly string[];
  readonly tags: readonly string[];
  readonly actors: readonly string[];
  readonly directors: readonly string[];
}

export type RatingKind = 'stars' | 'seen' | 'not_for_me';
export type RatingSource = 'dataset' | 'button' | 'review';

export interface RatingEvent {
  readonly userId: number;
  readonly movieId: number;
  /** 0.5..5 stars; null for 'seen' without stars. 'not_for_me' carries an implicit low value. */
  readonly value: number | null;
  readonly kind: RatingKind;
  readonly source: RatingSource;
  readonly at: Date;
}

export type MoodStrategy = 'match' | 'lift';

export interface Preferences {
  readonly languages: readonly string[]; // ISO 639-1, empty = any
  readonly avoidGenres: readonly string[];
  readonly strategy: MoodStrategy | null; // null = learn from ratings
  readonly minRating: number | null; // TMDB vote average
  readonly minVotes: number | null;
  readonly yearFrom: number | null;
  readonly yearTo: number | null;
  readonly likedActors: readonly string[];
  readonly likedGenres: readonly string[];
}

export const DEFAULT_PREFERENCES: Preferences = Object.freeze({
  languages: [],
  avoidGenres: [],
  strategy: null,
  minRating: null,
  minVotes: null,
  yearFrom: null,
  yearTo: null,
  likedActors: [],
  likedGenres: [],
});

// ---------------------------------------------------------------- recommendation

export interface RecommendRequest {
  readonly userId: number;
  readonly mood: MoodReading | null;
  readonly preferences: Preferences;
  readonly n: number;
  /** Movies never to propose (already rated, seen, or shown in this batch). */
  readonly exclude: ReadonlySet<number>;
}

export interface Pick {
  readonly movieId: number;
  readonly score: number;
  /** One line, fit to show: "because you loved Amélie and feel low". */
  readonly reason: string;
}

export type GroupStrategy = 'average' | 'least_misery' | 'average_without_misery' | 'borda';

export interface GroupRequest {
  readonly memberIds: readonly number[];
  readonly moods: readonly (MoodReading | null)[];
  readonly n: number;
  readonly strategy?: GroupStrategy;
  /** Average-without-misery veto threshold on the 0.5..5 scale. */
  readonly vetoThreshold?: number;
}

export interface GroupPick extends Pick {
  /** Each member's predicted score, in memberIds order. */
  readonly memberScores: readonly number[];
}

/** What the conversation core needs from the recommender. */
export interface Recommender {
  recommend(request: RecommendRequest): Promise<Pick[]>;
  recommendGroup(request: GroupRequest, preferences: readonly Preferences[]): Promise<GroupPick[]>;
  /** Folds a new rating into the user's state at once (target p95 <= 50 ms). */
  observe(event: RatingEvent, mood: MoodReading | null): Promise<void>;
  /** Forgets a user's learned state (after /forget). */
  forgetUser(userId: number): Promise<void>;
  /** The version tag of the model now serving, for the recommendation log. */
  readonly modelVersion: string;
}

// ---------------------------------------------------------------- infrastructure

export interface Clock {
  now(): Date;
}

export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export type { MoodDistribution, MoodLabel, MoodReading };

/** Draws /moodlog's chart (src/infra/charts); the core hands it the log it computed. */
export interface MoodChartRenderer {
  /** A PNG about 800x400. */
  render(log: MoodLog): Promise<Uint8Array>;
}

/** Review polarity, -1..1 (TextBlob-style: > 0.1 positive, < -0.1 negative). */
export interface SentimentAnalyzer {
  polarity(text: string): number;
}
