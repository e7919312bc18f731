/**
 * What the music picker needs from storage. src/infra/music/music.store.ts
 * implements it with Prisma; tests and the evaluation use the in-memory one.
 */
import type { MoodLabel } from '../mood/mood-space.js';

/** One song of the catalogue with the Spotify audio features the picker places it by. */
export interface TrackRecord {
  /** Spotify track id (22 base-62 characters): also the link and the button payload. */
  readonly id: string;
  readonly name: string;
  readonly artist: string;
  readonly album: string | null;
  /** Playlist genre of the first playlist the track was found in (pop, rock, rap, r&b, latin, edm). */
  readonly genre: string;
  readonly subgenre: string | null;
  /** Spotify popularity 0..100. */
  readonly popularity: number;
  readonly valence: number;
  readonly energy: number;
  readonly danceability: number;
  readonly acousticness: number;
  readonly tempo: number;
  readonly loudness: number;
  readonly durationMs: number;
}

/** What a rating button can say: 1-5 stars, or "not for me". */
export type TrackChoice = 1 | 2 | 3 | 4 | 5 | 'no';

export interface TrackRatingRecord {
  readonly userId: number;
  readonly trackId: string;
  /** Stars 1..5; null for "not for me". */
  readonly value: number | null;
  readonly kind: 'stars' | 'not_for_me';
  /** The mood the list was made for, so taste can later be read per mood. */
  readonly moodLabel: MoodLabel | null;
  readonly at: Date;
}

export interface MusicStore {
  /** Every track; the picker loads them once and keeps them in memory. */
  allTracks(): Promise<TrackRecord[]>;
  /** The user's track ratings (read fresh on every request, so /forget takes effect at once). */
  ratingsOf(userId: number): Promise<TrackRatingRecord[]>;
  /** Every user's track ratings: input of the collaborative signal, reloaded now and then. */
  allRatings(): Promise<TrackRatingRecord[]>;
  /** Inserts or replaces the user's rating of a track (pressing again changes it). */
  upsertRating(rating: TrackRatingRecord): Promise<void>;
}
