import { describe, expect, it } from 'vitest';
import { fitPlane, place, standardise, Z_CLIP, type AudioFeatures } from '../../../src/core/music/valence-arousal.js';
import { labelledSongs, LABEL_PROTOTYPES } from './music-fixtures.js';

const plane = fitPlane(labelledSongs(30, 0.1).map((s) => s.features));
const mid: AudioFeatures = { valence: 0.5, energy: 0.5, tempo: 115, loudness: -10, danceability: 0.5, acousticness: 0.5 };

describe('valence-arousal plane', () => {
  it('given the fitted component, energy and loudness count up and acousticness counts down', () => {
    expect(plane.arousalWeights.energy).toBeGreaterThan(0.3);
    expect(plane.arousalWeights.loudness).toBeGreaterThan(0.3);
    expect(plane.arousalWeights.acousticness).toBeLessThan(-0.3);
    const norm = Math.hypot(...Object.values(plane.arousalWeights));
    expect(norm).toBeCloseTo(1, 6);
  });

  it('given a louder, faster, more energetic and less acoustic song, places it higher on arousal only', () => {
    const calm = place(plane, mid);
    const wild = place(plane, { ...mid, energy: 0.95, tempo: 160, loudness: -3, acousticness: 0.02 });
    expect(wild.arousal).toBeGreaterThan(calm.arousal + 1);
    expect(wild.valence).toBe(calm.valence);
  });

  it('given a happier song, places it higher on valence', () => {
    expect(place(plane, { ...mid, valence: 0.9 }).valence).toBeGreaterThan(place(plane, { ...mid, valence: 0.2 }).valence);
  });

  it('given the label prototypes, orders them as Russell does: Calm lowest arousal, Happy highest valence', () => {
    const p = Object.fromEntries(Object.entries(LABEL_PROTOTYPES).map(([l, f]) => [l, place(plane, f)]));
    expect(p['Calm']!.arousal).toBeLessThan(p['Sad']!.arousal);
    expect(p['Energetic']!.arousal).toBeGreaterThan(p['Sad']!.arousal);
    expect(p['Happy']!.valence).toBeGreaterThan(p['Sad']!.valence);
  });

  it('given a failed tempo detection (0 BPM), clips the standardised value instead of letting it dominate', () => {
    const z = standardise(plane, { ...mid, tempo: 0, loudness: -60 });
    for (const x of z) expect(Math.abs(x)).toBeLessThanOrEqual(Z_CLIP);
  });

  it('given too few songs, refuses to fit', () => {
    expect(() => fitPlane([mid, mid])).toThrow(/at least 10/);
  });
});
