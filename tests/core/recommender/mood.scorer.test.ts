import { describe, expect, it } from 'vitest';
import { MOODS, toDistribution, type MoodReading } from '../../../src/core/mood/mood-space.js';
import { MoodScorer, type MoodRatedEntry } from '../../../src/core/recommender/mood/mood.scorer.js';
import { genreMoodPrior, moodSimilarity, targetMood } from '../../../src/core/recommender/mood/mood-prior.js';
import type { Dataset } from '../../../src/core/recommender/dataset.js';
import type { ScoreQuery, Scorer, ScorerParams, TrainOptions } from '../../../src/core/recommender/scorer.js';
import type { Movie } from '../../../src/core/ports.js';
import { CONFORMANCE_ITEMS, describeScorerConformance } from './scorer-conformance.js';
import { CATALOGUE, COMEDIES, DRAMAS, feeling, movie } from './hybrid-fixtures.js';

const conformanceCatalogue: Movie[] = CONFORMANCE_ITEMS.map((id) => movie(id, `M${id}`, id <= 115 ? ['Comedy'] : ['Drama']));

/**
 * The mood scorer has nothing to say without a mood (NaN everywhere), so the
 * shared suite runs it through a scorer that adds a fixed sad reading to every
 * query; everything else (unknown items, save/load, determinism) is the scorer's own.
 */
class WithFixedMood implements Scorer {
  readonly name = 'mood';
  constructor(
    private readonly inner: MoodScorer,
    private readonly mood: MoodReading,
  ) {}
  train(data: Dataset, options: TrainOptions): Promise<void> {
    return this.inner.train(data, options);
  }
  score(query: ScoreQuery, items: readonly number[]): Float32Array {
    return this.inner.score({ ...query, mood: this.mood }, items);
  }
  save(): ScorerParams {
    return this.inner.save();
  }
  load(params: ScorerParams): void {
    this.inner.load(params);
  }
}

describeScorerConformance('mood (fixed sad reading)', () => new WithFixedMood(new MoodScorer(conformanceCatalogue, new Map()), feeling('sadness')), {
  personalised: false,
});

const ids = CATALOGUE.map((m) => m.id);
const mean = (scores: Float32Array, set: ReadonlySet<number>) => [...set].reduce((a, id) => a + scores[ids.indexOf(id)]!, 0) / set.size;

describe('mood priors', () => {
  it('given several genres, averages their rows; given none, is neutral', () => {
    const d = genreMoodPrior(['Comedy', 'Horror']);
    expect(d.joy).toBeCloseTo(0.375, 6);
    expect(d.fear).toBeCloseTo(0.425, 6);
    expect(genreMoodPrior([]).neutral).toBe(1);
    expect(genreMoodPrior(['IMAX']).neutral).toBe(1);
  });

  it('lifts sadness towards joy, love and surprise, and keeps it when matching', () => {
    const sad = feeling('sadness', 1, 1).distribution;
    const lifted = targetMood(sad, 'lift');
    expect(lifted.joy).toBeGreaterThan(0.5);
    expect(lifted.sadness).toBe(0);
    expect(targetMood(sad, 'match')).toBe(sad);
    expect(MOODS.reduce((a, m) => a + lifted[m], 0)).toBeCloseTo(1, 9);
  });

  it('measures identical distributions as a perfect fit and disjoint ones as none', () => {
    const joy = toDistribution({ joy: 1 });
    expect(moodSimilarity(joy, joy)).toBeCloseTo(1, 9);
    expect(moodSimilarity(joy, toDistribution({ fear: 1 }))).toBe(0);
  });
});

