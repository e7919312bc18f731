import { describe, expect, it } from 'vitest';
import { lerpRegion } from '../../../src/core/music/mood-regions.js';
import { BaseScores, MUSIC_WEIGHTS, rankAlongPath, rankExhaustive } from '../../../src/core/music/music-ranking.js';
import { buildProfile } from '../../../src/core/music/taste-profile.js';
import { TrackIndex } from '../../../src/core/music/track-index.js';
import type { TrackRatingRecord } from '../../../src/core/music/ports.js';
import { mulberry32 } from '../../../src/core/recommender/scorers/random.js';
import { catalogue, testCalibration, trackId } from './music-fixtures.js';

const cal = testCalibration();
const tracks = catalogue(1500);
const index = TrackIndex.build(tracks, cal.plane);

function randomRatings(seed: number, count: number): TrackRatingRecord[] {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, () => {
    const k = Math.floor(rand() * tracks.length);
    const v = Math.floor(rand() * 6);
    return { userId: 1, trackId: trackId(k), value: v === 0 ? null : v, kind: v === 0 ? 'not_for_me' : 'stars', moodLabel: null, at: new Date(0) };
  });
}

describe('music ranking', () => {
  it('given the grid search, returns exactly the exhaustive ranking (cold and personalised, match and lift)', () => {
    for (const [seed, count] of [[1, 0], [2, 3], [3, 20], [4, 60]] as const) {
      const profile = count ? buildProfile(randomRatings(seed, count), index) : null;
      const collab = count ? new Map([[5, 0.8], [77, 2]]) : null;
      const base = new BaseScores(index, profile, collab);
      for (const mood of ['sadness', 'joy', 'anger', 'neutral'] as const) {
        const path = Array.from({ length: 5 }, (_, k) => lerpRegion(cal.regions[mood], cal.regions.joy, k / 4));
        const exclude = profile?.rated ?? new Set<number>();
        expect(rankAlongPath(index, path, base, exclude)).toEqual(rankExhaustive(index, path, base, exclude));
      }
    }
  });

  it('given a strong personal signal on a song outside the region\'s first spread, still finds it', () => {
    const target = cal.regions.sadness;
    const d2 = (i: number) => ((index.valence[i]! - target.centre.valence) / target.spread.valence) ** 2 + ((index.arousal[i]! - target.centre.arousal) / target.spread.arousal) ** 2;
    const far = [...Array(index.size).keys()].find((i) => d2(i) > 2 && d2(i) < 4)!;
    const weights = { ...MUSIC_WEIGHTS, collaborative: 3 };
    const base = new BaseScores(index, null, new Map([[far, 1]]), weights);
    const path = [target];
    const ranked = rankAlongPath(index, path, base, new Set(), weights);
    expect(ranked[0]!.index).toBe(far);
    expect(ranked).toEqual(rankExhaustive(index, path, base, new Set(), weights));
  });

  it('never proposes an excluded song nor two songs of one artist', () => {
    const exclude = new Set(Array.from({ length: 300 }, (_, k) => k * 5));
    const path = Array.from({ length: 5 }, () => cal.regions.sadness);
    const ranked = rankAlongPath(index, path, new BaseScores(index, null, null), exclude);
    expect(ranked).toHaveLength(5);
    expect(ranked.some((r) => exclude.has(r.index))).toBe(false);
    expect(new Set(ranked.map((r) => index.artist[r.index])).size).toBe(5);
  });

  it('given the same inputs twice, gives the same list', () => {
    const path = Array.from({ length: 5 }, () => cal.regions.love);
    const a = rankAlongPath(index, path, new BaseScores(index, null, null), new Set());
    const b = rankAlongPath(TrackIndex.build([...tracks].reverse(), cal.plane), path, new BaseScores(index, null, null), new Set());
    expect(b.map((r) => r.index)).toEqual(a.map((r) => r.index));
  });

  it('given fewer eligible songs than places, returns what there is', () => {
    const small = TrackIndex.build(tracks.slice(0, 8), cal.plane); // two artists
    const ranked = rankAlongPath(small, Array.from({ length: 5 }, () => cal.regions.joy), new BaseScores(small, null, null), new Set());
    expect(ranked).toHaveLength(2);
  });
});
