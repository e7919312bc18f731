/**
 * Prisma implementations of the core's storage ports (src/core/stores.ts), on
 * SQLite or PostgreSQL alike. JSON values are stored as text.
 */
import { MOODS, isMoodLabel, toDistribution, type MoodDistribution, type MoodLabel, type MoodReading } from '../../core/mood/mood-space.js';
import { DEFAULT_PREFERENCES, type Movie, type Preferences, type RatingKind, type RatingSource } from '../../core/ports.js';
import type { Platform } from '../../core/conversation/turn.js';
import type {
  CatalogStore,
  CorrectionStore,
  DonatedSentenceRow,
  MoodCorrectionRecord,
  MoodInputKind,
  MoodStore,
  StoredMood,
  NewRecommendation,
  PartyPick,
  PartyRecord,
  PartyStatus,
  PartyStore,
  PreferenceStore,
  PrivacyStore,
  RatingStore,
  RecommendationRecord,
  RecommendationStore,
  ReviewStore,
  Stores,
  StoredRating,
  UserStore,
} from '../../core/stores.js';
import { insertRows } from './bulk-insert.js';
import type { Database, Db } from './database.js';

const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(v as string | number));
const list = (s: string): string[] => (s ? s.split('|').filter(Boolean) : []);
const parseJson = <T>(s: string | null | undefined, fallback: T): T => {
  if (!s) return fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
};
const dist = (s: string | null): MoodDistribution | null => (s ? toDistribution(parseJson<Record<string, number>>(s, {})) : null);

function readingFrom(label: string | null, distribution: string | null, confidence = 1, source: MoodReading['source'] = 'fused'): MoodReading | null {
  const d = dist(distribution);
  if (!d || !label || !isMoodLabel(label)) return null;
  return { label, distribution: d, confidence, source };
}

/** True for a unique-constraint violation, on either provider. */
export const isUniqueViolation = (error: unknown): boolean => (error as { code?: string })?.code === 'P2002';

class PrismaUserStore implements UserStore {
  constructor(private readonly db: Db) {}
  async resolve(platform: Platform, externalId: string) {
    // One raw join instead of Prisma's two queries for identity + user: photo turns read the user fresh each time.
    const [found] = await this.db.$queryRaw<{ id: unknown; photoConsentAt: unknown; onboardedAt: unknown; moodDonationAt: unknown }[]>`
      SELECT u."id", u."photoConsentAt", u."onboardedAt", u."moodDonationAt" FROM "Identity" i JOIN "User" u ON u."id" = i."userId"
      WHERE i."platform" = ${platform} AND i."externalId" = ${externalId}`;
    if (found) {
      return { id: Number(found.id), photoConsentAt: dateOrNull(found.photoConsentAt), onboardedAt: dateOrNull(found.onboardedAt), moodDonationAt: dateOrNull(found.moodDonationAt) };
    }
    try {
      return await this.db.user.create({ data: { identities: { create: { platform, externalId } } } });
    } catch (error) {
      // Two first messages at once: the other one created it.
      if (!isUniqueViolation(error)) throw error;
      const again = await this.db.identity.findUniqueOrThrow({ where: { platform_externalId: { platform, externalId } }, include: { user: true } });
      return again.user;
    }
  }
  async setPhotoConsent(userId: number, consent: boolean) {
    await this.db.user.update({ where: { id: userId }, data: { photoConsentAt: consent ? new Date() : null } });
  }
  async markOnboarded(userId: number) {
    await this.db.user.update({ where: { id: userId }, data: { onboardedAt: new Date() } });
  }
  async setMoodDonation(userId: number, on: boolean) {
    await this.db.$transaction(async (tx) => {
      await tx.user.update({ where: { id: userId }, data: { moodDonationAt: on ? new Date() : null } });
      if (!on) await tx.donatedSentence.deleteMany({ where: { userId } });
    });
  }
}

