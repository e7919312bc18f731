import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFERENCES, type Preferences } from '../../../src/core/ports.js';
import type { MoodReading } from '../../../src/core/mood/mood-space.js';
import { toDistribution } from '../../../src/core/mood/mood-space.js';
import type { NewRecommendation, RecommendationRecord, Stores, UserRecord } from '../../../src/core/stores.js';
import { TtlCache, withCache } from '../../../src/infra/db/cached-stores.js';

/** In-memory stores that count reads, standing in for Prisma. */
function countingStores() {
  const reads = { resolve: 0, preferences: 0, latest: 0, recent: 0, get: 0 };
  const users = new Map<string, UserRecord>();
  const prefs = new Map<number, Preferences>();
  const moods = new Map<number, MoodReading>();
  const recs: RecommendationRecord[] = [];
  let nextUser = 1;
  const stores = {
    users: {
      async resolve(platform: string, externalId: string) {
        reads.resolve++;
        const key = `${platform}:${externalId}`;
        if (!users.has(key)) users.set(key, { id: nextUser++, photoConsentAt: null, onboardedAt: null, moodDonationAt: null });
        return users.get(key)!;
      },
      async setPhotoConsent(userId: number, consent: boolean) {
        for (const [k, u] of users) if (u.id === userId) users.set(k, { ...u, photoConsentAt: consent ? new Date(0) : null });
      },
      async markOnboarded() {},
    },
    preferences: {
      async get(userId: number) {
        reads.preferences++;
        return prefs.get(userId) ?? DEFAULT_PREFERENCES;
      },
      async set(userId: number, p: Preferences) {
        prefs.set(userId, p);
      },
    },
    moods: {
      async add(userId: number, reading: MoodReading) {
        moods.set(userId, reading);
        return moods.size;
      },
      async latest(userId: number) {
        reads.latest++;
        return moods.get(userId) ?? null;
      },
    },
    recommendations: {
      async saveBatch(rows: readonly NewRecommendation[]) {
        const saved = rows.map((r, k) => ({ ...r, id: recs.length + 1 + k, createdAt: new Date(0) }));
        recs.push(...saved);
        return saved;
      },
      async get(id: number) {
        reads.get++;
        return recs.find((r) => r.id === id) ?? null;
      },
      async recentMovieIds(userId: number, limit: number) {
        reads.recent++;
        return recs.filter((r) => r.userId === userId).sort((a, b) => b.id - a.id).slice(0, limit).map((r) => r.movieId);
      },
    },
    corrections: {
      async apply(c: { userId: number; chosenLabel: MoodReading['label'] }, corrected: MoodReading) {
        moods.set(c.userId, corrected);
        for (const r of recs) if (r.userId === c.userId) Object.assign(r, { mood: corrected });
        return [];
      },
    },
    privacy: {
      async export() {
        return {};
      },
      async erase(userId: number) {
        for (const [k, u] of users) if (u.id === userId) users.delete(k);
        prefs.delete(userId);
        moods.delete(userId);
        return { User: 1 };
      },
    },
  } as unknown as Stores;
  return { stores, reads };
}

const joy: MoodReading = { label: 'joy', distribution: toDistribution({ joy: 1 }), confidence: 0.9, source: 'text' };
const batch = (userId: number, movies: number[]): NewRecommendation[] =>
  movies.map((movieId, rank) => ({ batchId: 'b', userId, movieId, platform: 'telegram', chatId: '1', rank: rank + 1, score: 4, reason: '', mood: null, modelVersion: 'v' }));

