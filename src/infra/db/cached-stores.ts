/**
 * A short-lived in-process cache over the reads every turn makes: which user is
 * behind a platform account, their settings, their latest mood (rating presses
 * record it) and the movies last proposed to them (the next answer varies from
 * them). Each costs a Prisma query, about 0.7-1.6 ms of CPU here, and a text turn
 * made four of them.
 *
 * This process's own writes update the cache at once (settings, consent,
 * onboarding, moods, proposals, /forget). Other processes sharing the database
 * see a change within `ttlMs` (MOODREEL_CACHE_SECONDS). Photo turns ask for a
 * fresh user, so a consent withdrawn through another process is honoured on the
 * very next photo.
 */
import type { Platform } from '../../core/conversation/turn.js';
import type { MoodReading } from '../../core/mood/mood-space.js';
import type { Preferences } from '../../core/ports.js';
import type {
  CorrectionStore,
  MoodInputKind,
  MoodStore,
  StoredMood,
  NewRecommendation,
  PreferenceStore,
  PrivacyStore,
  RecommendationRecord,
  RecommendationStore,
  Stores,
  UserRecord,
  UserStore,
} from '../../core/stores.js';

export interface CacheOptions {
  /** How long an entry is trusted; 0 turns the cache off. */
  readonly ttlMs: number;
  /** Entries kept per cache; the oldest go first (default 10,000). */
  readonly maxEntries?: number;
  /** Milliseconds clock (tests). */
  readonly now?: () => number;
}

/** A Map with an expiry per entry and a size bound (oldest written first out). */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  get(key: K): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expires: this.now() + this.ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  deleteWhere(test: (value: V) => boolean): void {
    for (const [key, { value }] of this.entries) if (test(value)) this.entries.delete(key);
  }
}

class CachedUserStore implements UserStore {
  constructor(
    private readonly inner: UserStore,
    readonly byAccount: TtlCache<string, UserRecord>,
  ) {}

  async resolve(platform: Platform, externalId: string, options?: { fresh?: boolean }): Promise<UserRecord> {
    const key = `${platform}\u0000${externalId}`;
    if (!options?.fresh) {
      const hit = this.byAccount.get(key);
      if (hit) return hit;
    }
    const user = await this.inner.resolve(platform, externalId, options);
    this.byAccount.set(key, user);
    return user;
  }

  async setPhotoConsent(userId: number, consent: boolean): Promise<void> {
    await this.inner.setPhotoConsent(userId, consent);
    this.forget(userId);
  }

  async markOnboarded(userId: number): Promise<void> {
    await this.inner.markOnboarded(userId);
    this.forget(userId);
  }

  async setMoodDonation(userId: number, on: boolean): Promise<void> {
    this.forget(userId);
    try {
      await this.inner.setMoodDonation(userId, on);
    } finally {
      this.forget(userId);
    }
  }

  forget(userId: number): void {
    this.byAccount.deleteWhere((u) => u.id === userId);
  }
}

class CachedPreferenceStore implements PreferenceStore {
  constructor(
    private readonly inner: PreferenceStore,
    readonly byUser: TtlCache<number, Preferences>,
  ) {}

  async get(userId: number): Promise<Preferences> {
    const hit = this.byUser.get(userId);
    if (hit) return hit;
    const preferences = await this.inner.get(userId);
    this.byUser.set(userId, preferences);
    return preferences;
  }

  async set(userId: number, preferences: Preferences): Promise<void> {
    this.byUser.delete(userId);
    await this.inner.set(userId, preferences);
    this.byUser.set(userId, preferences);
  }
}

class CachedMoodStore implements MoodStore {
  constructor(
    private readonly inner: MoodStore,
    /** null = known to have none. */
    readonly latestByUser: TtlCache<number, MoodReading | null>,
  ) {}

  async add(userId: number, reading: MoodReading, faces: number | null, meta?: { readonly input: MoodInputKind; readonly modelVersion: string }): Promise<number> {
    this.latestByUser.delete(userId);
    const id = await this.inner.add(userId, reading, faces, meta);
    // What the database gives back for it: the reading's own fields only.
    const { label, distribution, confidence, source } = reading;
    this.latestByUser.set(userId, { label, distribution, confidence, source });
    return id;
  }

