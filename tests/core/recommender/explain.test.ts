import { describe, expect, it } from 'vitest';
import { Dataset } from '../../../src/core/recommender/dataset.js';
import { CoLikeIndex, explainGroupPick, explainPick, moodDescriptor, type PickEvidence } from '../../../src/core/recommender/explain.js';
import { targetMood } from '../../../src/core/recommender/mood/mood-prior.js';
import { CATALOGUE, feeling } from './hybrid-fixtures.js';

const byId = new Map(CATALOGUE.map((m) => [m.id, m]));
const m = (id: number) => byId.get(id)!;
const sad = feeling('sadness');
const none = { cf: 0, content: 0, mood: 0, popularity: 0, quality: 0, preference: 0 };

function evidence(over: Partial<PickEvidence>): PickEvidence {
  return { movie: m(2), contributions: none, nearestContent: null, nearestCoLiked: null, mood: null, matchedActors: [], matchedGenres: [], ...over };
}
const moodOf = (strategy: 'lift' | 'match', reading = sad) => ({
  felt: reading.distribution,
  label: reading.label,
  strategy,
  target: targetMood(reading.distribution, strategy),
  confidence: reading.confidence,
});

describe('explainPick', () => {
  it('given a close liked movie as the strongest factor and a low mood, says "because you loved X and feel low"', () => {
    const text = explainPick(
      evidence({
        contributions: { ...none, content: 0.6, mood: 0.3 },
        nearestContent: { movie: m(4), similarity: 0.5, rating: 5 },
        mood: moodOf('lift'),
      }),
    );
    expect(text).toBe('because you loved Amélie and feel low');
  });

  it('given a liked (not loved) movie and no mood, says "because you liked X"', () => {
    const text = explainPick(evidence({ contributions: { ...none, content: 0.4 }, nearestContent: { movie: m(4), similarity: 0.5, rating: 4 } }));
    expect(text).toBe('because you liked Amélie');
  });

  it('given the mood as the strongest factor with lift, names the lift and the fitting genre', () => {
    const text = explainPick(evidence({ movie: m(1), contributions: { ...none, mood: 0.5, cf: 0.1 }, mood: moodOf('lift') }));
    expect(text).toBe('a lift for a sad mood: warm comedy');
  });

  it('given the mood as the strongest factor with match, says it matches the mood', () => {
    expect(explainPick(evidence({ movie: m(5), contributions: { ...none, mood: 0.5 }, mood: moodOf('match') }))).toBe(
      'matches your sad mood: moving drama',
    );
  });

  it('given a liked actor in the cast as the strongest factor, names the actor', () => {
    const text = explainPick(evidence({ movie: m(1), contributions: { ...none, preference: 0.5, content: 0.2 }, matchedActors: ['Tom Hanks'] }));
    expect(text).toBe('matches your liking for Tom Hanks');
  });

  it('given CF as the strongest factor and a co-liked movie, says it is popular with people who like it', () => {
    const text = explainPick(evidence({ contributions: { ...none, cf: 0.4, content: 0.1 }, nearestCoLiked: { movie: m(9), strength: 0.4 } }));
    expect(text).toBe('popular with people who like Steel Fist');
  });

  it('given nothing personal, calls it a crowd favourite with its TMDB votes', () => {
    expect(explainPick(evidence({ contributions: { ...none, quality: 0.8, cf: 0.01 } }))).toBe('a crowd favourite: 7.0/10 from 1,000 TMDB votes');
  });

  it('ignores a mood read with low confidence and a far "nearest" movie', () => {
    const text = explainPick(
      evidence({
        contributions: { ...none, mood: 0.5, content: 0.4, quality: 1 },
        mood: moodOf('lift', feeling('sadness', 0.2)),
        nearestContent: { movie: m(4), similarity: 0.05, rating: 5 },
      }),
    );
    expect(text).toMatch(/^a crowd favourite/);
  });

  it('on a tie between factors, prefers the earlier, more specific one, every time', () => {
    const e = evidence({ movie: m(1), contributions: { ...none, preference: 0.3, cf: 0.3 }, matchedActors: ['Tom Hanks'] });
    expect(explainPick(e)).toBe('matches your liking for Tom Hanks');
    expect(explainPick(e)).toBe(explainPick(e));
  });
});

describe('moodDescriptor', () => {
  it('picks the genre of the movie that best fits the target mood', () => {
    expect(moodDescriptor(m(3), targetMood(sad.distribution, 'lift'))).toBe('playful animation');
    expect(moodDescriptor(m(6), sad.distribution)).toBe('moving drama');
    expect(moodDescriptor(m(6), feeling('anger').distribution)).toBe('powerful war film');
  });
});

describe('explainGroupPick', () => {
  it('names the strategy and the spread of predicted stars', () => {
    expect(explainGroupPick([3.6, 4.4], 'average_without_misery')).toBe('good for everyone, no one below the bar: predicted 3.6 to 4.4 stars');
    expect(explainGroupPick([4, 4.02], 'least_misery')).toBe('nobody should mind it: predicted about 4.0 stars');
  });
});

describe('CoLikeIndex', () => {
  // Users 1-4 like 10 and 20; users 1-2 also like 30; user 5 likes only 30; 40 is liked by one user.
  const rows = [
    ...[1, 2, 3, 4].flatMap((u) => [
      { user: u, item: 10, rating: 5, timestamp: 0 },
      { user: u, item: 20, rating: 4.5, timestamp: 0 },
    ]),
    ...[1, 2, 5].map((u) => ({ user: u, item: 30, rating: 4, timestamp: 0 })),
    { user: 6, item: 40, rating: 5, timestamp: 0 },
    { user: 3, item: 30, rating: 2, timestamp: 0 },
  ];
  const index = CoLikeIndex.fromDataset(Dataset.from(rows));

  it('finds the liked movie sharing the most likers, by cosine', () => {
    expect(index.strongest(10, [30, 20])).toEqual({ item: 20, strength: 1 });
  });

  it('given too few shared likers, finds nothing', () => {
    expect(index.strongest(10, [30, 40])).toBeNull();
    expect(index.strongest(10, [30], 2)).toEqual({ item: 30, strength: expect.closeTo(2 / Math.sqrt(12), 6) });
  });

  it('does not count low ratings as likes', () => {
    expect(index.strongest(30, [10], 3)).toBeNull();
  });
});
