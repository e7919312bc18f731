import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { importMusic } from '../../../src/infra/music/music.importer.js';
import { createLogger } from '../../../src/infra/logging/logger.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';

const logger = createLogger('silent');
const HEADER =
  'track_id,track_name,track_artist,track_popularity,track_album_id,track_album_name,track_album_release_date,playlist_name,playlist_id,playlist_genre,playlist_subgenre,danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,duration_ms';
const row = (id: string, name: string, artist: string, pop: string, genre: string, valence = '0.5') =>
  `${id},${name},${artist},${pop},alb,"Album, Deluxe",2019-01-01,Playlist,pl,${genre},${genre} sub,0.7,0.8,1,-5.1,1,0.05,0.1,0,0.1,${valence},120.5,200000`;

const GOOD_A = '6f807x0ima9a1j3VPbc7VN';
const GOOD_B = '0r7CVbZTWZgbTCYdfa2P31';
const GOOD_C = '1z1Hg7Vb0AhHDiEmnDE79l';
const LINES = [
  HEADER,
  row(GOOD_A, "I Don't Care", 'Ed Sheeran', '66', 'pop'),
  row(GOOD_B, 'Memories', 'Maroon 5', '67', 'pop'),
  row(GOOD_A, "I Don't Care", 'Ed Sheeran', '66', 'edm'), // the same song in another playlist
  row('notAnId', 'Broken', 'Nobody', '10', 'rock'), // not a Spotify id
  row('69gRFGOWY9OMpFJgFol1u0', 'NA', 'NA', '0', 'rap'), // R's missing values
  row('5cjecvX0CmC9gK0Laf5EMQ', 'Too Happy', 'X', '5', 'rap', '1.7'), // valence out of 0..1
  `${GOOD_C},Short Row,Y,5`, // missing fields
];

describe('music importer', () => {
  let dir: string;
  let t: TestDatabase;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'moodreel-music-'));
    mkdirSync(path.join(dir, 'music'));
    writeFileSync(path.join(dir, 'music', 'spotify_songs.csv.gz'), gzipSync(`${LINES.join('\n')}\n`));
    t = await sqliteDatabase();
  });
  afterAll(async () => {
    await t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('given a file with duplicates and malformed rows, stores each good song once and counts the bad rows', async () => {
    const report = await importMusic(t.database, dir, logger);
    expect(report).toMatchObject({ tracks: 2, duplicates: 1, malformed: 4, added: 2 });
    const songs = await t.database.db.track.findMany({ orderBy: { id: 'asc' } });
    expect(songs.map((s) => s.id)).toEqual([GOOD_B, GOOD_A]);
    expect(songs[1]).toMatchObject({
      name: "I Don't Care", artist: 'Ed Sheeran', album: 'Album, Deluxe', genre: 'pop', subgenre: 'pop sub',
      popularity: 66, valence: 0.5, energy: 0.8, danceability: 0.7, acousticness: 0.1, tempo: 120.5, loudness: -5.1, durationMs: 200000,
    });
  });

  it('given the same file again, adds nothing', async () => {
    const report = await importMusic(t.database, dir, logger);
    expect(report.added).toBe(0);
    expect(await t.database.db.track.count()).toBe(2);
  });

  it('given a new song in the file, adds only that one', async () => {
    writeFileSync(path.join(dir, 'music', 'spotify_songs.csv.gz'), gzipSync(`${[...LINES, row(GOOD_C, 'New', 'Z', '40', 'latin')].join('\n')}\n`));
    const report = await importMusic(t.database, dir, logger);
    expect(report.added).toBe(1);
    expect(await t.database.db.track.count()).toBe(3);
  });

  it('given no music file, names the file, the setting and the official source', async () => {
    const error = await importMusic(t.database, path.join(dir, 'nowhere'), logger).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('data_missing');
    expect((error as UserError).message).toMatch(/spotify_songs\.csv/);
    expect((error as UserError).message).toMatch(/MOODREEL_DATA_DIR/);
    expect((error as UserError).message).toMatch(/TidyTuesday 2020-01-21/);
  });
});