class PrismaPreferenceStore implements PreferenceStore {
  constructor(private readonly db: Db) {}
  async get(userId: number): Promise<Preferences> {
    const p = await this.db.preference.findUnique({ where: { userId } });
    if (!p) return DEFAULT_PREFERENCES;
    return {
      languages: parseJson(p.languages, []),
      avoidGenres: parseJson(p.avoidGenres, []),
      likedGenres: parseJson(p.likedGenres, []),
      likedActors: parseJson(p.likedActors, []),
      strategy: p.strategy === 'match' || p.strategy === 'lift' ? p.strategy : null,
      minRating: p.minRating,
      minVotes: p.minVotes,
      yearFrom: p.yearFrom,
      yearTo: p.yearTo,
    };
  }
  async set(userId: number, prefs: Preferences) {
    const data = {
      languages: JSON.stringify(prefs.languages),
      avoidGenres: JSON.stringify(prefs.avoidGenres),
      likedGenres: JSON.stringify(prefs.likedGenres),
      likedActors: JSON.stringify(prefs.likedActors),
      strategy: prefs.strategy,
      minRating: prefs.minRating,
      minVotes: prefs.minVotes,
      yearFrom: prefs.yearFrom,
      yearTo: prefs.yearTo,
    };
    await this.db.preference.upsert({ where: { userId }, create: { userId, ...data }, update: data });
  }
}

class PrismaRatingStore implements RatingStore {
  constructor(private readonly db: Db) {}
  async upsert(r: StoredRating) {
    const data = {
      value: r.value,
      kind: r.kind,
      source: r.source,
      moodLabel: r.moodLabel,
      moodDistribution: r.moodDistribution ? JSON.stringify(r.moodDistribution) : null,
    };
    await this.db.rating.upsert({
      where: { userId_movieId: { userId: r.userId, movieId: r.movieId } },
      create: { userId: r.userId, movieId: r.movieId, ...data, createdAt: r.at },
      update: data,
    });
  }
  async forUser(userId: number): Promise<StoredRating[]> {
    const rows = await this.db.rating.findMany({ where: { userId }, orderBy: { updatedAt: 'asc' } });
    return rows.map((r) => ({
      userId: r.userId,
      movieId: r.movieId,
      value: r.value,
      kind: r.kind as RatingKind,
      source: r.source as RatingSource,
      moodLabel: r.moodLabel && isMoodLabel(r.moodLabel) ? r.moodLabel : null,
      moodDistribution: dist(r.moodDistribution),
      at: r.updatedAt,
    }));
  }
  async allStars() {
    const rows = await this.db.rating.findMany({
      where: { kind: 'stars', value: { not: null } },
      select: { userId: true, movieId: true, value: true, updatedAt: true },
      orderBy: { updatedAt: 'asc' },
    });
    return rows.map((r) => ({ userId: r.userId, movieId: r.movieId, value: r.value!, at: r.updatedAt }));
  }
  count(source?: RatingSource) {
    return this.db.rating.count(source ? { where: { source } } : undefined);
  }
}

class PrismaMoodStore implements MoodStore {
  private readonly db: Db;
  constructor(private readonly database: Database) {
    this.db = database.db;
  }
  /** Raw: one of the two writes of every mood turn (see insertRows). */
  async add(userId: number, reading: MoodReading, faces: number | null, meta?: { input: MoodInputKind; modelVersion: string }) {
    const [row] = await insertRows(
      this.database,
      'MoodObservation',
      ['userId', 'label', 'distribution', 'confidence', 'source', 'faces', 'input', 'modelVersion', 'createdAt'],
      [[userId, reading.label, JSON.stringify(reading.distribution), reading.confidence, reading.source, faces, meta?.input ?? null, meta?.modelVersion ?? null, new Date()]],
      ['id'],
    );
    return Number(row!.id);
  }
  async latest(userId: number) {
    const m = await this.db.moodObservation.findFirst({ where: { userId }, orderBy: { id: 'desc' } });
    return m ? readingFrom(m.label, m.distribution, m.confidence, m.source as MoodReading['source']) : null;
  }
  async get(id: number) {
    const m = await this.db.moodObservation.findUnique({ where: { id } });
    return m ? toStoredMood(m) : null;
  }
  async since(userId: number, from: Date) {
    const rows = await this.db.moodObservation.findMany({ where: { userId, createdAt: { gte: from } }, orderBy: { createdAt: 'asc' } });
    return rows.flatMap((m) => toStoredMood(m) ?? []);
  }
}

