/**
 * The music data files under MOODREEL_DATA_DIR (laid out like ../shared/data),
 * their readers, and a clear message when one is missing. The importer and
 * scripts/eval-music.ts read the catalogue through the same function, so the
 * evaluation measures exactly what the app serves.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { isCalibrationLabel, type LabelledSong } from '../../core/music/mood-regions.js';
import type { TrackRecord } from '../../core/music/ports.js';
import { isTrackId } from '../../core/music/music-buttons.js';
import { readCsv, toFloat, toInt } from '../catalog/csv-reader.js';

export const SPOTIFY_SONGS_SOURCE =
  'TidyTuesday 2020-01-21 spotify_songs.csv (https://github.com/rfordatascience/tidytuesday/tree/master/data/2020/2020-01-21)';

export interface MusicFiles {
  /** spotify_songs.csv.gz, or the plain .csv when only that is there. */
  readonly songs: string;
  readonly moods: string;
}

export function musicFiles(dataDir: string): MusicFiles {
  const dir = path.join(dataDir, 'music');
  const gz = path.join(dir, 'spotify_songs.csv.gz');
  const plain = path.join(dir, 'spotify_songs.csv');
  return { songs: existsSync(gz) || !existsSync(plain) ? gz : plain, moods: path.join(dir, 'data_moods.csv') };
}

/** UserError('data_missing') naming the file, the setting and where to get the file. */
export function missingMusicError(dataDir: string, file: string, source: string): UserError {
  return new UserError(
    'data_missing',
    [
      `Music data not found under MOODREEL_DATA_DIR=${dataDir}.`,
      `Missing: ${file}`,
      `Fix: download ${source}`,
      `and save it as ${file} (gzip is optional),`,
      'or point MOODREEL_DATA_DIR at a folder laid out like ../shared/data (for example MOODREEL_DATA_DIR=../shared/data).',
    ].join('\n'),
  );
}

export interface SongsRead {
  /** Unique tracks, in file order of first appearance. */
  readonly tracks: TrackRecord[];
  /** Valid rows read, duplicates included. */
  readonly rows: number;
  /** Rows that repeat a track id (the same song in several playlists). */
  readonly duplicates: number;
  readonly malformed: number;
  /** First few malformed line numbers. */
  readonly examples: number[];
}

const SONG_COLUMNS = [
  'track_id', 'track_name', 'track_artist', 'track_popularity', 'playlist_genre',
  'danceability', 'energy', 'loudness', 'acousticness', 'valence', 'tempo', 'duration_ms',
] as const;

const unit = (x: number | null) => (x !== null && x >= 0 && x <= 1 ? x : null);
/** R writes missing values as NA; a song with no name or artist cannot be shown. */
const text = (s: string | undefined) => (s === undefined || s.trim() === '' || s === 'NA' ? null : s.trim());

/**
 * Reads spotify_songs.csv(.gz) (TidyTuesday format). A row is malformed when a
 * field is missing, the id is not a Spotify id, a 0..1 feature is out of range,
 * or the name or artist is NA. Duplicates keep the most popular row, the first
 * one on ties (its playlist genre is the song's genre).
 */
export function readSpotifySongs(file: string): SongsRead {
  const { rows, malformed, examples } = readCsv(file, SONG_COLUMNS, (r): TrackRecord | null => {
    const id = r['track_id']!.trim();
    const name = text(r['track_name']);
    const artist = text(r['track_artist']);
    const popularity = toInt(r['track_popularity']);
    const valence = unit(toFloat(r['valence']));
    const energy = unit(toFloat(r['energy']));
    const danceability = unit(toFloat(r['danceability']));
    const acousticness = unit(toFloat(r['acousticness']));
    const tempo = toFloat(r['tempo']);
    const loudness = toFloat(r['loudness']);
    const durationMs = toInt(r['duration_ms']);
    const genre = text(r['playlist_genre']);
    if (!isTrackId(id) || !name || !artist || !genre) return null;
    if (popularity === null || popularity < 0 || popularity > 100) return null;
    if (valence === null || energy === null || danceability === null || acousticness === null) return null;
    if (tempo === null || tempo < 0 || loudness === null || durationMs === null || durationMs <= 0) return null;
    return {
      id, name, artist, album: text(r['track_album_name']), genre: genre.toLowerCase(), subgenre: text(r['playlist_subgenre']),
      popularity, valence, energy, danceability, acousticness, tempo, loudness, durationMs,
    };
  });
  const byId = new Map<string, TrackRecord>();
  for (const t of rows) {
    const seen = byId.get(t.id);
    if (!seen || t.popularity > seen.popularity) byId.set(t.id, t);
  }
  return { tracks: [...byId.values()], rows: rows.length, duplicates: rows.length - byId.size, malformed, examples };
}

export interface MoodsRead {
  readonly songs: LabelledSong[];
  readonly malformed: number;
}

/** Reads data_moods.csv: audio features and a Sad / Calm / Energetic / Happy label. */
export function readDataMoods(file: string): MoodsRead {
  const { rows, malformed } = readCsv(file, ['mood', 'valence', 'energy', 'tempo', 'loudness', 'danceability', 'acousticness'], (r): LabelledSong | null => {
    const label = r['mood']!.trim();
    const f = {
      valence: unit(toFloat(r['valence'])),
      energy: unit(toFloat(r['energy'])),
      danceability: unit(toFloat(r['danceability'])),
      acousticness: unit(toFloat(r['acousticness'])),
      tempo: toFloat(r['tempo']),
      loudness: toFloat(r['loudness']),
    };
    if (!isCalibrationLabel(label) || Object.values(f).some((x) => x === null)) return null;
    return { label, features: f as LabelledSong['features'] };
  });
  return { songs: rows, malformed };
}
