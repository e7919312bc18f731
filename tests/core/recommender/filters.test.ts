import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFERENCES, type Preferences } from '../../../src/core/ports.js';
import { actorBoost, candidateIds, diversify, franchiseKey, genreDistribution, preferenceFilter } from '../../../src/core/recommender/filters.js';
import { ContentScorer } from '../../../src/core/recommender/content/content.scorer.js';
import { CATALOGUE, movie } from './hybrid-fixtures.js';

const prefs = (p: Partial<Preferences>): Preferences => ({ ...DEFAULT_PREFERENCES, ...p });
const byId = new Map(CATALOGUE.map((m) => [m.id, m]));

describe('preferenceFilter', () => {
  it('given default preferences, lets everything through', () => {
    expect(CATALOGUE.every(preferenceFilter(DEFAULT_PREFERENCES))).toBe(true);
  });

  it('given languages, keeps only those (case-insensitive) and drops unknown languages', () => {
    const f = preferenceFilter(prefs({ languages: ['FR'] }));
    expect(CATALOGUE.filter(f).map((m) => m.id)).toEqual([4]);
    expect(f(movie(99, 'x', [], { language: null }))).toBe(false);
  });

  it('given genres to avoid, drops every movie that has one of them', () => {
    const kept = CATALOGUE.filter(preferenceFilter(prefs({ avoidGenres: ['horror', 'Drama'] })));
    expect(kept.some((m) => m.genres.includes('Horror') || m.genres.includes('Drama'))).toBe(false);
    expect(kept.length).toBe(CATALOGUE.length - 6);
  });

  it('given a minimum vote average and count, drops movies below them or without votes', () => {
    const f = preferenceFilter(prefs({ minRating: 7, minVotes: 500 }));
    expect(f(movie(1, 'a', [], { voteAverage: 7, voteCount: 500 }))).toBe(true);
    expect(f(movie(2, 'b', [], { voteAverage: 6.9, voteCount: 5000 }))).toBe(false);
    expect(f(movie(3, 'c', [], { voteAverage: 8, voteCount: 499 }))).toBe(false);
    expect(f(movie(4, 'd', [], { voteAverage: null, voteCount: null }))).toBe(false);
  });

  it('given a year range, keeps movies inside it (inclusive) and drops undated ones', () => {
    const f = preferenceFilter(prefs({ yearFrom: 1970, yearTo: 1999 }));
    expect(f(movie(1, 'a', [], { year: 1970 }))).toBe(true);
    expect(f(movie(2, 'b', [], { year: 1999 }))).toBe(true);
    expect(f(movie(3, 'c', [], { year: 2000 }))).toBe(false);
    expect(f(movie(4, 'd', [], { year: null }))).toBe(false);
  });
});

describe('candidateIds', () => {
  it('drops excluded movies and those failing any member filter, in catalogue order', () => {
    const ids = candidateIds(CATALOGUE, [prefs({ avoidGenres: ['Horror'] }), prefs({ avoidGenres: ['Documentary'] })], [new Set([1, 2]), new Set([5])]);
    expect(ids).toEqual([3, 4, 6, 7, 8, 9, 10, 11, 14, 15, 16]);
  });
});

describe('actorBoost', () => {
  it('boosts a liked actor case- and space-insensitively, and names them', () => {
    expect(actorBoost(byId.get(1)!, [' tom  hanks'])).toEqual({ boost: 0.25, matched: ['Tom Hanks'] });
  });

  it('caps the boost, and counts directors too', () => {
    expect(actorBoost(byId.get(9)!, ['Max Power', 'Jon Hard', 'Nobody']).boost).toBe(0.5);
    expect(actorBoost(byId.get(2)!, ['Tom Hanks'])).toEqual({ boost: 0, matched: [] });
  });
});

