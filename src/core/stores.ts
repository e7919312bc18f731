/**
 * Storage ports of the conversation core. src/infra/db implements them with
 * Prisma on SQLite or PostgreSQL; tests may use the same implementation on a
 * temporary SQLite file. Writes that a user sees confirmed are committed before
 * the method resolves.
 */
import type { MoodDistribution, MoodLabel, MoodReading } from './mood/mood-space.js';
import type { Movie, Preferences, RatingKind, RatingSource } from './ports.js';
import type { Platform } from './conversation/turn.js';

export interface UserRecord {
  readonly id: number;
  readonly photoConsentAt: Date | null;
  readonly onboardedAt: Date | null;
  /** Opted in to "help MoodReel read moods better" at this time; null = off (the default). */
  readonly moodDonationAt: Date | null;
}

export interface UserStore {
  /**
   * Finds or creates the user behind a platform account. An implementation may
   * answer from a short-lived cache unless `fresh` is set (photo turns set it, so a
   * withdrawn photo consent is always read from the database).
   */
  resolve(platform: Platform, externalId: string, options?: { readonly fresh?: boolean }): Promise<UserRecord>;
  setPhotoConsent(userId: number, consent: boolean): Promise<void>;
  markOnboarded(userId: number): Promise<void>;
  /**
   * Turns "help MoodReel read moods better" on or off. Turning it off erases the
   * user's donated sentences in the same transaction.
   */
  setMoodDonation(userId: number, on: boolean): Promise<void>;
}

export interface PreferenceStore {
  get(userId: number): Promise<Preferences>;
  set(userId: number, preferences: Preferences): Promise<void>;
}

export interface StoredRating {
  readonly userId: number;
  readonly movieId: number;
  readonly value: number | null;
  readonly kind: RatingKind;
  readonly source: RatingSource;
  readonly moodLabel: MoodLabel | null;
  readonly moodDistribution: MoodDistribution | null;
  readonly at: Date;
}

export interface RatingStore {
  /** Inserts or replaces the user's rating of a movie (pressing again changes it). */
  upsert(rating: StoredRating): Promise<void>;
  forUser(userId: number): Promise<StoredRating[]>;
  /** Every star rating (data set and app), oldest first: training input. */
  allStars(): Promise<{ userId: number; movieId: number; value: number; at: Date }[]>;
  count(source?: RatingSource): Promise<number>;
}

/** What a mood reading was made from. */
export type MoodInputKind = 'text' | 'photo';

/** A stored mood reading (one per mood turn). */
export interface StoredMood {
  readonly id: number;
  readonly userId: number;
  /** As it stands: the user's own choice (source 'user') once corrected. */
  readonly reading: MoodReading;
  readonly input: MoodInputKind;
  /** The detector version that read it; null on rows older than corrections. */
  readonly modelVersion: string | null;
  readonly at: Date;
}

export interface MoodStore {
  /** Stores a reading and returns its id (the correction buttons point at it). */
  add(userId: number, reading: MoodReading, faces: number | null, meta?: { readonly input: MoodInputKind; readonly modelVersion: string }): Promise<number>;
  latest(userId: number): Promise<MoodReading | null>;
  get(id: number): Promise<StoredMood | null>;
  /** The user's readings at or after `from`, oldest first (/moodlog). */
  since(userId: number, from: Date): Promise<StoredMood[]>;
}

/** A "Not quite? I feel…" press as stored: what the model read, what the user chose. */
export interface MoodCorrectionRecord {
  readonly userId: number;
  readonly observationId: number;
  readonly modelLabel: MoodLabel;
  readonly modelDistribution: MoodDistribution;
  readonly chosenLabel: MoodLabel;
  readonly inputKind: MoodInputKind;
  readonly modelVersion: string;
  readonly at: Date;
}

/** A donated sentence as a training job reads it: no user id, nothing else about the person. */
export interface DonatedSentenceRow {
  readonly text: string;
  readonly label: MoodLabel;
  readonly at: Date;
}

export interface CorrectionStore {
  forObservation(observationId: number): Promise<MoodCorrectionRecord | null>;
  /**
   * In one transaction: stores (or changes) the correction, makes the corrected
   * reading the observation's stored mood, re-labels the picks made for it and
   * the ratings given on those picks since, and stores or removes the donated
   * sentence (`donation` null removes one kept for this observation). Returns
   * the re-labelled ratings, so the recommender can fold them in again.
   */
  apply(correction: MoodCorrectionRecord, corrected: MoodReading, donation: { readonly text: string } | null): Promise<StoredRating[]>;
  /** Every donated sentence, oldest first, without user ids (for retraining). */
  donatedSentences(): Promise<DonatedSentenceRow[]>;
}

