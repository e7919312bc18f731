import { describe, expect, it } from 'vitest';
import type { Movie } from '../../../src/core/ports.js';
import { ContentScorer } from '../../../src/core/recommender/content/content.scorer.js';
import { Dataset } from '../../../src/core/recommender/dataset.js';
import {
  fitBlend,
  fitMoodWeight,
  historyGate,
  MOOD_MIN_OBSERVATIONS,
  MOOD_WEIGHT_PRIOR,
  predictRow,
  splitForBlend,
  UNFITTED_BLEND,
  type BlendParams,
  type BlendRow,
} from '../../../src/core/recommender/hybrid/blend-fit.js';
import { HybridScorer } from '../../../src/core/recommender/hybrid/hybrid.scorer.js';
import { MoodScorer } from '../../../src/core/recommender/mood/mood.scorer.js';
import { BiasScorer } from '../../../src/core/recommender/scorers/bias.scorer.js';
import { ItemKnnScorer } from '../../../src/core/recommender/scorers/item-knn.scorer.js';
import { PopularityScorer } from '../../../src/core/recommender/scorers/popularity.scorer.js';
import { gaussian, mulberry32 } from '../../../src/core/recommender/scorers/random.js';
import { CONFORMANCE_ITEMS, describeScorerConformance } from './scorer-conformance.js';
import { CATALOGUE, COMEDIES, feeling, movie, syntheticDataset, syntheticRatings } from './hybrid-fixtures.js';

const conformanceCatalogue: Movie[] = CONFORMANCE_ITEMS.map((id) =>
  id <= 115 ? movie(id, `C${id}`, ['Comedy'], { keywords: ['friendship'] }) : movie(id, `D${id}`, ['Drama'], { keywords: ['grief'] }),
);

function hybridOver(movies: readonly Movie[], blend: BlendParams = UNFITTED_BLEND): HybridScorer {
  return new HybridScorer(
    {
      cf: new ItemKnnScorer(),
      baseline: new BiasScorer(),
      content: new ContentScorer(movies),
      mood: new MoodScorer(movies, new Map()),
      popularity: new PopularityScorer(),
    },
    blend,
    { split: { minRatings: 5 } },
  );
}

describeScorerConformance('hybrid', () => hybridOver(conformanceCatalogue), { learnsTaste: true });

describe('historyGate', () => {
  it('is 0 with no history, 1 at the reference size, and grows in between', () => {
    expect(historyGate(0, 100)).toBe(0);
    expect(historyGate(100, 100)).toBeCloseTo(1, 12);
    expect(historyGate(1000, 100)).toBe(1);
    expect(historyGate(3, 100)).toBeGreaterThan(historyGate(1, 100));
  });
});

/** Rows generated from known weights: cf (0.2 + 0.6 g), content (0.5 - 0.2 g), popularity 0.1 per sd, intercept 0. */
function syntheticRows(count: number, seed = 3): BlendRow[] {
  const rand = mulberry32(seed);
  const normal = gaussian(rand);
  const sizes = [0, 1, 2, 3, 5, 10, 20, 50, 100, 300];
  const rows: BlendRow[] = [];
  for (let k = 0; k < count; k++) {
    const historySize = sizes[k % sizes.length]!;
    const g = historyGate(historySize, 100);
    const baseline = 2 + 2.5 * rand();
    const xCf = normal() * 0.8;
    const xContent = normal() * 0.6;
    const pop = 0.5 + 4.5 * rand();
    const rating = baseline + (0.2 + 0.6 * g) * xCf + (0.5 - 0.2 * g) * xContent + (0.1 * (pop - 2.75)) / 1.299 + normal() * 0.05;
    rows.push({ userId: k % 97, historySize, rating, baseline, cf: baseline + xCf, content: xContent, popularity: pop });
  }
  return rows;
}

