/**
 * Where each data set lives under MOODREEL_DATA_DIR (laid out like the shared
 * data folder), and a clear message when a required file is missing.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../core/errors.js';

export const MOVIELENS_SMALL_URL = 'https://files.grouplens.org/datasets/movielens/ml-latest-small.zip';

export interface CatalogFiles {
  readonly movies: string;
  readonly ratings: string;
  readonly tags: string;
  readonly links: string;
  /** Optional enrichments: null when absent. */
  readonly tmdbEnriched: string | null;
  readonly castDirector: string | null;
  readonly tmdb5000: string | null;
}

export function movielensDir(dataDir: string): string {
  return path.join(dataDir, 'movielens', 'ml-latest-small');
}

export function catalogFiles(dataDir: string): CatalogFiles {
  const ml = movielensDir(dataDir);
  const opt = (...parts: string[]) => {
    const p = path.join(dataDir, ...parts);
    return existsSync(p) ? p : null;
  };
  return {
    movies: path.join(ml, 'movies.csv'),
    ratings: path.join(ml, 'ratings.csv'),
    tags: path.join(ml, 'tags.csv'),
    links: path.join(ml, 'links.csv'),
    tmdbEnriched: opt('movies-extra', 'tmdb-enriched-by-movieId.csv'),
    castDirector: opt('movies-extra', 'cast-director-by-movieId.csv'),
    tmdb5000: opt('tmdb', 'tmdb_5000_movies.csv.gz') ?? opt('tmdb', 'tmdb_5000_movies.csv'),
  };
}

/** The required MovieLens files that are missing. */
export function missingRequired(files: CatalogFiles): string[] {
  return [files.movies, files.ratings, files.tags, files.links].filter((f) => !existsSync(f));
}

export function missingDataError(dataDir: string, missing: readonly string[]): UserError {
  return new UserError(
    'data_missing',
    [
      `MovieLens data not found under MOODREEL_DATA_DIR=${dataDir}.`,
      `Missing: ${missing.map((m) => path.relative(process.cwd(), m) || m).join(', ')}`,
      `Fix: download ${MOVIELENS_SMALL_URL} (GroupLens; research use, see its README.txt),`,
      `unzip it so that ${path.join(movielensDir(dataDir), 'movies.csv')} exists,`,
      'or point MOODREEL_DATA_DIR at a folder laid out like ../shared/data (for example MOODREEL_DATA_DIR=../shared/data).',
    ].join('\n'),
  );
}
