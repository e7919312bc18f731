/**
 * `npm run setup`: loads the catalogue files and writes movies, data-set users
 * and their ratings into the database. Idempotent: movies are upserted by
 * movieId, and a data-set rating that is already stored is left alone, so
 * running it twice changes nothing and a rerun after new files adds what is new.
 */
import type { Database } from '../db/database.js';
import { bulkInsert } from '../db/bulk-insert.js';
import type { Logger } from '../../core/ports.js';
import { loadCatalog, type FileReport, type MovieRow } from './catalog.loader.js';
import { MOVIELENS_SMALL_URL, catalogFiles, missingDataError, missingRequired } from './data-files.js';

export interface ImportProgress {
  start(label: string, total: number): void;
  update(done: number): void;
  stop(): void;
}

export const silentProgress: ImportProgress = { start() {}, update() {}, stop() {} };

export interface ImportReport {
  readonly movies: number;
  readonly moviesWritten: number;
  readonly users: number;
  readonly ratings: number;
  readonly ratingsAdded: number;
  readonly files: readonly FileReport[];
  readonly seconds: number;
}

export const DATASET_PLATFORM = 'movielens';
const CHUNK = 5000;

const joinList = (xs: readonly string[]) => xs.join('|');

function movieData(m: MovieRow) {
  return {
    title: m.title,
    year: m.year,
    genres: joinList(m.genres),
    imdbId: m.imdbId,
    tmdbId: m.tmdbId,
    overview: m.overview,
    tagline: m.tagline,
    posterPath: m.posterPath,
    language: m.language,
    runtime: m.runtime,
    releaseDate: m.releaseDate,
    voteAverage: m.voteAverage,
    voteCount: m.voteCount,
    popularity: m.popularity,
    keywords: joinList(m.keywords),
    tags: joinList(m.tags),
    actors: joinList(m.actors),
    directors: joinList(m.directors),
  };
}

const sameMovie = (a: ReturnType<typeof movieData>, b: Record<string, unknown>) =>
  (Object.keys(a) as (keyof typeof a)[]).every((k) => (a[k] ?? null) === (b[k] ?? null));

/**
 * `download` fetches the official files when they are missing (the app passes
 * downloadMovieLensSmall; offline it fails and the missing-data message stands).
 */
export async function importCatalog(
  database: Database,
  dataDir: string,
  logger: Logger,
  progress: ImportProgress = silentProgress,
  download?: (dataDir: string) => Promise<unknown>,
): Promise<ImportReport> {
  const started = Date.now();
  const { db } = database;
  const files = catalogFiles(dataDir);
  let missing = missingRequired(files);
  if (missing.length && download) {
    try {
      logger.info({ url: MOVIELENS_SMALL_URL }, 'MovieLens files missing: downloading the official zip');
      await download(dataDir);
      missing = missingRequired(files);
    } catch (error) {
      logger.warn({ err: error }, 'MovieLens download failed (offline?)');
    }
  }
  if (missing.length) throw missingDataError(dataDir, missing);
  const catalog = loadCatalog(files);
  for (const r of catalog.reports) {
    if (r.malformed > 0) logger.warn({ file: r.file, malformed: r.malformed, lines: r.examples }, 'malformed rows skipped');
  }

  // Movies: insert new ones in bulk, update only those whose data changed.
  const existing = new Map((await db.movie.findMany()).map((m) => [m.id, m as unknown as Record<string, unknown>]));
  const fresh = catalog.movies.filter((m) => !existing.has(m.id));
  const changed = catalog.movies.filter((m) => existing.has(m.id) && !sameMovie(movieData(m), existing.get(m.id)!));
  progress.start('movies', fresh.length + changed.length);
  let done = 0;
  for (let k = 0; k < fresh.length; k += CHUNK) {
    const chunk = fresh.slice(k, k + CHUNK).map((m) => ({ id: m.id, ...movieData(m) }));
    const columns = Object.keys(chunk[0]!) as (keyof (typeof chunk)[number])[];
    await bulkInsert(database, 'Movie', columns, chunk.map((m) => columns.map((c) => m[c])), 300);
    progress.update((done += chunk.length));
  }
  for (const m of changed) {
    await db.movie.update({ where: { id: m.id }, data: movieData(m) });
    progress.update(++done);
  }
  progress.stop();

  // Data-set users: one MoodReel user per MovieLens userId, through an identity.
  const knownMovies = new Set(catalog.movies.map((m) => m.id));
  const ratings = catalog.ratings.filter((r) => knownMovies.has(r.movie));
  const userIds = [...new Set(ratings.map((r) => r.user))];
  const identities = await db.identity.findMany({ where: { platform: DATASET_PLATFORM }, select: { externalId: true, userId: true } });
  const userOf = new Map(identities.map((i) => [Number(i.externalId), i.userId]));
  const newUsers = userIds.filter((u) => !userOf.has(u));
  if (newUsers.length) {
    const created = await db.user.createManyAndReturn({ data: newUsers.map(() => ({})), select: { id: true } });
    await db.identity.createMany({
      data: created.map((u, k) => ({ platform: DATASET_PLATFORM, externalId: String(newUsers[k]), userId: u.id })),
    });
    created.forEach((u, k) => userOf.set(newUsers[k]!, u.id));
  }

  // Ratings: add the ones not stored yet.
  const stored = await db.rating.findMany({ where: { source: 'dataset' }, select: { userId: true, movieId: true } });
  const have = new Set(stored.map((r) => `${r.userId}:${r.movieId}`));
  const toAdd = ratings.filter((r) => !have.has(`${userOf.get(r.user)}:${r.movie}`));
  progress.start('ratings', toAdd.length);
  for (let k = 0; k < toAdd.length; k += CHUNK) {
    const chunk = toAdd.slice(k, k + CHUNK);
    await bulkInsert(
      database,
      'Rating',
      ['userId', 'movieId', 'value', 'kind', 'source', 'createdAt', 'updatedAt'],
      chunk.map((r) => {
        const at = new Date(r.timestamp * 1000).toISOString();
        return [userOf.get(r.user)!, r.movie, r.rating, 'stars', 'dataset', at, at];
      }),
    );
    progress.update(k + chunk.length);
  }
  progress.stop();

  const result: ImportReport = {
    movies: catalog.movies.length,
    moviesWritten: fresh.length + changed.length,
    users: userIds.length,
    ratings: ratings.length,
    ratingsAdded: toAdd.length,
    files: catalog.reports,
    seconds: (Date.now() - started) / 1000,
  };
  logger.info({ movies: result.movies, moviesWritten: result.moviesWritten, ratingsAdded: result.ratingsAdded, seconds: result.seconds }, 'catalogue imported');
  return result;
}