describe('fitBlend', () => {
  it('given rows generated from known weights, recovers them', () => {
    const p = fitBlend(syntheticRows(4000), { ridge: 0.01 });
    expect(p.weights.cf[0]).toBeCloseTo(0.2, 1);
    expect(p.weights.cf[1]).toBeCloseTo(0.6, 1);
    expect(p.weights.content[0]).toBeCloseTo(0.5, 1);
    expect(p.weights.content[1]).toBeCloseTo(-0.2, 1);
    expect(p.weights.popularity[0] + p.weights.popularity[1] * 0.5).toBeCloseTo(0.1, 1);
    expect(Math.abs(p.intercept[0])).toBeLessThan(0.05);
  });

  it('reports a blend RMSE below the baseline alone in every history bucket', () => {
    const p = fitBlend(syntheticRows(2000));
    for (const b of p.fit!.buckets) if (b.rows > 0) expect(b.rmse.blend).toBeLessThan(b.rmse.baseline);
  });

  it('reports a cross-fitted RMSE (blend refitted on the other half of the users) close to the in-sample one', () => {
    const all = fitBlend(syntheticRows(2000)).fit!.buckets.find((b) => b.label === 'all')!;
    expect(all.rmse.blendCrossFitted).toBeGreaterThanOrEqual(all.rmse.blend - 1e-9);
    expect(all.rmse.blendCrossFitted).toBeLessThan(all.rmse.blend * 1.05);
    const anonymous = syntheticRows(200).map(({ userId: _userId, ...rest }) => rest);
    expect(Number.isNaN(fitBlend(anonymous).fit!.buckets.at(-1)!.rmse.blendCrossFitted)).toBe(true);
  });

  it('given a missing component (NaN), predicts from the others', () => {
    const p = fitBlend(syntheticRows(500));
    const row = { historySize: 0, rating: 4, baseline: 3.5, cf: NaN, content: NaN, popularity: NaN };
    expect(predictRow(p, row)).toBeCloseTo(3.5 + p.intercept[0], 6);
  });

  it('given too few rows, refuses to fit', () => {
    expect(() => fitBlend(syntheticRows(10))).toThrow(/at least 20/);
  });

  it('carries the mood weight and preference prior over unchanged', () => {
    const mood = { weight: 0.7, prior: MOOD_WEIGHT_PRIOR, observations: 80, source: 'fitted' as const };
    const p = fitBlend(syntheticRows(200), { mood, preferenceWeight: 0.4 });
    expect(p.mood).toBe(mood);
    expect(p.preferenceWeight).toBe(0.4);
  });
});

describe('splitForBlend', () => {
  const data = syntheticDataset();

  it('holds validation users out of training entirely and never shows a target in the history', () => {
    const split = splitForBlend(data, { seed: 1, minRatings: 5 });
    const held = new Set(split.validationUsers);
    expect(held.size).toBe(12);
    expect(split.train.userIds.some((u) => held.has(u))).toBe(false);
    expect(split.train.size + [...data.interactions()].filter((r) => held.has(r.user)).length).toBe(data.size);
    for (const q of split.queries) {
      const targets = new Set(q.targets.map((t) => t.item));
      expect(q.history.some((h) => targets.has(h.item))).toBe(false);
    }
  });

  it('builds cold-to-warm queries per held-out user, from an empty history up', () => {
    const split = splitForBlend(data, { seed: 1, minRatings: 5 });
    const sizes = split.queries.filter((q) => q.userId === split.validationUsers[0]).map((q) => q.history.length);
    expect(sizes[0]).toBe(0);
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    expect(sizes.length).toBeGreaterThan(4);
  });

  it('with the same seed, splits the same way; with another, differently', () => {
    const a = splitForBlend(data, { seed: 1, minRatings: 5 });
    expect(splitForBlend(data, { seed: 1, minRatings: 5 }).queries).toEqual(a.queries);
    expect(splitForBlend(data, { seed: 2, minRatings: 5 }).validationUsers).not.toEqual(a.validationUsers);
  });
});

describe('fitMoodWeight', () => {
  const rows = (count: number, slope: number) =>
    Array.from({ length: count }, (_, k) => {
      const x = ((k % 9) - 4) / 10;
      return { rating: 3 + slope * x + 0.2, predictedWithoutMood: 3, moodFeature: x };
    });

  it(`given fewer than ${MOOD_MIN_OBSERVATIONS} app ratings with a mood, keeps the prior`, () => {
    expect(fitMoodWeight(rows(MOOD_MIN_OBSERVATIONS - 1, 3))).toEqual({ weight: MOOD_WEIGHT_PRIOR, prior: MOOD_WEIGHT_PRIOR, observations: 29, source: 'prior' });
  });

  it('given enough ratings that follow the mood strongly, fits a weight near their slope', () => {
    const w = fitMoodWeight(rows(300, 3));
    expect(w.source).toBe('fitted');
    expect(w.weight).toBeGreaterThan(2.8);
    expect(w.weight).toBeLessThan(3);
  });

  it('given ratings that go against the mood, fits a negative weight', () => {
    expect(fitMoodWeight(rows(300, -2)).weight).toBeLessThan(-1.5);
  });
});

