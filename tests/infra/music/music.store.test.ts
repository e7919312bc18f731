import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaMusicStore } from '../../../src/infra/music/music.store.js';
import { bulkInsert } from '../../../src/infra/db/bulk-insert.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';

const SONG = '6f807x0ima9a1j3VPbc7VN';
const OTHER = '0r7CVbZTWZgbTCYdfa2P31';

describe('Prisma music store', () => {
  let t: TestDatabase;
  let store: PrismaMusicStore;
  let alice: number;
  let bob: number;
  beforeAll(async () => {
    t = await sqliteDatabase();
    store = new PrismaMusicStore(t.database.db);
    const columns = ['id', 'name', 'artist', 'album', 'genre', 'subgenre', 'popularity', 'valence', 'energy', 'danceability', 'acousticness', 'tempo', 'loudness', 'durationMs'];
    await bulkInsert(t.database, 'Track', columns, [
      [SONG, 'A', 'X', null, 'pop', null, 50, 0.5, 0.5, 0.5, 0.5, 120, -6, 1000],
      [OTHER, 'B', 'Y', 'Alb', 'rock', 'hard rock', 60, 0.2, 0.9, 0.4, 0.1, 150, -4, 2000],
    ]);
    alice = (await t.database.db.user.create({ data: {} })).id;
    bob = (await t.database.db.user.create({ data: {} })).id;
  });
  afterAll(async () => t.dispose());

  it('reads every track with its features, sorted by id', async () => {
    const tracks = await store.allTracks();
    expect(tracks.map((x) => x.id)).toEqual([OTHER, SONG]);
    expect(tracks[0]).toMatchObject({ artist: 'Y', album: 'Alb', subgenre: 'hard rock', popularity: 60, tempo: 150 });
  });

  it('given a second press on the same song, replaces the rating; keeps users apart', async () => {
    const at = new Date('2024-02-03T04:05:06Z');
    await store.upsertRating({ userId: alice, trackId: SONG, value: 4, kind: 'stars', moodLabel: 'sadness', at });
    await store.upsertRating({ userId: alice, trackId: SONG, value: null, kind: 'not_for_me', moodLabel: 'joy', at });
    await store.upsertRating({ userId: bob, trackId: OTHER, value: 5, kind: 'stars', moodLabel: null, at });
    expect(await store.ratingsOf(alice)).toEqual([{ userId: alice, trackId: SONG, value: null, kind: 'not_for_me', moodLabel: 'joy', at }]);
    expect(await store.allRatings()).toHaveLength(2);
  });

  it('given an erased user, their ratings are gone (cascade)', async () => {
    await t.database.db.user.delete({ where: { id: bob } });
    expect(await store.ratingsOf(bob)).toEqual([]);
    expect(await store.allRatings()).toHaveLength(1);
  });
});
