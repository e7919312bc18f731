/**
 * Loads the song catalogue (music/spotify_songs.csv.gz) into the Track table.
 * Idempotent: only ids not stored yet are inserted, so a rerun changes nothing
 * and ratings that point at stored tracks are never disturbed.
 */
import { existsSync } from 'node:fs';
import type { Logger } from '../../core/ports.js';
import type { Database } from '../db/database.js';
import { bulkInsert } from '../db/bulk-insert.js';
import { missingMusicError, musicFiles, readSpotifySongs, SPOTIFY_SONGS_SOURCE } from './music-files.js';

export interface MusicImportReport {
  readonly file: string;
  /** Unique tracks in the file. */
  readonly tracks: number;
  readonly duplicates: number;
  readonly malformed: number;
  /** Tracks inserted by this run. */
  readonly added: number;
  readonly seconds: number;
}

const COLUMNS = [
  'id', 'name', 'artist', 'album', 'genre', 'subgenre', 'popularity',
  'valence', 'energy', 'danceability', 'acousticness', 'tempo', 'loudness', 'durationMs',
] as const;

export async function importMusic(database: Database, dataDir: string, logger: Logger): Promise<MusicImportReport> {
  const started = Date.now();
  const log = logger.child({ module: 'music-import' });
  const { songs: file } = musicFiles(dataDir);
  if (!existsSync(file)) throw missingMusicError(dataDir, file, SPOTIFY_SONGS_SOURCE);
  const read = readSpotifySongs(file);
  if (read.malformed > 0) log.warn({ file, malformed: read.malformed, lines: read.examples }, 'malformed rows skipped');

  const stored = new Set((await database.db.track.findMany({ select: { id: true } })).map((t) => t.id));
  const fresh = read.tracks.filter((t) => !stored.has(t.id));
  for (let k = 0; k < fresh.length; k += 5000) {
    const chunk = fresh.slice(k, k + 5000);
    await bulkInsert(database, 'Track', COLUMNS, chunk.map((t) => COLUMNS.map((c) => t[c])), 500);
  }
  const report = {
    file,
    tracks: read.tracks.length,
    duplicates: read.duplicates,
    malformed: read.malformed,
    added: fresh.length,
    seconds: (Date.now() - started) / 1000,
  };
  log.info(report, 'music imported');
  return report;
}
