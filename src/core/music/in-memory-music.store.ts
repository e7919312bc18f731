/**
 * MusicStore in memory: for tests and for scripts/eval-music.ts, which
 * measures the picker without a database in the way.
 */
import type { MusicStore, TrackRatingRecord, TrackRecord } from './ports.js';

export class InMemoryMusicStore implements MusicStore {
  private readonly ratings = new Map<number, Map<string, TrackRatingRecord>>();

  constructor(private readonly tracks: readonly TrackRecord[]) {}

  async allTracks(): Promise<TrackRecord[]> {
    return [...this.tracks];
  }

  async ratingsOf(userId: number): Promise<TrackRatingRecord[]> {
    return [...(this.ratings.get(userId)?.values() ?? [])];
  }

  async allRatings(): Promise<TrackRatingRecord[]> {
    return [...this.ratings.values()].flatMap((m) => [...m.values()]);
  }

  async upsertRating(rating: TrackRatingRecord): Promise<void> {
    const mine = this.ratings.get(rating.userId) ?? new Map<string, TrackRatingRecord>();
    mine.set(rating.trackId, rating);
    this.ratings.set(rating.userId, mine);
  }

  /** Erases a user's ratings (what /forget does in the database). */
  forget(userId: number): void {
    this.ratings.delete(userId);
  }
}
