/**
 * Loads MovieLens ml-latest-small and joins the optional TMDB/cast enrichments
 * by movieId/tmdbId into catalogue rows. Pure reading: no database here.
 */
import { readCsv, splitList, toFloat, toInt, type CsvResult } from './csv-reader.js';
import type { CatalogFiles } from './data-files.js';

export interface MovieRow {
  id: number;
  title: string;
  year: number | null;
  genres: string[];
  imdbId: string | null;
  tmdbId: number | null;
  overview: string | null;
  tagline: string | null;
  posterPath: string | null;
  language: string | null;
  runtime: number | null;
  releaseDate: string | null;
  voteAverage: number | null;
  voteCount: number | null;
  popularity: number | null;
  keywords: string[];
  tags: string[];
  actors: string[];
  directors: string[];
}

export interface RatingRow {
  user: number;
  movie: number;
  rating: number;
  timestamp: number;
}

export interface FileReport {
  readonly file: string;
  readonly rows: number;
  readonly malformed: number;
  readonly examples: readonly number[];
}

export interface LoadedCatalog {
  readonly movies: MovieRow[];
  readonly ratings: RatingRow[];
  readonly reports: FileReport[];
}

/** "Matrix, The (1999)" -> { title: "The Matrix", year: 1999 }. */
export function parseTitle(raw: string): { title: string; year: number | null } {
  let title = raw.trim();
  let year: number | null = null;
  const m = /\((\d{4})(?:[–-]\d{0,4})?\)\s*$/.exec(title);
  if (m) {
    year = Number(m[1]);
    title = title.slice(0, m.index).trim();
  }
  const article = /^(.*), (The|A|An|Les|La|Le|L'|Il|Das|Der|Die|El)(\s*\(.*\))?$/.exec(title);
  if (article) title = `${article[2]} ${article[1]}${article[3] ?? ''}`.replace("L' ", "L'");
  return { title, year };
}

const report = <T>(file: string, r: CsvResult<T>): FileReport => ({ file, rows: r.rows.length, malformed: r.malformed, examples: r.examples });

const RATING_VALUES = new Set([0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5]);

export function loadCatalog(files: CatalogFiles): LoadedCatalog {
  const reports: FileReport[] = [];
  const moviesCsv = readCsv(files.movies, ['movieId', 'title', 'genres'], (r) => {
    const id = toInt(r.movieId);
    if (id === null || id <= 0) return null;
    const { title, year } = parseTitle(r.title!);
    const genres = r.genres === '(no genres listed)' ? [] : splitList(r.genres);
    return { id, title, year, genres };
  });
  reports.push(report(files.movies, moviesCsv));

  const links = readCsv(files.links, ['movieId', 'imdbId'], (r) => {
    const id = toInt(r.movieId);
    return id === null ? null : { id, imdbId: r.imdbId!.trim() || null, tmdbId: toInt(r.tmdbId) };
  });
  reports.push(report(files.links, links));
  const linkById = new Map(links.rows.map((l) => [l.id, l]));

  const tagsCsv = readCsv(files.tags, ['userId', 'movieId', 'tag'], (r) => {
    const movie = toInt(r.movieId);
    const tag = r.tag!.trim().toLowerCase();
    return movie === null || !tag ? null : { movie, tag };
  });
  reports.push(report(files.tags, tagsCsv));
  const tagCounts = new Map<number, Map<string, number>>();
  for (const t of tagsCsv.rows) {
    const m = tagCounts.get(t.movie) ?? new Map<string, number>();
    m.set(t.tag, (m.get(t.tag) ?? 0) + 1);
    tagCounts.set(t.movie, m);
  }

  const ratingsCsv = readCsv(files.ratings, ['userId', 'movieId', 'rating', 'timestamp'], (r) => {
    const user = toInt(r.userId);
    const movie = toInt(r.movieId);
    const rating = toFloat(r.rating);
    const timestamp = toInt(r.timestamp);
    if (user === null || movie === null || rating === null || timestamp === null || !RATING_VALUES.has(rating)) return null;
    return { user, movie, rating, timestamp };
  });
  reports.push(report(files.ratings, ratingsCsv));

  const enriched = new Map<number, Record<string, string>>();
  if (files.tmdbEnriched) {
    const r = readCsv(files.tmdbEnriched, ['movieId'], (rec) => (toInt(rec.movieId) === null ? null : rec));
    reports.push(report(files.tmdbEnriched, r));
    for (const rec of r.rows) enriched.set(toInt(rec.movieId)!, rec);
  }
  const cast = new Map<number, { actors: string[]; directors: string[] }>();
  if (files.castDirector) {
    const r = readCsv(files.castDirector, ['movieId'], (rec) => {
      const id = toInt(rec.movieId);
      return id === null ? null : { id, actors: splitList(rec.actors), directors: splitList(rec.director) };
    });
    reports.push(report(files.castDirector, r));
    for (const c of r.rows) if (!cast.has(c.id)) cast.set(c.id, c);
  }
  const tmdb = new Map<number, { keywords: string[]; tagline: string | null; overview: string | null; language: string | null }>();
  if (files.tmdb5000) {
    const r = readCsv(files.tmdb5000, ['id', 'keywords'], (rec) => {
      const id = toInt(rec.id);
      if (id === null) return null;
      let keywords: string[] = [];
      try {
        keywords = (JSON.parse(rec.keywords || '[]') as { name: string }[]).map((k) => k.name.trim().toLowerCase()).filter(Boolean);
      } catch {
        return null;
      }
      return { id, keywords, tagline: rec.tagline?.trim() || null, overview: rec.overview?.trim() || null, language: rec.original_language?.trim() || null };
    });
    reports.push(report(files.tmdb5000, r));
    for (const t of r.rows) tmdb.set(t.id, t);
  }

  const movies: MovieRow[] = moviesCsv.rows.map((m) => {
    const link = linkById.get(m.id);
    const e = enriched.get(m.id);
    const tmdbId = link?.tmdbId ?? toInt(e?.tmdbId);
    const t = tmdbId !== null ? tmdb.get(tmdbId) : undefined;
    const c = cast.get(m.id);
    const tags = [...(tagCounts.get(m.id) ?? new Map<string, number>()).entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([tag]) => tag);
    return {
      ...m,
      imdbId: link?.imdbId ?? null,
      tmdbId,
      overview: e?.overview?.trim() || t?.overview || null,
      tagline: t?.tagline ?? null,
      posterPath: e?.poster_path?.trim() || null,
      language: e?.original_language?.trim() || t?.language || null,
      runtime: toInt(e?.runtime),
      releaseDate: e?.release_date?.trim() || null,
      voteAverage: toFloat(e?.vote_average),
      voteCount: toInt(e?.vote_count),
      popularity: toFloat(e?.popularity),
      keywords: t?.keywords ?? [],
      tags: tags.slice(0, 30),
      actors: c?.actors ?? [],
      directors: c?.directors ?? [],
    };
  });
  return { movies, ratings: ratingsCsv.rows, reports };
}