describe('withCache', () => {
  it('given repeated turns within the time limit, reads the user and their settings once', async () => {
    const { stores, reads } = countingStores();
    let now = 0;
    const cached = withCache(stores, { ttlMs: 30_000, now: () => now });
    const a = await cached.users.resolve('telegram', '7');
    const b = await cached.users.resolve('telegram', '7');
    await cached.preferences.get(a.id);
    await cached.preferences.get(a.id);
    expect(b).toEqual(a);
    expect(reads).toMatchObject({ resolve: 1, preferences: 1 });
    now = 30_001;
    await cached.users.resolve('telegram', '7');
    await cached.preferences.get(a.id);
    expect(reads).toMatchObject({ resolve: 2, preferences: 2 });
  });

  it('given a photo turn (fresh), reads the user from the store and sees a consent given elsewhere', async () => {
    const { stores, reads } = countingStores();
    const cached = withCache(stores, { ttlMs: 30_000 });
    const user = await cached.users.resolve('telegram', '8');
    await stores.users.setPhotoConsent(user.id, true); // another process
    expect((await cached.users.resolve('telegram', '8')).photoConsentAt).toBeNull();
    expect((await cached.users.resolve('telegram', '8', { fresh: true })).photoConsentAt).not.toBeNull();
    expect(reads.resolve).toBe(2);
  });

  it("given this process's own writes, answers with them at once", async () => {
    const { stores } = countingStores();
    const cached = withCache(stores, { ttlMs: 30_000 });
    const user = await cached.users.resolve('telegram', '9');
    await cached.users.setPhotoConsent(user.id, true);
    expect((await cached.users.resolve('telegram', '9')).photoConsentAt).not.toBeNull();
    const prefs = { ...DEFAULT_PREFERENCES, avoidGenres: ['Horror'] };
    await cached.preferences.get(user.id);
    await cached.preferences.set(user.id, prefs);
    expect(await cached.preferences.get(user.id)).toEqual(prefs);
    await cached.moods.add(user.id, joy, null);
    expect((await cached.moods.latest(user.id))?.label).toBe('joy');
  });

  it('given saved picks, serves the recent movie ids and the rows by id without reading them back', async () => {
    const { stores, reads } = countingStores();
    const cached = withCache(stores, { ttlMs: 30_000 });
    const saved = await cached.recommendations.saveBatch(batch(1, [10, 11, 12]));
    expect(await cached.recommendations.recentMovieIds(1, 3)).toEqual(await stores.recommendations.recentMovieIds(1, 3));
    expect(await cached.recommendations.get(saved[0]!.id)).toEqual(saved[0]);
    await cached.recommendations.saveBatch(batch(1, [20, 21, 22]));
    expect(await cached.recommendations.recentMovieIds(1, 3)).toEqual([22, 21, 20]);
    expect(reads.get).toBe(0);
    // Asking for more than is cached reads the store.
    expect(await cached.recommendations.recentMovieIds(1, 6)).toEqual([22, 21, 20, 12, 11, 10]);
  });

  it('given a mood correction, the cached latest mood and saved picks are read again with the chosen mood', async () => {
    const { stores, reads } = countingStores();
    const cached = withCache(stores, { ttlMs: 30_000 });
    const user = await cached.users.resolve('telegram', '11');
    await cached.moods.add(user.id, joy, null);
    const [saved] = await cached.recommendations.saveBatch(batch(user.id, [30]).map((r) => ({ ...r, mood: joy })));
    const love: MoodReading = { label: 'love', distribution: toDistribution({ love: 1 }), confidence: 1, source: 'user' };
    await cached.corrections.apply(
      { userId: user.id, observationId: 1, modelLabel: 'joy', modelDistribution: joy.distribution, chosenLabel: 'love', inputKind: 'text', modelVersion: 't', at: new Date() },
      love,
      null,
    );
    expect((await cached.moods.latest(user.id))?.label).toBe('love');
    expect((await cached.recommendations.get(saved!.id))?.mood?.label).toBe('love');
    expect(reads.get).toBe(1);
  });

  it('given /forget, drops everything cached about the user', async () => {
    const { stores, reads } = countingStores();
    const cached = withCache(stores, { ttlMs: 30_000 });
    const user = await cached.users.resolve('telegram', '10');
    await cached.preferences.set(user.id, { ...DEFAULT_PREFERENCES, avoidGenres: ['Horror'] });
    await cached.moods.add(user.id, joy, null);
    const [rec] = await cached.recommendations.saveBatch(batch(user.id, [5]));
    await cached.privacy.erase(user.id);
    expect(await cached.preferences.get(user.id)).toEqual(DEFAULT_PREFERENCES);
    expect(await cached.moods.latest(user.id)).toBeNull();
    const again = await cached.users.resolve('telegram', '10');
    expect(again.id).not.toBe(user.id);
    await cached.recommendations.get(rec!.id);
    expect(reads.get).toBe(1);
  });

  it('given a time limit of 0, returns the stores unchanged', () => {
    const { stores } = countingStores();
    expect(withCache(stores, { ttlMs: 0 })).toBe(stores);
  });
});

describe('TtlCache', () => {
  it('given more entries than its bound, drops the oldest written', () => {
    const cache = new TtlCache<number, string>(1000, 2, () => 0);
    cache.set(1, 'a');
    cache.set(2, 'b');
    cache.set(1, 'a2');
    cache.set(3, 'c');
    expect([cache.get(1), cache.get(2), cache.get(3)]).toEqual(['a2', undefined, 'c']);
  });
});