type MoodRow = { id: number; userId: number; label: string; distribution: string; confidence: number; source: string; faces: number | null; input: string | null; modelVersion: string | null; createdAt: Date };

/** Rows older than corrections have no input column: a face or fused reading came from a photo. */
const inputOf = (m: Pick<MoodRow, 'input' | 'source'>): MoodInputKind =>
  m.input === 'text' || m.input === 'photo' ? m.input : m.source === 'text' ? 'text' : 'photo';

function toStoredMood(m: MoodRow): StoredMood | null {
  const reading = readingFrom(m.label, m.distribution, m.confidence, m.source as MoodReading['source']);
  return reading ? { id: m.id, userId: m.userId, reading, input: inputOf(m), modelVersion: m.modelVersion, at: m.createdAt } : null;
}

class PrismaCorrectionStore implements CorrectionStore {
  constructor(private readonly db: Db) {}
  async forObservation(observationId: number): Promise<MoodCorrectionRecord | null> {
    const c = await this.db.moodCorrection.findUnique({ where: { observationId } });
    if (!c || !isMoodLabel(c.modelLabel) || !isMoodLabel(c.chosenLabel)) return null;
    return {
      userId: c.userId, observationId: c.observationId, modelLabel: c.modelLabel, modelDistribution: dist(c.modelDistribution)!,
      chosenLabel: c.chosenLabel, inputKind: c.inputKind === 'photo' ? 'photo' : 'text', modelVersion: c.modelVersion, at: c.updatedAt,
    };
  }
  async apply(c: MoodCorrectionRecord, corrected: MoodReading, donation: { text: string } | null): Promise<StoredRating[]> {
    const mood = { moodLabel: corrected.label, moodDistribution: JSON.stringify(corrected.distribution) };
    return this.db.$transaction(async (tx) => {
      const data = {
        modelLabel: c.modelLabel, modelDistribution: JSON.stringify(c.modelDistribution), chosenLabel: c.chosenLabel,
        inputKind: c.inputKind, modelVersion: c.modelVersion,
      };
      await tx.moodCorrection.upsert({ where: { observationId: c.observationId }, create: { userId: c.userId, observationId: c.observationId, ...data, createdAt: c.at }, update: { chosenLabel: c.chosenLabel } });
      const observation = await tx.moodObservation.update({
        where: { id: c.observationId },
        data: { label: corrected.label, distribution: mood.moodDistribution, confidence: corrected.confidence, source: corrected.source },
      });
      // The picks made for this reading, and what the user rated on them since: their mood is now the chosen one.
      const picks = await tx.recommendation.findMany({ where: { moodObservationId: c.observationId, userId: c.userId }, select: { movieId: true } });
      await tx.recommendation.updateMany({ where: { moodObservationId: c.observationId, userId: c.userId }, data: mood });
      const where = { userId: c.userId, source: 'button', movieId: { in: picks.map((p) => p.movieId) }, updatedAt: { gte: observation.createdAt } };
      const ratings = picks.length ? await tx.rating.findMany({ where }) : [];
      if (ratings.length) await tx.rating.updateMany({ where: { id: { in: ratings.map((r) => r.id) } }, data: mood });
      if (donation) {
        await tx.donatedSentence.upsert({
          where: { observationId: c.observationId },
          create: { userId: c.userId, observationId: c.observationId, text: donation.text, label: c.chosenLabel },
          update: { label: c.chosenLabel },
        });
      } else {
        await tx.donatedSentence.deleteMany({ where: { observationId: c.observationId } });
      }
      return ratings.map((r) => ({
        userId: r.userId, movieId: r.movieId, value: r.value, kind: r.kind as RatingKind, source: r.source as RatingSource,
        moodLabel: corrected.label, moodDistribution: corrected.distribution, at: r.updatedAt,
      }));
    });
  }
  async donatedSentences(): Promise<DonatedSentenceRow[]> {
    const rows = await this.db.donatedSentence.findMany({ select: { text: true, label: true, updatedAt: true }, orderBy: { id: 'asc' } });
    return rows.flatMap((r) => (isMoodLabel(r.label) ? [{ text: r.text, label: r.label as MoodLabel, at: r.updatedAt }] : []));
  }
}

