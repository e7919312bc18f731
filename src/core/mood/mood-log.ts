/**
 * /moodlog's data: the user's stored readings of the last days as points, the
 * dominant mood of each day, the share of each mood, and a one-line summary.
 * Pure (no clock, no storage): the chart renderer draws exactly this, and tests
 * check the summary without a picture. Days are UTC days (MoodReel does not know
 * users' time zones).
 */
import { MOODS, type MoodLabel } from './mood-space.js';

export const MOOD_LOG_DAYS = 30;

/** Moods counted as a "low day" in the summary. */
const LOW: ReadonlySet<MoodLabel> = new Set(['sadness', 'anger', 'fear']);

export interface MoodLogPoint {
  readonly at: Date;
  readonly label: MoodLabel;
  readonly confidence: number;
  /** The user chose this mood ("Not quite? I feel…"). */
  readonly corrected: boolean;
}

export interface MoodLogDay {
  /** YYYY-MM-DD (UTC). */
  readonly day: string;
  readonly dominant: MoodLabel;
  readonly count: number;
}

export interface MoodLog {
  readonly from: Date;
  readonly to: Date;
  readonly points: readonly MoodLogPoint[];
  readonly days: readonly MoodLogDay[];
  /** Share of each mood over all points (0..1). */
  readonly shares: Readonly<Record<MoodLabel, number>>;
  readonly summary: string;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const DAY_MS = 86_400_000;

export const utcDay = (d: Date) => d.toISOString().slice(0, 10);

/** Most frequent label; ties go to the later reading (what the user felt last). */
function dominant(points: readonly MoodLogPoint[]): MoodLabel {
  const counts = new Map<MoodLabel, { n: number; last: number }>();
  points.forEach((p, k) => counts.set(p.label, { n: (counts.get(p.label)?.n ?? 0) + 1, last: k }));
  let best: MoodLabel = 'neutral';
  let bestN = -1;
  let bestLast = -1;
  for (const [label, { n, last }] of counts) {
    if (n > bestN || (n === bestN && last > bestLast)) [best, bestN, bestLast] = [label, n, last];
  }
  return best;
}

/** Builds the log from readings (any order) for the `days` days ending at `now`. */
export function buildMoodLog(readings: readonly MoodLogPoint[], now: Date, days = MOOD_LOG_DAYS): MoodLog {
  const from = new Date(now.getTime() - days * DAY_MS);
  const points = readings.filter((p) => p.at >= from && p.at <= now).sort((a, b) => a.at.getTime() - b.at.getTime());
  const byDay = new Map<string, MoodLogPoint[]>();
  for (const p of points) byDay.set(utcDay(p.at), [...(byDay.get(utcDay(p.at)) ?? []), p]);
  const dayList = [...byDay].map(([day, ps]) => ({ day, dominant: dominant(ps), count: ps.length }));
  const shares = Object.fromEntries(MOODS.map((m) => [m, points.length ? points.filter((p) => p.label === m).length / points.length : 0])) as Record<MoodLabel, number>;
  return { from, to: now, points, days: dayList, shares, summary: summarise(points, dayList, now) };
}

const MOOD_NAMES: Record<MoodLabel, string> = {
  joy: 'joy', love: 'love', sadness: 'sadness', anger: 'anger', fear: 'anxiety', surprise: 'surprise', neutral: 'calm',
};

/** "Mostly joy this week; 3 low days, all on Mondays". */
export function summarise(points: readonly MoodLogPoint[], days: readonly MoodLogDay[], now: Date): string {
  if (points.length === 0) return 'No mood readings yet.';
  const weekAgo = new Date(now.getTime() - 7 * DAY_MS);
  const thisWeek = points.every((p) => p.at >= weekAgo);
  const period = thisWeek ? 'this week' : 'in the last 30 days';
  const counts = MOODS.map((m) => ({ m, n: points.filter((p) => p.label === m).length })).sort((a, b) => b.n - a.n);
  const [first, second] = counts;
  const mood =
    first!.n / points.length >= 0.4 || !second || second.n === 0
      ? `Mostly ${MOOD_NAMES[first!.m]} ${period}`
      : `A mix of ${MOOD_NAMES[first!.m]} and ${MOOD_NAMES[second.m]} ${period}`;
  const low = days.filter((d) => LOW.has(d.dominant));
  if (low.length === 0) return `${mood}; no low days`;
  const weekdays = new Set(low.map((d) => new Date(`${d.day}T00:00:00Z`).getUTCDay()));
  const weekday = WEEKDAYS[[...weekdays][0]!]!;
  const when = weekdays.size !== 1 ? '' : low.length === 1 ? ` (a ${weekday})` : `, all on ${weekday}s`;
  return `${mood}; ${low.length} low day${low.length === 1 ? '' : 's'}${when}`;
}
