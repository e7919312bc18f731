/**
 * The catalogue in memory: lookup by id and forgiving title search (typos,
 * missing articles, accents) over ~10k titles, which a plain SQL LIKE cannot do.
 */
import type { Movie } from '../ports.js';

export const normaliseTitle = (s: string): string =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .replace(/\b(the|a|an)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

function trigrams(s: string): Set<string> {
  const padded = `  ${s} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3));
  return out;
}

export class CatalogIndex {
  private readonly byId: Map<number, Movie>;
  private readonly grams: { movie: Movie; norm: string; grams: Set<string> }[];

  constructor(readonly movies: readonly Movie[], private readonly popularity: ReadonlyMap<number, number> = new Map()) {
    this.byId = new Map(movies.map((m) => [m.id, m]));
    this.grams = movies.map((movie) => {
      const norm = normaliseTitle(movie.title);
      return { movie, norm, grams: trigrams(norm) };
    });
  }

  get(id: number): Movie | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.movies.length;
  }

  /**
   * Best matches for a title query: trigram similarity, an exact or prefix match
   * first, then popularity; an optional year ("heat 1995") narrows it.
   */
  search(query: string, limit = 5): Movie[] {
    const yearMatch = /\b(19|20)\d{2}\b/.exec(query);
    const year = yearMatch ? Number(yearMatch[0]) : null;
    const q = normaliseTitle(year ? query.replace(yearMatch![0], ' ') : query);
    if (!q) return [];
    const qg = trigrams(q);
    const scored: { movie: Movie; score: number }[] = [];
    for (const { movie, norm, grams } of this.grams) {
      let shared = 0;
      for (const g of qg) if (grams.has(g)) shared++;
      let score = shared / (qg.size + grams.size - shared);
      if (norm === q) score += 1;
      else if (norm.startsWith(q) || norm.includes(` ${q}`)) score += 0.3;
      if (year !== null) score += movie.year === year ? 0.3 : -0.2;
      if (score < 0.25) continue;
      score += Math.min(0.1, Math.log1p(this.popularity.get(movie.id) ?? 0) / 60);
      scored.push({ movie, score });
    }
    return scored.sort((a, b) => b.score - a.score || a.movie.id - b.movie.id).slice(0, limit).map((s) => s.movie);
  }
}
