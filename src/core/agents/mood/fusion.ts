/**
 * Combines mood readings (text and face) into one, weighted by confidence: a
 * sure smile outweighs a vague sentence and the other way round.
 */
import { MOODS, argmaxMood, toDistribution, type MoodLabel, type MoodReading } from '../../mood/mood-space.js';

export function fuseMoods(readings: readonly MoodReading[]): MoodReading | null {
  if (readings.length === 0) return null;
  if (readings.length === 1) return readings[0]!;
  const weights: Partial<Record<MoodLabel, number>> = {};
  let total = 0;
  for (const r of readings) {
    const w = Math.max(r.confidence, 0.05);
    total += w;
    for (const m of MOODS) weights[m] = (weights[m] ?? 0) + w * r.distribution[m];
  }
  const distribution = toDistribution(weights);
  const confidence = readings.reduce((s, r) => s + Math.max(r.confidence, 0.05) * r.confidence, 0) / total;
  return { label: argmaxMood(distribution), distribution, confidence, source: 'fused' };
}