describe('HybridScorer', () => {
  const ids = CATALOGUE.map((m) => m.id);

  async function trained(): Promise<HybridScorer> {
    const h = hybridOver(CATALOGUE);
    await h.train(syntheticDataset(), { seed: 5 });
    return h;
  }

  it('after training, serves a fitted blend whose RMSE beats the baseline on the validation rows', async () => {
    const h = await trained();
    const all = h.blend.fit!.buckets.find((b) => b.label === 'all')!;
    expect(all.rows).toBeGreaterThan(100);
    expect(all.rmse.blend).toBeLessThan(all.rmse.baseline);
    expect(h.blend.fit!.users).toBe(12);
  });

  it('breaks every score down into a baseline plus the contributions', async () => {
    const h = await trained();
    const q = { userId: 900, history: [{ item: 1, rating: 5 }, { item: 5, rating: 1 }], mood: feeling('sadness'), strategy: 'lift' as const, preferences: { likedGenres: ['Comedy'], likedActors: [] } };
    const b = h.breakdown(q, ids);
    const { intercept } = { intercept: h.blend.intercept[0] + h.blend.intercept[1] * b.gate };
    ids.forEach((_, k) => {
      const sum = b.baseline[k]! + intercept + b.cf[k]! + b.content[k]! + b.popularity[k]! + b.preference[k]! + b.mood[k]!;
      expect(b.total[k]).toBeCloseTo(sum, 4);
    });
    expect(b.moodTarget!.estimate.strategy).toBe('lift');
  });

  it('given no mood, adds no mood term; given a sad lift, raises comedies', async () => {
    const h = await trained();
    const plain = h.breakdown({ userId: 900, history: [] }, ids);
    expect(Array.from(plain.mood).every((v) => v === 0)).toBe(true);
    const lifted = h.breakdown({ userId: 900, history: [], mood: feeling('sadness'), strategy: 'lift' }, ids);
    for (const id of COMEDIES) expect(lifted.mood[ids.indexOf(id)]).toBeGreaterThan(0);
  });

  it('scales the mood term with the reading confidence', () => {
    const h = hybridOver(CATALOGUE);
    const q = (confidence: number) => ({ userId: 900, history: [], mood: feeling('sadness', confidence), strategy: 'lift' as const });
    const strong = h.breakdown(q(1), [1]).mood[0]!;
    const weak = h.breakdown(q(0.5), [1]).mood[0]!;
    expect(weak).toBeCloseTo(strong / 2, 5);
  });

  it('leans more on CF as the history grows (per-user gate)', () => {
    const h = hybridOver(CATALOGUE);
    const few = h.breakdown({ userId: 900, history: [{ item: 1, rating: 5 }] }, [2]);
    const many = h.breakdown({ userId: 900, history: CATALOGUE.slice(2, 12).map((m) => ({ item: m.id, rating: 3 })) }, [2]);
    expect(many.gate).toBeGreaterThan(few.gate);
  });

  it('given an item no part knows, returns NaN', async () => {
    const h = await trained();
    expect(Number.isNaN(h.score({ userId: 1, history: [] }, [424242])[0])).toBe(true);
  });

  it('withCf serves a new CF model without changing the original scorer', async () => {
    const h = await trained();
    const cf = new BiasScorer();
    await cf.train(Dataset.from(syntheticRatings(11)), { seed: 1 });
    const swapped = h.withCf(cf);
    expect(swapped.components.cf).toBe(cf);
    expect(h.components.cf).not.toBe(cf);
    expect(swapped.blend).toBe(h.blend);
  });

  it('fitMood returns new params and leaves the scorer serving the old ones', async () => {
    const h = await trained();
    const sad = feeling('sadness');
    const moodRatings = [1, 2, 3, 4].map((item) => ({ item, rating: 5, mood: sad.distribution, confidence: 0.9 }));
    const params = h.fitMood([{ query: { userId: 900, history: moodRatings.map(({ item, rating }) => ({ item, rating })) }, moodRatings }]);
    expect(params.mood).toMatchObject({ source: 'prior', observations: 4 });
    expect(h.blend.mood.observations).toBe(0);
  });
});
