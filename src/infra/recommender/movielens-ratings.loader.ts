/**
 * Reads MovieLens ratings in every format GroupLens has published, so the
 * evaluation script and the database importer accept whatever release a user
 * downloaded:
 * - `ratings.csv` (latest, 20M, 25M, 32M): `userId,movieId,rating,timestamp` with a header;
 * - `ratings.dat` (1M, 10M): `UserID::MovieID::Rating::Timestamp`;
 * - `u.data` (100k): tab-separated `user item rating timestamp`.
 * Any of them may be gzipped (`.gz`), e.g. `ratings-first-487650.dat.gz`.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Interaction } from '../../core/recommender/dataset.js';
import { UserError } from '../../core/errors.js';

export type RatingsFormat = 'csv' | 'dat' | 'udata';

export interface RatingsFile {
  readonly path: string;
  readonly format: RatingsFormat;
  readonly gzip: boolean;
}

/** Recognises a ratings file by name; null for anything else (movies.dat, users.dat, u.item...). */
export function ratingsFormatOf(fileName: string): RatingsFile | null {
  const name = fileName.toLowerCase();
  const gzip = name.endsWith('.gz');
  const base = gzip ? name.slice(0, -3) : name;
  if (base === 'u.data') return { path: fileName, format: 'udata', gzip };
  if (!base.startsWith('ratings')) return null;
  if (base.endsWith('.csv')) return { path: fileName, format: 'csv', gzip };
  if (base.endsWith('.dat')) return { path: fileName, format: 'dat', gzip };
  return null;
}

/** Finds the ratings file in a MovieLens folder; throws UserError('data_missing') when there is none. */
export async function findRatingsFile(dir: string): Promise<RatingsFile> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new UserError('data_missing', `Cannot read the folder ${dir}.`, { dir });
  }
  const found = names
    .map((n) => ratingsFormatOf(n))
    .filter((f): f is RatingsFile => f !== null)
    // Prefer plain files, then the shortest name (ratings.csv over ratings-sample.csv).
    .sort((a, b) => Number(a.gzip) - Number(b.gzip) || a.path.length - b.path.length || a.path.localeCompare(b.path));
  const first = found[0];
  if (first === undefined) {
    throw new UserError('data_missing', `No MovieLens ratings file (ratings.csv, ratings.dat, u.data, optionally .gz) in ${dir}.`, { dir });
  }
  return { ...first, path: path.join(dir, first.path) };
}

/** Parses ratings text of a known format. Malformed lines throw with their line number. */
export function parseRatings(text: string, format: RatingsFormat): Interaction[] {
  const sep = format === 'csv' ? ',' : format === 'dat' ? '::' : '\t';
  const out: Interaction[] = [];
  let lineNo = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
    lineNo++;
    if (line.length === 0) continue;
    if (format === 'csv' && lineNo === 1 && line.startsWith('userId')) continue;
    const parts = line.split(sep);
    const user = Number(parts[0]);
    const item = Number(parts[1]);
    const rating = Number(parts[2]);
    const timestamp = Number(parts[3]);
    if (parts.length < 4 || !Number.isFinite(user) || !Number.isFinite(item) || !Number.isFinite(rating) || !Number.isFinite(timestamp)) {
      throw new UserError('data_missing', `Malformed ratings line ${lineNo}: "${line.slice(0, 80)}"`, { lineNo });
    }
    out.push({ user, item, rating, timestamp });
  }
  return out;
}

/** Loads all ratings from a MovieLens folder (any release format). */
export async function loadMovieLensRatings(dir: string): Promise<Interaction[]> {
  const file = await findRatingsFile(dir);
  return loadRatingsFile(file);
}

export async function loadRatingsFile(file: RatingsFile): Promise<Interaction[]> {
  const raw = await readFile(file.path);
  const text = (file.gzip ? gunzipSync(raw) : raw).toString('latin1');
  return parseRatings(text, file.format);
}