const RECOMMENDATION_COLUMNS = ['batchId', 'userId', 'movieId', 'platform', 'chatId', 'rank', 'score', 'reason', 'moodLabel', 'moodDistribution', 'moodObservationId', 'modelVersion', 'createdAt'] as const;

class PrismaRecommendationStore implements RecommendationStore {
  private readonly db: Db;
  constructor(private readonly database: Database) {
    this.db = database.db;
  }
  private toRecord(r: {
    id: number; batchId: string; userId: number; movieId: number; platform: string; chatId: string; rank: number; score: number;
    reason: string; moodLabel: string | null; moodDistribution: string | null; moodObservationId: number | null; modelVersion: string; createdAt: Date;
  }): RecommendationRecord {
    const { moodLabel, moodDistribution, ...rest } = r;
    return { ...rest, platform: r.platform as Platform, mood: readingFrom(moodLabel, moodDistribution) };
  }
  /** Raw: the other write of every mood turn (see insertRows); one statement, ids returned. */
  async saveBatch(rows: readonly NewRecommendation[]) {
    if (rows.length === 0) return [];
    const createdAt = new Date();
    const distributions = rows.map((r) => (r.mood ? JSON.stringify(r.mood.distribution) : null));
    const values = rows.map((r, k) => [
      r.batchId, r.userId, r.movieId, r.platform, r.chatId, r.rank, r.score, r.reason,
      r.mood?.label ?? null, distributions[k]!, r.moodObservationId ?? null, r.modelVersion, createdAt,
    ]);
    const returned = await insertRows(this.database, 'Recommendation', RECOMMENDATION_COLUMNS, values, ['id', 'userId', 'movieId', 'rank']);
    const key = (userId: unknown, movieId: unknown, rank: unknown) => `${Number(userId)}:${Number(movieId)}:${Number(rank)}`;
    const ids = new Map(returned.map((r) => [key(r.userId, r.movieId, r.rank), Number(r.id)]));
    return rows
      .map((r, k) => {
        const id = ids.get(key(r.userId, r.movieId, r.rank));
        if (id === undefined) throw new Error(`saveBatch: no id returned for movie ${r.movieId} at rank ${r.rank}`);
        // The same record get() reads back.
        return { ...r, id, createdAt, moodObservationId: r.moodObservationId ?? null, mood: readingFrom(r.mood?.label ?? null, distributions[k]!) };
      })
      .sort((a, b) => a.rank - b.rank);
  }
  async get(id: number) {
    const r = await this.db.recommendation.findUnique({ where: { id } });
    return r ? this.toRecord(r) : null;
  }
  async recentMovieIds(userId: number, limit: number) {
    const rows = await this.db.recommendation.findMany({ where: { userId }, orderBy: { id: 'desc' }, take: limit, select: { movieId: true } });
    return rows.map((r) => r.movieId);
  }
}

class PrismaReviewStore implements ReviewStore {
  constructor(private readonly db: Db) {}
  async upsert(userId: number, movieId: number, text: string, sentiment: number) {
    return this.db.$transaction(async (tx) => {
      await tx.review.upsert({ where: { userId_movieId: { userId, movieId } }, create: { userId, movieId, text, sentiment }, update: { text, sentiment } });
      const agg = await tx.review.aggregate({ where: { movieId }, _avg: { sentiment: true }, _count: { _all: true } });
      const movieMean = agg._avg.sentiment ?? 0;
      const movieCount = agg._count._all;
      await tx.movie.update({ where: { id: movieId }, data: { reviewSentiment: movieMean, reviewCount: movieCount } });
      return { movieMean, movieCount };
    });
  }
}