describe('franchiseKey', () => {
  it.each([
    ['Toy Story 2', 'toy story'],
    ['Toy Story', 'toy story'],
    ['The Godfather: Part II', 'godfather'],
    ['Star Wars: Episode IV - A New Hope', 'star wars'],
    ['Steel Fist 2', 'steel fist'],
    ['Rocky III', 'rocky'],
    ['Amélie', 'amélie'],
  ])('given "%s", gives "%s"', (title, key) => {
    expect(franchiseKey(title)).toBe(key);
  });
});

describe('diversify', () => {
  const content = new ContentScorer(CATALOGUE);
  const sim = (a: number, b: number) => content.similarity(a, b);
  const movieOf = (id: number) => byId.get(id);
  // The two Steel Fist movies and the two Star Voyage movies lead the relevance ranking.
  const pool = [9, 10, 14, 15, 1, 5, 12, 16].map((id, k) => ({ id, score: 5 - k * 0.1 }));

  it('given two sequel pairs at the top, keeps one of each', () => {
    const picked = diversify(pool, 4, sim, movieOf).map((p) => p.id);
    expect(picked).toHaveLength(4);
    expect(picked.filter((id) => id === 9 || id === 10)).toHaveLength(1);
    expect(picked.filter((id) => id === 14 || id === 15)).toHaveLength(1);
    expect(picked[0]).toBe(9);
  });

  it('with no similarity penalty, still caps a franchise but otherwise keeps the ranking', () => {
    expect(diversify(pool, 4, sim, movieOf, { penalty: 0 }).map((p) => p.id)).toEqual([9, 14, 1, 5]);
  });

  it('given a near-duplicate slightly ahead of a fresh alternative, prefers the alternative', () => {
    const close = [
      { id: 1, score: 4.5 },
      { id: 2, score: 4.45 },
      { id: 14, score: 4.4 },
    ];
    expect(diversify(close, 2, sim, movieOf, { maxPerFranchise: 9 }).map((p) => p.id)).toEqual([1, 14]);
    expect(diversify(close, 2, sim, movieOf, { maxPerFranchise: 9, penalty: 0 }).map((p) => p.id)).toEqual([1, 2]);
  });

  it('given a pool exhausted by the caps, fills the remaining slots in ranked order', () => {
    const picked = diversify(pool.slice(0, 4), 4, sim, movieOf).map((p) => p.id);
    expect(picked.sort((a, b) => a - b)).toEqual([9, 10, 14, 15]);
  });

  it('caps picks per director, preferring a lower-ranked film by someone else', () => {
    const films = [
      ...[1, 2, 3].map((id) => movie(id, `Film ${id}`, ['Drama'], { directors: ['Ann Auteur'] })),
      movie(4, 'Other', ['Drama'], { directors: ['Bo Other'] }),
    ];
    const picked = diversify(
      films.map((m, k) => ({ id: m.id, score: 4 - k })),
      2,
      () => 0,
      (id) => films.find((m) => m.id === id),
      { maxPerDirector: 1 },
    );
    expect(picked.map((p) => p.id)).toEqual([1, 4]);
  });

  it('with calibration towards horror, pulls a lower-ranked horror film into the list', () => {
    const target = genreDistribution([{ movie: byId.get(12)!, weight: 2 }]);
    expect(target).toEqual(new Map([['Horror', 1]]));
    const plain = diversify(pool, 3, sim, movieOf).map((p) => p.id);
    const calibrated = diversify(pool, 3, sim, movieOf, { calibration: { target, weight: 1 } }).map((p) => p.id);
    expect(plain).not.toContain(12);
    expect(calibrated).toContain(12);
  });

  it('builds a genre mix from liked movies, each spreading its weight over its genres', () => {
    const mix = genreDistribution([
      { movie: byId.get(2)!, weight: 2 },
      { movie: byId.get(5)!, weight: 1 },
      { movie: byId.get(9)!, weight: -1 },
    ]);
    expect(Object.fromEntries(mix)).toEqual({ Comedy: 1 / 3, Romance: 1 / 3, Drama: 1 / 3 });
  });

  it('is deterministic', () => {
    expect(diversify(pool, 5, sim, movieOf)).toEqual(diversify(pool, 5, sim, movieOf));
  });
});
