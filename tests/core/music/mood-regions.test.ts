import { describe, expect, it } from 'vitest';
import { MOODS } from '../../../src/core/mood/mood-space.js';
import { calibrate, CALIBRATION_LABELS, nearestLabel, parseCalibration, type LabelledSong } from '../../../src/core/music/mood-regions.js';
import { place } from '../../../src/core/music/valence-arousal.js';
import { mulberry32 } from '../../../src/core/recommender/scorers/random.js';
import { labelledSongs, LABEL_PROTOTYPES, testCalibration } from './music-fixtures.js';

describe('mood regions', () => {
  const cal = testCalibration(0.05);

  it('given well separated labels, separates them almost perfectly, leave-one-out and on the hold-out', () => {
    expect(cal.report.songs).toBe(160);
    expect(cal.report.looAccuracy).toBeGreaterThan(0.95);
    expect(cal.report.holdoutAccuracy).toBeGreaterThan(0.9);
    expect(cal.report.confusion.flat().reduce((a, b) => a + b, 0)).toBe(160);
  });

  it('given labels assigned at random, reports separation near chance', () => {
    const rand = mulberry32(11);
    const shuffled: LabelledSong[] = labelledSongs(40, 0.3).map((s) => ({ ...s, label: CALIBRATION_LABELS[Math.floor(rand() * 4)]! }));
    const report = calibrate(shuffled, { seed: 1, source: 'random' }).report;
    expect(report.looAccuracy).toBeLessThan(0.45);
  });

  it('maps sadness, neutral, joy and surprise onto Sad, Calm, Happy and Energetic', () => {
    expect(cal.regions.sadness).toEqual(cal.labels.Sad);
    expect(cal.regions.neutral).toEqual(cal.labels.Calm);
    expect(cal.regions.joy).toEqual(cal.labels.Happy);
    expect(cal.regions.surprise).toEqual(cal.labels.Energetic);
  });

  it('places anger and fear dark and aroused (anger more), love warmer than sadness and as slow', () => {
    const { anger, fear, love, sadness, joy } = cal.regions;
    const darkest = Math.min(...CALIBRATION_LABELS.map((l) => cal.labels[l].centre.valence));
    expect(anger.centre.valence).toBe(darkest);
    expect(fear.centre.valence).toBe(darkest);
    expect(anger.centre.arousal).toBeGreaterThan(fear.centre.arousal);
    expect(fear.centre.arousal).toBeGreaterThan(sadness.centre.arousal);
    expect(love.centre.valence).toBeGreaterThan(sadness.centre.valence);
    expect(love.centre.valence).toBeLessThan(joy.centre.valence);
    expect(love.centre.arousal).toBe(sadness.centre.arousal);
  });

  it('classifies each label prototype into its own region', () => {
    for (const label of CALIBRATION_LABELS) expect(nearestLabel(cal.labels, place(cal.plane, LABEL_PROTOTYPES[label]))).toBe(label);
  });

  it('given the stored JSON form, reads it back; given a broken one, names what is wrong', () => {
    expect(parseCalibration(JSON.parse(JSON.stringify(cal)))).toEqual(cal);
    const broken = JSON.parse(JSON.stringify(cal)) as { regions: Record<string, unknown> };
    delete broken.regions['fear'];
    expect(() => parseCalibration(broken)).toThrow(/fear/);
    expect(() => parseCalibration({ ...cal, version: 2 })).toThrow(/version/);
    expect(MOODS.every((m) => cal.regions[m].spread.valence > 0)).toBe(true);
  });
});