  get(id: number): Promise<StoredMood | null> {
    return this.inner.get(id);
  }

  since(userId: number, from: Date): Promise<StoredMood[]> {
    return this.inner.since(userId, from);
  }

  async latest(userId: number): Promise<MoodReading | null> {
    const hit = this.latestByUser.get(userId);
    if (hit !== undefined) return hit;
    const reading = await this.inner.latest(userId);
    this.latestByUser.set(userId, reading);
    return reading;
  }
}

class CachedRecommendationStore implements RecommendationStore {
  constructor(
    private readonly inner: RecommendationStore,
    /** Newest first, as read with `limit`. */
    readonly recentByUser: TtlCache<number, { readonly ids: readonly number[]; readonly limit: number }>,
    /** Saved picks by id, for the rating buttons pointing at them (rows never change; /forget deletes them). */
    readonly byId: TtlCache<number, RecommendationRecord>,
  ) {}

  forget(userId: number): void {
    this.recentByUser.delete(userId);
    this.byId.deleteWhere((r) => r.userId === userId);
  }

  async saveBatch(rows: readonly NewRecommendation[]): Promise<RecommendationRecord[]> {
    const userIds = [...new Set(rows.map((r) => r.userId))];
    const previous = userIds.map((userId) => this.recentByUser.get(userId));
    for (const userId of userIds) this.recentByUser.delete(userId);
    const saved = await this.inner.saveBatch(rows);
    userIds.forEach((userId, k) => {
      // Newest first, as the database orders them (by id).
      const fresh = saved.filter((r) => r.userId === userId).sort((a, b) => b.id - a.id).map((r) => r.movieId);
      const before = previous[k];
      this.recentByUser.set(userId, before ? { ids: [...fresh, ...before.ids].slice(0, before.limit), limit: before.limit } : { ids: fresh, limit: fresh.length });
    });
    for (const record of saved) this.byId.set(record.id, record);
    return saved;
  }

  async get(id: number): Promise<RecommendationRecord | null> {
    const hit = this.byId.get(id);
    if (hit) return hit;
    const record = await this.inner.get(id);
    if (record) this.byId.set(id, record);
    return record;
  }

  async recentMovieIds(userId: number, limit: number): Promise<number[]> {
    const hit = this.recentByUser.get(userId);
    if (hit && hit.limit >= limit) return hit.ids.slice(0, limit);
    const ids = await this.inner.recentMovieIds(userId, limit);
    this.recentByUser.set(userId, { ids, limit });
    return ids;
  }
}

/** `stores` with the per-turn reads cached; the same object when `ttlMs` is 0. */
export function withCache(stores: Stores, options: CacheOptions): Stores {
  if (options.ttlMs <= 0) return stores;
  const settings: Required<CacheOptions> = { maxEntries: 10_000, now: Date.now, ...options };
  const cache = <K, V>() => new TtlCache<K, V>(settings.ttlMs, settings.maxEntries, settings.now);
  const users = new CachedUserStore(stores.users, cache());
  const preferences = new CachedPreferenceStore(stores.preferences, cache());
  const moods = new CachedMoodStore(stores.moods, cache());
  const recommendations = new CachedRecommendationStore(stores.recommendations, cache(), cache());
  // A correction changes the stored mood and the mood of saved picks: drop what was cached of them.
  const corrections: CorrectionStore = {
    forObservation: (observationId) => stores.corrections.forObservation(observationId),
    donatedSentences: () => stores.corrections.donatedSentences(),
    async apply(correction, corrected, donation) {
      try {
        return await stores.corrections.apply(correction, corrected, donation);
      } finally {
        moods.latestByUser.delete(correction.userId);
        recommendations.forget(correction.userId);
      }
    },
  };
  const privacy: PrivacyStore = {
    export: (userId) => stores.privacy.export(userId),
    async erase(userId) {
      try {
        return await stores.privacy.erase(userId);
      } finally {
        users.forget(userId);
        preferences.byUser.delete(userId);
        moods.latestByUser.delete(userId);
        recommendations.forget(userId);
      }
    },
  };
  return { ...stores, users, preferences, moods, corrections, recommendations, privacy };
}
