import { describe, expect, it } from 'vitest';
import { ContentScorer } from '../../../src/core/recommender/content/content.scorer.js';
import { TfidfIndex, tokenize } from '../../../src/core/recommender/content/tfidf.js';
import { Dataset } from '../../../src/core/recommender/dataset.js';
import type { Movie } from '../../../src/core/ports.js';
import { CONFORMANCE_ITEMS, describeScorerConformance } from './scorer-conformance.js';
import { CATALOGUE, COMEDIES, DRAMAS, movie, syntheticDataset } from './hybrid-fixtures.js';

/** The conformance catalogue: items 101-115 (taste group A) are comedies about friends, 116-130 dramas about loss. */
const conformanceCatalogue: Movie[] = CONFORMANCE_ITEMS.map((id) =>
  id <= 115
    ? movie(id, `Comedy ${id}`, ['Comedy'], { keywords: ['friendship'], overview: 'friends laugh together' })
    : movie(id, `Drama ${id}`, ['Drama'], { keywords: ['grief'], overview: 'a family mourns a loss' }),
);

describeScorerConformance('content', () => new ContentScorer(conformanceCatalogue), { learnsTaste: true });

const ids = CATALOGUE.map((m) => m.id);
const at = (scores: Float32Array, id: number) => scores[ids.indexOf(id)]!;
const seed = { seed: 1 };

describe('tokenize', () => {
  it('given an overview, lower-cases, drops stop words and short tokens, and folds plurals', () => {
    expect(tokenize('The Friends laugh at the Parties in 1999!')).toEqual(['friend', 'laugh', 'party']);
  });

  it('given accented text, strips the accents', () => {
    expect(tokenize('Amélie café')).toEqual(['amelie', 'cafe']);
  });
});

describe('TfidfIndex', () => {
  const index = TfidfIndex.build(
    [{ g: ['comedy'], w: ['bakery', 'summer'] }, { g: ['comedy'], w: ['wedding'] }, { g: ['drama'], w: ['bakery'] }, {}],
    { fieldWeights: { g: 1, w: 0.5 } },
  );

  it('gives unit-length rows, and an empty row to a document without terms', () => {
    for (const r of [0, 1, 2]) expect(index.dotRows(r, r)).toBeCloseTo(1, 6);
    expect(index.isEmpty(3)).toBe(true);
  });

  it('given a stronger genre field, a shared genre relates two documents more than a shared word', () => {
    expect(index.dotRows(0, 1)).toBeGreaterThan(index.dotRows(0, 2));
  });
});

