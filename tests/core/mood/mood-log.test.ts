import { describe, expect, it } from 'vitest';
import { buildMoodLog, type MoodLogPoint } from '../../../src/core/mood/mood-log.js';
import type { MoodLabel } from '../../../src/core/mood/mood-space.js';

const NOW = new Date('2026-12-04T20:00:00Z'); // a Friday
const at = (daysAgo: number, hour = 12) => new Date(Date.UTC(2026, 11, 4 - daysAgo, hour));
const point = (daysAgo: number, label: MoodLabel, corrected = false): MoodLogPoint => ({ at: at(daysAgo), label, confidence: 0.8, corrected });

describe('buildMoodLog', () => {
  it('given a week of mostly joy with low Mondays, says so in one line', () => {
    // 2026-11-30 is a Monday (4 days before NOW).
    const points = [point(0, 'joy'), point(1, 'joy'), point(2, 'joy'), point(3, 'joy'), point(4, 'sadness'), point(4, 'fear'), point(5, 'joy')];
    const log = buildMoodLog(points, NOW);
    expect(log.summary).toBe('Mostly joy this week; 1 low day (a Monday)');
    expect(log.days.find((d) => d.day === '2026-11-30')).toMatchObject({ dominant: 'fear', count: 2 });
  });

  it('given low days all on Mondays over the month, names the weekday', () => {
    const points = [point(4, 'sadness'), point(11, 'anger'), point(18, 'sadness'), point(1, 'joy'), point(2, 'joy'), point(3, 'joy'), point(9, 'joy')];
    expect(buildMoodLog(points, NOW).summary).toBe('Mostly joy in the last 30 days; 3 low days, all on Mondays');
  });

  it('given no clear majority, calls it a mix; readings older than 30 days are left out', () => {
    const points = [point(1, 'joy'), point(2, 'love'), point(3, 'surprise'), point(5, 'neutral'), point(6, 'joy'), point(6, 'love'), point(40, 'sadness')];
    const log = buildMoodLog(points, NOW);
    expect(log.points).toHaveLength(6);
    expect(log.summary).toMatch(/^A mix of (joy and love|love and joy) this week; no low days$/);
    expect(Object.values(log.shares).reduce((a, b) => a + b, 0)).toBeCloseTo(1);
    expect(log.shares.sadness).toBe(0);
  });

  it('given a day with a tie, the later reading wins; corrected points stay marked', () => {
    const log = buildMoodLog([{ ...point(0, 'sadness'), at: at(0, 9) }, { ...point(0, 'joy', true), at: at(0, 18) }], NOW);
    expect(log.days).toEqual([{ day: '2026-12-04', dominant: 'joy', count: 2 }]);
    expect(log.points.map((p) => p.corrected)).toEqual([false, true]);
  });
});
