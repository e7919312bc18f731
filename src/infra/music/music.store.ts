/**
 * The music picker's storage port (src/core/music/ports.ts) on Prisma, for
 * SQLite and PostgreSQL alike. Track ratings live in TrackRating, which the
 * privacy store already exports and erases with the rest of a user's data.
 */
import { isMoodLabel } from '../../core/mood/mood-space.js';
import type { MusicStore, TrackRatingRecord, TrackRecord } from '../../core/music/ports.js';
import type { Db } from '../db/database.js';

interface TrackRatingRow {
  userId: number;
  trackId: string;
  value: number | null;
  kind: string;
  moodLabel: string | null;
  updatedAt: Date;
}

const toRecord = (r: TrackRatingRow): TrackRatingRecord => ({
  userId: r.userId,
  trackId: r.trackId,
  value: r.value,
  kind: r.kind === 'not_for_me' ? 'not_for_me' : 'stars',
  moodLabel: r.moodLabel && isMoodLabel(r.moodLabel) ? r.moodLabel : null,
  at: r.updatedAt,
});

const RATING_FIELDS = { userId: true, trackId: true, value: true, kind: true, moodLabel: true, updatedAt: true } as const;

export class PrismaMusicStore implements MusicStore {
  constructor(private readonly db: Db) {}

  async allTracks(): Promise<TrackRecord[]> {
    return this.db.track.findMany({ orderBy: { id: 'asc' } });
  }

  async ratingsOf(userId: number): Promise<TrackRatingRecord[]> {
    return (await this.db.trackRating.findMany({ where: { userId }, select: RATING_FIELDS, orderBy: { id: 'asc' } })).map(toRecord);
  }

  async allRatings(): Promise<TrackRatingRecord[]> {
    return (await this.db.trackRating.findMany({ select: RATING_FIELDS, orderBy: { id: 'asc' } })).map(toRecord);
  }

  async upsertRating(r: TrackRatingRecord): Promise<void> {
    const data = { value: r.value, kind: r.kind, moodLabel: r.moodLabel, updatedAt: r.at };
    await this.db.trackRating.upsert({
      where: { userId_trackId: { userId: r.userId, trackId: r.trackId } },
      create: { userId: r.userId, trackId: r.trackId, ...data, createdAt: r.at },
      update: data,
    });
  }
}