export interface RecommendationRecord {
  readonly id: number;
  readonly batchId: string;
  readonly userId: number;
  readonly movieId: number;
  readonly platform: Platform;
  readonly chatId: string;
  readonly rank: number;
  readonly score: number;
  readonly reason: string;
  readonly mood: MoodReading | null;
  /** The stored reading these picks were made for, when they came from one. */
  readonly moodObservationId?: number | null;
  readonly modelVersion: string;
  readonly createdAt: Date;
}

export type NewRecommendation = Omit<RecommendationRecord, 'id' | 'createdAt'>;

export interface RecommendationStore {
  /** Saves a batch and returns the rows with their ids (rating buttons point at them). */
  saveBatch(rows: readonly NewRecommendation[]): Promise<RecommendationRecord[]>;
  get(id: number): Promise<RecommendationRecord | null>;
  /** Movie ids recently proposed to the user, to vary consecutive answers. */
  recentMovieIds(userId: number, limit: number): Promise<number[]>;
}

export interface ReviewStore {
  /** Stores or replaces the user's review; updates the movie's mean review sentiment. */
  upsert(userId: number, movieId: number, text: string, sentiment: number): Promise<{ movieMean: number; movieCount: number }>;
}

export interface CatalogStore {
  allMovies(): Promise<Movie[]>;
  /** Emotion profiles computed at setup (movieId -> distribution). */
  emotionProfiles(): Promise<Map<number, MoodDistribution>>;
  saveEmotionProfiles(profiles: ReadonlyMap<number, MoodDistribution>): Promise<void>;
  reviewSentiments(): Promise<Map<number, number>>;
  count(): Promise<number>;
}

export type PartyStatus = 'joining' | 'voting' | 'closed' | 'cancelled';

export interface PartyPick {
  readonly movieId: number;
  readonly score: number;
  readonly reason: string;
}

export interface PartyRecord {
  readonly id: string;
  readonly platform: Platform;
  readonly chatId: string;
  readonly status: PartyStatus;
  readonly createdById: number;
  readonly deadline: Date;
  readonly picks: readonly PartyPick[];
  readonly winnerId: number | null;
  readonly memberIds: readonly number[];
  /** userId -> movieId */
  readonly votes: ReadonlyMap<number, number>;
}

export interface PartyStore {
  /** Creates an open party; returns null when the chat already has one open. */
  create(party: { id: string; platform: Platform; chatId: string; createdById: number; deadline: Date }): Promise<PartyRecord | null>;
  get(id: string): Promise<PartyRecord | null>;
  openInChat(platform: Platform, chatId: string): Promise<PartyRecord | null>;
  /** Adds a member; false when already a member. */
  join(partyId: string, userId: number): Promise<boolean>;
  /** Moves a joining party to voting with its picks; false if it was not joining. */
  startVoting(partyId: string, picks: readonly PartyPick[]): Promise<boolean>;
  /** One vote per member (a second vote replaces the first). Returns the previous movie, if any. */
  vote(partyId: string, userId: number, movieId: number): Promise<{ previous: number | null }>;
  /**
   * Claims the right to close a party whose deadline passed: only one process
   * wins (a lease in the row). Returns false when another holder has it.
   */
  claim(partyId: string, owner: string, leaseMs: number): Promise<boolean>;
  close(partyId: string, outcome: { status: 'closed' | 'cancelled'; winnerId: number | null; summary: string }): Promise<void>;
  /** Open parties, for timers after a restart. */
  listOpen(): Promise<PartyRecord[]>;
}

export interface PrivacyStore {
  /** Everything stored about the user, as plain JSON-able data. */
  export(userId: number): Promise<Record<string, unknown>>;
  /** Erases every row about the user; returns counts per table. */
  erase(userId: number): Promise<Record<string, number>>;
}

export interface Stores {
  readonly users: UserStore;
  readonly preferences: PreferenceStore;
  readonly ratings: RatingStore;
  readonly moods: MoodStore;
  readonly corrections: CorrectionStore;
  readonly recommendations: RecommendationStore;
  readonly reviews: ReviewStore;
  readonly catalog: CatalogStore;
  readonly parties: PartyStore;
  readonly privacy: PrivacyStore;
}