class PrismaCatalogStore implements CatalogStore {
  constructor(private readonly database: Database) {}
  private get db() {
    return this.database.db;
  }
  async allMovies(): Promise<Movie[]> {
    const rows = await this.db.movie.findMany({ orderBy: { id: 'asc' } });
    return rows.map((m) => ({
      id: m.id, title: m.title, year: m.year, genres: list(m.genres), imdbId: m.imdbId, tmdbId: m.tmdbId, overview: m.overview,
      posterPath: m.posterPath, language: m.language, runtime: m.runtime, voteAverage: m.voteAverage, voteCount: m.voteCount,
      keywords: list(m.keywords), tags: list(m.tags), actors: list(m.actors), directors: list(m.directors),
    }));
  }
  async emotionProfiles() {
    const rows = await this.db.movie.findMany({ where: { emotionProfile: { not: null } }, select: { id: true, emotionProfile: true } });
    return new Map(rows.map((r) => [r.id, dist(r.emotionProfile)!]));
  }
  async saveEmotionProfiles(profiles: ReadonlyMap<number, MoodDistribution>) {
    const entries = [...profiles];
    const CHUNK = 500;
    for (let k = 0; k < entries.length; k += CHUNK) {
      await this.db.$transaction(
        entries.slice(k, k + CHUNK).map(([id, d]) =>
          this.db.movie.update({ where: { id }, data: { emotionProfile: JSON.stringify(Object.fromEntries(MOODS.map((m) => [m, Number(d[m].toFixed(4))]))) } }),
        ),
      );
    }
  }
  async reviewSentiments() {
    const rows = await this.db.movie.findMany({ where: { reviewCount: { gt: 0 } }, select: { id: true, reviewSentiment: true } });
    return new Map(rows.map((r) => [r.id, r.reviewSentiment ?? 0]));
  }
  count() {
    return this.db.movie.count();
  }
}

type PartyRow = {
  id: string; platform: string; chatId: string; status: string; createdById: number; deadline: Date; picks: string; winnerId: number | null;
  members: { userId: number }[]; votes: { userId: number; movieId: number }[];
};