describe('ContentScorer', () => {
  it('given a new user who loved a comedy, scores the other comedies above the dramas', () => {
    const s = new ContentScorer(CATALOGUE);
    const scores = s.score({ userId: 900, history: [{ item: 1, rating: 5 }] }, ids);
    const worstComedy = Math.min(...[2, 3, 4].map((id) => at(scores, id)));
    const bestDrama = Math.max(...[...DRAMAS].map((id) => at(scores, id)));
    expect(worstComedy).toBeGreaterThan(bestDrama);
  });

  it('given a disliked drama, scores the similar dramas below the user centre', () => {
    const s = new ContentScorer(CATALOGUE);
    const history = [
      { item: 5, rating: 1 },
      { item: 14, rating: 4 },
    ];
    const scores = s.score({ userId: 900, history }, ids);
    const profile = s.profile({ userId: 900, history })!;
    expect(at(scores, 8)).toBeLessThan(profile.centre);
  });

  it('given only stated preferences, ranks the liked genre first for a brand-new user', () => {
    const s = new ContentScorer(CATALOGUE);
    const scores = s.score({ userId: 900, history: [], preferences: { likedGenres: ['horror'], likedActors: [] } }, ids);
    const ranked = ids.slice().sort((a, b) => at(scores, b) - at(scores, a));
    expect(new Set(ranked.slice(0, 2))).toEqual(new Set([12, 13]));
  });

  it('given a liked actor, scores their movie above the others of its genre', () => {
    const s = new ContentScorer(CATALOGUE);
    const scores = s.score({ userId: 900, history: [], preferences: { likedGenres: [], likedActors: ['tom hanks '] } }, ids);
    for (const id of [2, 3, 4]) expect(at(scores, 1)).toBeGreaterThan(at(scores, id));
  });

  it('given no history and no preferences, returns no score (NaN) rather than guessing', () => {
    const s = new ContentScorer(CATALOGUE);
    expect(Array.from(s.score({ userId: 900, history: [] }, ids)).every(Number.isNaN)).toBe(true);
  });

  it('keeps scores on the rating scale', () => {
    const s = new ContentScorer(CATALOGUE);
    const scores = s.score({ userId: 900, history: [{ item: 1, rating: 5 }, { item: 2, rating: 5 }] }, ids);
    for (const v of scores) expect(v >= 0.5 && v <= 5).toBe(true);
  });

  it('after training on taste-group ratings, fits a positive slope that beats the user mean alone', async () => {
    const s = new ContentScorer(CATALOGUE);
    await s.train(syntheticDataset(), seed);
    const fit = s.calibration.fit!;
    expect(s.calibration.slope).toBeGreaterThan(0.5);
    expect(fit.rmseContent).toBeLessThan(fit.rmseCentre * 0.9);
  });

  it('fits the slope on exact leave-one-out cosines (matches a brute-force recomputation)', async () => {
    const rows = [
      { user: 1, item: 1, rating: 5, timestamp: 1 },
      { user: 1, item: 2, rating: 4, timestamp: 2 },
      { user: 1, item: 5, rating: 1, timestamp: 3 },
      { user: 2, item: 5, rating: 4.5, timestamp: 4 },
      { user: 2, item: 6, rating: 5, timestamp: 5 },
      { user: 2, item: 3, rating: 2, timestamp: 6 },
      { user: 2, item: 12, rating: 3, timestamp: 7 },
    ];
    const s = new ContentScorer(CATALOGUE);
    await s.train(Dataset.from(rows), seed);
    // Brute force: for each rating, the profile from the user's other ratings (centre shrunk to the global mean).
    const mu = rows.reduce((a, r) => a + r.rating, 0) / rows.length;
    const probe = new ContentScorer(CATALOGUE);
    probe.load({ ...probe.save(), data: { ...(probe.save().data as object), globalMean: mu, slope: 1 } });
    let sxy = 0;
    let sxx = 0;
    for (const r of rows) {
      const others = rows.filter((o) => o.user === r.user && o !== r).map((o) => ({ item: o.item, rating: o.rating }));
      const profile = probe.profile({ userId: r.user, history: others })!;
      const x = probe.cosines(profile, [r.item])[0]!;
      sxy += x * (r.rating - profile.centre);
      sxx += x * x;
    }
    expect(s.calibration.slope).toBeCloseTo(Math.max(0, sxy / sxx), 4);
  });

  it('deviations are slope * cosine with the history profile and ignore stated preferences', async () => {
    const s = new ContentScorer(CATALOGUE);
    await s.train(syntheticDataset(), seed);
    const history = [{ item: 1, rating: 5 }];
    const dev = s.deviations({ userId: 900, history }, ids);
    const withPrefs = s.deviations({ userId: 900, history, preferences: { likedGenres: ['Drama'], likedActors: [] } } as never, ids);
    const cos = s.cosines(s.profile({ userId: 900, history })!, ids);
    ids.forEach((_, k) => expect(dev[k]).toBeCloseTo(s.calibration.slope * cos[k]!, 5));
    expect(Array.from(withPrefs)).toEqual(Array.from(dev));
  });

  it('gives identical results when a subset of the catalogue is scored, and when scored twice', () => {
    const s = new ContentScorer(CATALOGUE);
    const q = { userId: 900, history: [{ item: 4, rating: 4.5 }, { item: 9, rating: 2 }] };
    const all = s.score(q, ids);
    const some = s.score(q, [16, 2, 999]);
    expect(some[0]).toBe(at(all, 16));
    expect(some[1]).toBe(at(all, 2));
    expect(Number.isNaN(some[2])).toBe(true);
    expect(Array.from(s.score(q, ids))).toEqual(Array.from(all));
  });

  it('relates a sequel to its original more than to an unrelated comedy', () => {
    const s = new ContentScorer(CATALOGUE);
    expect(s.similarity(14, 15)).toBeGreaterThan(0.5);
    expect(s.similarity(14, 15)).toBeGreaterThan(s.similarity(14, 1));
    expect([...COMEDIES].every((c) => s.similarity(c, c) > 0.99)).toBe(true);
  });
});
