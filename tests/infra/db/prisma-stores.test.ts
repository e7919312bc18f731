import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaStores, USER_TABLES } from '../../../src/infra/db/prisma-stores.js';
import { openDatabase } from '../../../src/infra/db/database.js';
import { toDistribution } from '../../../src/core/mood/mood-space.js';
import { DEFAULT_PREFERENCES } from '../../../src/core/ports.js';
import type { Stores } from '../../../src/core/stores.js';
import { providers, type TestDatabase } from '../../helpers/databases.js';

const sad = { label: 'sadness' as const, distribution: toDistribution({ sadness: 0.7, fear: 0.3 }), confidence: 0.8, source: 'text' as const };

/** Every model with a userId or createdById column, read from the schema itself. */
function userOwnedModels(): string[] {
  const schema = readFileSync('prisma/models.prisma', 'utf8');
  const models = [...schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)];
  return models.filter(([, , body]) => /^\s+(userId|createdById)\s/m.test(body!)).map(([, name]) => name!);
}

describe.each(providers)('Prisma stores on $name', ({ open }) => {
  let t: TestDatabase;
  let stores: Stores;
  beforeAll(async () => {
    t = await open();
    stores = createPrismaStores(t.database);
    await t.database.db.movie.createMany({
      data: [1, 2, 3].map((id) => ({ id, title: `Movie ${id}`, genres: 'Drama|Comedy' })),
    });
  });
  afterAll(async () => t?.dispose());

  it('given the same platform account twice, resolves one user', async () => {
    const a = await stores.users.resolve('telegram', '42');
    const b = await stores.users.resolve('telegram', '42');
    const c = await stores.users.resolve('discord', '42');
    expect(a.id).toBe(b.id);
    expect(c.id).not.toBe(a.id);
    expect(b).toEqual({ id: a.id, photoConsentAt: null, onboardedAt: null, moodDonationAt: null });
    await stores.users.setPhotoConsent(a.id, true);
    await stores.users.markOnboarded(a.id);
    const again = await stores.users.resolve('telegram', '42');
    expect(again.photoConsentAt).toBeInstanceOf(Date);
    expect(Math.abs(again.photoConsentAt!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(again.onboardedAt).toBeInstanceOf(Date);
    await stores.users.setPhotoConsent(a.id, false);
    expect((await stores.users.resolve('telegram', '42')).photoConsentAt).toBeNull();
  });

  it('given two first messages at once, still creates one user', async () => {
    const [a, b] = await Promise.all([stores.users.resolve('telegram', 'race'), stores.users.resolve('telegram', 'race')]);
    expect(a.id).toBe(b.id);
  });

  it('given migrations applied twice, the second run applies nothing', async () => {
    const again = await openDatabase(t.url);
    await again.close();
  });

  it('round-trips preferences, defaulting when none are set', async () => {
    const u = await stores.users.resolve('terminal', 'prefs');
    expect(await stores.preferences.get(u.id)).toEqual(DEFAULT_PREFERENCES);
    const prefs = { ...DEFAULT_PREFERENCES, languages: ['en'], avoidGenres: ['Horror'], strategy: 'lift' as const, yearFrom: 1990, minRating: 7 };
    await stores.preferences.set(u.id, prefs);
    expect(await stores.preferences.get(u.id)).toEqual(prefs);
  });

  it('given a second rating of the same movie, replaces the first and keeps the mood', async () => {
    const u = await stores.users.resolve('terminal', 'rater');
    const base = { userId: u.id, movieId: 1, kind: 'stars' as const, source: 'button' as const, moodLabel: 'sadness' as const, moodDistribution: sad.distribution, at: new Date() };
    await stores.ratings.upsert({ ...base, value: 2 });
    await stores.ratings.upsert({ ...base, value: 4.5 });
    const rows = await stores.ratings.forUser(u.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ value: 4.5, moodLabel: 'sadness' });
    expect(rows[0]!.moodDistribution!.sadness).toBeCloseTo(0.7);
  });

  it('saves a recommendation batch with ids and reads one back with its mood', async () => {
    const u = await stores.users.resolve('terminal', 'recs');
    const saved = await stores.recommendations.saveBatch(
      [1, 2].map((movieId, k) => ({ batchId: 'b1', userId: u.id, movieId, platform: 'terminal' as const, chatId: 'c', rank: k + 1, score: 4 - k, reason: 'r', mood: sad, modelVersion: 'v1' })),
    );
    expect(saved.map((r) => r.rank)).toEqual([1, 2]);
    const one = await stores.recommendations.get(saved[1]!.id);
    expect(one).toMatchObject({ movieId: 2, userId: u.id, mood: { label: 'sadness' } });
    // What saveBatch returns (raw INSERT ... RETURNING) is exactly what get() reads back through Prisma.
    for (const record of saved) expect(await stores.recommendations.get(record.id)).toEqual(record);
    expect(await stores.recommendations.recentMovieIds(u.id, 5)).toEqual([2, 1]);
  });

  it('given a mood observation, reads it back as the latest with its distribution and a proper date', async () => {
    const u = await stores.users.resolve('terminal', 'moods');
    const before = Date.now();
    await stores.moods.add(u.id, sad, null);
    await stores.moods.add(u.id, { ...sad, label: 'fear', distribution: toDistribution({ fear: 1 }) }, 2);
    expect(await stores.moods.latest(u.id)).toMatchObject({ label: 'fear', distribution: { fear: 1 } });
    const rows = await t.database.db.moodObservation.findMany({ where: { userId: u.id }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.label, r.faces])).toEqual([['sadness', null], ['fear', 2]]);
    expect(rows[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(rows[0]!.createdAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('given a mood correction, the observation, the picks made for it and the ratings on them take the chosen mood; the model reading is kept', async () => {
    const u = await stores.users.resolve('terminal', 'corrects');
    const at = new Date();
    const obs = await stores.moods.add(u.id, sad, null, { input: 'text', modelVersion: 'text:test' });
    expect(await stores.moods.get(obs)).toMatchObject({ id: obs, userId: u.id, input: 'text', modelVersion: 'text:test', reading: { label: 'sadness', source: 'text' } });
    const saved = await stores.recommendations.saveBatch([1, 2].map((movieId, k) => ({
      batchId: 'corr', userId: u.id, movieId, platform: 'terminal' as const, chatId: 't', rank: k + 1, score: 3, reason: 'r', mood: sad, moodObservationId: obs, modelVersion: 'v',
    })));
    expect(saved[0]!.moodObservationId).toBe(obs);
    await stores.ratings.upsert({ userId: u.id, movieId: 1, value: 4, kind: 'stars', source: 'button', moodLabel: 'sadness', moodDistribution: sad.distribution, at });
    const joy = { label: 'joy' as const, distribution: toDistribution({ joy: 1 }), confidence: 1, source: 'user' as const };
    const record = { userId: u.id, observationId: obs, modelLabel: 'sadness' as const, modelDistribution: sad.distribution, chosenLabel: 'joy' as const, inputKind: 'text' as const, modelVersion: 'text:test', at };
    const relabelled = await stores.corrections.apply(record, joy, { text: 'i feel great honestly' });
    expect(relabelled.map((r) => [r.movieId, r.moodLabel])).toEqual([[1, 'joy']]);
    expect((await stores.moods.get(obs))!.reading).toMatchObject({ label: 'joy', confidence: 1, source: 'user' });
    expect((await stores.recommendations.get(saved[1]!.id))!.mood!.label).toBe('joy');
    expect((await stores.ratings.forUser(u.id))[0]!.moodLabel).toBe('joy');
    expect(await stores.corrections.forObservation(obs)).toMatchObject({ modelLabel: 'sadness', chosenLabel: 'joy', inputKind: 'text' });
    // Pressing again changes the choice, keeps the model's reading, and re-labels the donated sentence.
    await stores.corrections.apply({ ...record, chosenLabel: 'love' }, { ...joy, label: 'love', distribution: toDistribution({ love: 1 }) }, { text: 'ignored on update' });
    expect(await stores.corrections.forObservation(obs)).toMatchObject({ modelLabel: 'sadness', chosenLabel: 'love' });
    const donated = await stores.corrections.donatedSentences();
    expect(donated.map((d) => [d.text, d.label])).toContainEqual(['i feel great honestly', 'love']);
    expect(Object.keys(donated[0]!).sort()).toEqual(['at', 'label', 'text']);
    expect((await stores.moods.since(u.id, new Date(at.getTime() - 60_000))).map((m) => m.reading.label)).toEqual(['love']);
    // Turning the setting off erases the user's sentences.
    await stores.users.setMoodDonation(u.id, true);
    expect((await stores.users.resolve('terminal', 'corrects')).moodDonationAt).toBeInstanceOf(Date);
    await stores.users.setMoodDonation(u.id, false);
    expect(await t.database.db.donatedSentence.count({ where: { userId: u.id } })).toBe(0);
    expect(await t.database.db.moodCorrection.count({ where: { userId: u.id } })).toBe(1);
  });

  it('given a chat with an open party, refuses a second one; members join once and vote once', async () => {
    const host = await stores.users.resolve('telegram', 'host');
    const guest = await stores.users.resolve('telegram', 'guest');
    const deadline = new Date(Date.now() + 60_000);
    const party = await stores.parties.create({ id: 'party00001', platform: 'telegram', chatId: '-100', createdById: host.id, deadline });
    expect(party?.memberIds).toEqual([host.id]);
    expect(await stores.parties.create({ id: 'party00002', platform: 'telegram', chatId: '-100', createdById: guest.id, deadline })).toBeNull();
    expect(await stores.parties.join('party00001', guest.id)).toBe(true);
    expect(await stores.parties.join('party00001', guest.id)).toBe(false);
    expect(await stores.parties.startVoting('party00001', [{ movieId: 1, score: 4, reason: 'x' }, { movieId: 2, score: 3, reason: 'y' }])).toBe(true);
    expect(await stores.parties.startVoting('party00001', [])).toBe(false);
    expect((await stores.parties.vote('party00001', guest.id, 1)).previous).toBeNull();
    expect((await stores.parties.vote('party00001', guest.id, 2)).previous).toBe(1);
    const read = await stores.parties.get('party00001');
    expect([...read!.votes]).toEqual([[guest.id, 2]]);
  });

  it('given two processes claiming one due party, only one wins until the lease ends', async () => {
    const host = await stores.users.resolve('telegram', 'lease');
    await stores.parties.create({ id: 'party00003', platform: 'telegram', chatId: '-200', createdById: host.id, deadline: new Date() });
    const results = await Promise.all([stores.parties.claim('party00003', 'proc-a', 60_000), stores.parties.claim('party00003', 'proc-b', 60_000)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    await stores.parties.close('party00003', { status: 'closed', winnerId: null, summary: 's' });
    expect(await stores.parties.openInChat('telegram', '-200')).toBeNull();
    // The chat is free for a new party once the old one is closed.
    expect(await stores.parties.create({ id: 'party00004', platform: 'telegram', chatId: '-200', createdById: host.id, deadline: new Date() })).not.toBeNull();
  });

  it('the privacy store walks every table that holds user data', () => {
    const lower = (s: string) => s[0]!.toLowerCase() + s.slice(1);
    const covered = new Set<string>([...USER_TABLES, 'watchParty']);
    expect(userOwnedModels().map(lower).filter((m) => !covered.has(m))).toEqual([]);
  });

  it('given /forget, leaves zero rows about the user in any table and keeps other users', async () => {
    const u = await stores.users.resolve('telegram', 'forgetme');
    const other = await stores.users.resolve('telegram', 'keepme');
    await stores.preferences.set(u.id, DEFAULT_PREFERENCES);
    await stores.ratings.upsert({ userId: u.id, movieId: 3, value: 5, kind: 'stars', source: 'button', moodLabel: null, moodDistribution: null, at: new Date() });
    await stores.ratings.upsert({ userId: other.id, movieId: 3, value: 1, kind: 'stars', source: 'button', moodLabel: null, moodDistribution: null, at: new Date() });
    const obs = await stores.moods.add(u.id, sad, null, { input: 'text', modelVersion: 'text:test' });
    await stores.corrections.apply(
      { userId: u.id, observationId: obs, modelLabel: 'sadness', modelDistribution: sad.distribution, chosenLabel: 'joy', inputKind: 'text', modelVersion: 'text:test', at: new Date() },
      { label: 'joy', distribution: toDistribution({ joy: 1 }), confidence: 1, source: 'user' },
      { text: 'a sentence to forget' },
    );
    await stores.reviews.upsert(u.id, 3, 'loved it', 0.8);
    await stores.parties.create({ id: 'party00005', platform: 'telegram', chatId: '-300', createdById: u.id, deadline: new Date() });
    const exported = await stores.privacy.export(u.id);
    expect((exported.rating as unknown[]).length).toBe(1);
    expect((exported.moodCorrection as unknown[]).length).toBe(1);
    expect(JSON.stringify(exported.donatedSentence)).toContain('a sentence to forget');
    const counts = await stores.privacy.erase(u.id);
    expect(counts.user).toBe(1);
    const db = t.database.db as unknown as Record<string, { count(a: unknown): Promise<number> }>;
    for (const model of userOwnedModels()) {
      const key = model[0]!.toLowerCase() + model.slice(1);
      const column = model === 'WatchParty' ? 'createdById' : model === 'User' ? 'id' : 'userId';
      expect(await db[key]!.count({ where: { [column]: u.id } }), model).toBe(0);
    }
    expect(await t.database.db.user.count({ where: { id: u.id } })).toBe(0);
    expect(await stores.ratings.forUser(other.id)).toHaveLength(1);
  });
});