class PrismaPartyStore implements PartyStore {
  constructor(private readonly db: Db) {}
  private readonly include = { members: { select: { userId: true }, orderBy: { joinedAt: 'asc' } }, votes: { select: { userId: true, movieId: true } } } as const;
  private toRecord(p: PartyRow): PartyRecord {
    return {
      id: p.id, platform: p.platform as Platform, chatId: p.chatId, status: p.status as PartyStatus, createdById: p.createdById,
      deadline: p.deadline, picks: parseJson<PartyPick[]>(p.picks, []), winnerId: p.winnerId,
      memberIds: p.members.map((m) => m.userId), votes: new Map(p.votes.map((v) => [v.userId, v.movieId])),
    };
  }
  async create(party: { id: string; platform: Platform; chatId: string; createdById: number; deadline: Date }) {
    try {
      const row = await this.db.watchParty.create({
        data: { ...party, status: 'joining', openChatKey: `${party.platform}:${party.chatId}`, members: { create: { userId: party.createdById } } },
        include: this.include,
      });
      return this.toRecord(row);
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }
  async get(id: string) {
    const row = await this.db.watchParty.findUnique({ where: { id }, include: this.include });
    return row ? this.toRecord(row) : null;
  }
  async openInChat(platform: Platform, chatId: string) {
    const row = await this.db.watchParty.findUnique({ where: { openChatKey: `${platform}:${chatId}` }, include: this.include });
    return row ? this.toRecord(row) : null;
  }
  async join(partyId: string, userId: number) {
    try {
      await this.db.partyMember.create({ data: { partyId, userId } });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }
  async startVoting(partyId: string, picks: readonly PartyPick[]) {
    const r = await this.db.watchParty.updateMany({ where: { id: partyId, status: 'joining' }, data: { status: 'voting', picks: JSON.stringify(picks) } });
    return r.count === 1;
  }
  async vote(partyId: string, userId: number, movieId: number) {
    return this.db.$transaction(async (tx) => {
      const previous = await tx.partyVote.findUnique({ where: { partyId_userId: { partyId, userId } } });
      await tx.partyVote.upsert({ where: { partyId_userId: { partyId, userId } }, create: { partyId, userId, movieId }, update: { movieId } });
      return { previous: previous?.movieId ?? null };
    });
  }
  async claim(partyId: string, owner: string, leaseMs: number) {
    const now = new Date();
    const r = await this.db.watchParty.updateMany({
      where: { id: partyId, status: { in: ['joining', 'voting'] }, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }, { leaseOwner: owner }] },
      data: { leaseOwner: owner, leaseUntil: new Date(now.getTime() + leaseMs) },
    });
    return r.count === 1;
  }
  async close(partyId: string, outcome: { status: 'closed' | 'cancelled'; winnerId: number | null; summary: string }) {
    await this.db.watchParty.update({
      where: { id: partyId },
      data: { status: outcome.status, winnerId: outcome.winnerId, summary: outcome.summary, closedAt: new Date(), openChatKey: null },
    });
  }
  async listOpen() {
    const rows = await this.db.watchParty.findMany({ where: { status: { in: ['joining', 'voting'] } }, include: this.include });
    return rows.map((r) => this.toRecord(r));
  }
}

/** Tables with a userId column; /forget and /export walk them. The privacy test checks this against the schema. */
export const USER_TABLES = [
  'identity', 'preference', 'rating', 'moodObservation', 'moodCorrection', 'donatedSentence', 'recommendation', 'review', 'partyMember', 'partyVote', 'trackRating',
] as const;

class PrismaPrivacyStore implements PrivacyStore {
  constructor(private readonly db: Db, private readonly provider: Database['provider']) {}
  async export(userId: number) {
    const user = await this.db.user.findUnique({ where: { id: userId } });
    const out: Record<string, unknown> = { user };
    for (const table of USER_TABLES) {
      out[table] = await (this.db[table] as unknown as { findMany(a: unknown): Promise<unknown[]> }).findMany({ where: { userId } });
    }
    out.watchPartiesCreated = await this.db.watchParty.findMany({ where: { createdById: userId } });
    return out;
  }
  async erase(userId: number) {
    const counts = await this.db.$transaction(async (tx) => {
      const counts: Record<string, number> = {};
      for (const table of USER_TABLES) {
        counts[table] = (await (tx[table] as unknown as { deleteMany(a: unknown): Promise<{ count: number }> }).deleteMany({ where: { userId } })).count;
      }
      counts.watchParty = (await tx.watchParty.deleteMany({ where: { createdById: userId } })).count;
      counts.user = (await tx.user.deleteMany({ where: { id: userId } })).count;
      return counts;
    });
    // Push the erased pages out of the write-ahead log too (secure_delete zeroes them in the file).
    if (this.provider === 'sqlite') await this.db.$queryRawUnsafe('PRAGMA wal_checkpoint(TRUNCATE)');
    return counts;
  }
}

export function createPrismaStores(database: Database): Stores {
  const { db } = database;
  return {
    users: new PrismaUserStore(db),
    preferences: new PrismaPreferenceStore(db),
    ratings: new PrismaRatingStore(db),
    moods: new PrismaMoodStore(database),
    corrections: new PrismaCorrectionStore(db),
    recommendations: new PrismaRecommendationStore(database),
    reviews: new PrismaReviewStore(db),
    catalog: new PrismaCatalogStore(database),
    parties: new PrismaPartyStore(db),
    privacy: new PrismaPrivacyStore(db, database.provider),
  };
}