describe('MoodScorer', () => {
  const scorer = new MoodScorer(CATALOGUE, new Map());

  it('given a sad viewer who wants a lift, scores comedies above dramas', () => {
    const scores = scorer.score({ userId: 1, history: [], mood: feeling('sadness'), strategy: 'lift' }, ids);
    expect(mean(scores, COMEDIES)).toBeGreaterThan(mean(scores, DRAMAS) + 1);
  });

  it('given a sad viewer who wants a match, scores dramas above comedies', () => {
    const scores = scorer.score({ userId: 1, history: [], mood: feeling('sadness'), strategy: 'match' }, ids);
    expect(mean(scores, DRAMAS)).toBeGreaterThan(mean(scores, COMEDIES) + 1);
  });

  it('given a frightened viewer who wants a match, scores the horror movies highest', () => {
    const scores = scorer.score({ userId: 1, history: [], mood: feeling('fear'), strategy: 'match' }, ids);
    const top2 = ids.slice().sort((a, b) => scores[ids.indexOf(b)]! - scores[ids.indexOf(a)]!).slice(0, 2);
    expect(new Set(top2)).toEqual(new Set([12, 13]));
  });

  it('given no mood, returns no score (NaN)', () => {
    expect(Array.from(scorer.score({ userId: 1, history: [] }, ids)).every(Number.isNaN)).toBe(true);
  });

  it('given an emotion profile from the text model, blends it with the genre prior', () => {
    const joyfulDrama = new MoodScorer(CATALOGUE, new Map([[5, toDistribution({ joy: 1 })]]));
    const q = { userId: 1, history: [], mood: feeling('sadness'), strategy: 'lift' as const };
    const [plain] = scorer.score(q, [5]);
    const [blended] = joyfulDrama.score(q, [5]);
    expect(blended).toBeGreaterThan(plain! + 0.5);
    expect(joyfulDrama.profileOf(5)!.joy).toBeCloseTo(0.5, 6);
  });

  it('without a stated strategy, defaults to lift for a negative mood and match for a positive one', () => {
    expect(scorer.resolve({ userId: 1, history: [], mood: feeling('sadness') })!.estimate).toMatchObject({ strategy: 'lift', source: 'default' });
    expect(scorer.resolve({ userId: 1, history: [], mood: feeling('joy') })!.estimate).toMatchObject({ strategy: 'match', source: 'default' });
    expect(scorer.resolve({ userId: 1, history: [], mood: feeling('sadness'), strategy: 'match' })!.estimate.source).toBe('stated');
  });

  describe('learnStrategy', () => {
    const sad = feeling('sadness').distribution;
    const rated = (items: number[], rating: number, mood = sad): MoodRatedEntry[] => items.map((item) => ({ item, rating, mood }));

    it('given too few ratings in a low mood, keeps the lift default', () => {
      const e = scorer.learnStrategy(rated([5, 6], 5));
      expect(e).toMatchObject({ strategy: 'lift', source: 'default', evidence: 2 });
    });

    it('given a user who rated dramas high and comedies low while sad, learns match', () => {
      const e = scorer.learnStrategy([...rated([5, 6, 7, 8], 5), ...rated([1, 2, 3], 1.5)]);
      expect(e).toMatchObject({ strategy: 'match', source: 'learned', evidence: 7 });
      expect(e.effect).toBeLessThan(0);
    });

    it('given a user who rated comedies high and dramas low while sad, learns lift', () => {
      const e = scorer.learnStrategy([...rated([1, 2, 3, 4], 5), ...rated([5, 6, 7], 1.5)]);
      expect(e).toMatchObject({ strategy: 'lift', source: 'learned' });
      expect(e.effect).toBeGreaterThan(0);
    });

    it('ignores ratings given in a good mood', () => {
      const happy = feeling('joy').distribution;
      const e = scorer.learnStrategy([...rated([5, 6, 7, 8], 5, happy), ...rated([1, 2, 3], 1.5, happy)]);
      expect(e).toMatchObject({ strategy: 'lift', source: 'default', evidence: 0 });
    });

    it('is used by score when no strategy is stated', () => {
      const moodHistory = [...rated([5, 6, 7, 8], 5), ...rated([1, 2, 3], 1.5)];
      const scores = scorer.score({ userId: 1, history: [], mood: feeling('sadness'), moodHistory }, ids);
      expect(mean(scores, DRAMAS)).toBeGreaterThan(mean(scores, COMEDIES));
    });
  });
});
