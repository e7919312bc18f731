/**
 * MoodReel's mood space. Every detector (text, face) and every consumer
 * (recommender, music, storage) speaks this vocabulary, so it lives in one place.
 */
export const MOODS = ['joy', 'love', 'sadness', 'anger', 'fear', 'surprise', 'neutral'] as const;
export type MoodLabel = (typeof MOODS)[number];

/** A probability distribution over MOODS (non-negative, sums to 1). */
export type MoodDistribution = Readonly<Record<MoodLabel, number>>;

/** 'user': the user said it themselves (a mood correction), confidence 1. */
export type MoodSource = 'text' | 'face' | 'fused' | 'user';

export interface MoodReading {
  /** The most likely label, or 'neutral' when nothing is confident. */
  readonly label: MoodLabel;
  readonly distribution: MoodDistribution;
  /** 0..1: how much the detector trusts this reading (used to weight fusion). */
  readonly confidence: number;
  readonly source: MoodSource;
}

export const isMoodLabel = (value: string): value is MoodLabel => (MOODS as readonly string[]).includes(value);

/** Normalises arbitrary non-negative weights into a distribution; all-zero becomes neutral. */
export function toDistribution(weights: Partial<Record<MoodLabel, number>>): MoodDistribution {
  let total = 0;
  for (const m of MOODS) total += Math.max(0, weights[m] ?? 0);
  const out = {} as Record<MoodLabel, number>;
  for (const m of MOODS) out[m] = total > 0 ? Math.max(0, weights[m] ?? 0) / total : m === 'neutral' ? 1 : 0;
  return out;
}

export function argmaxMood(dist: MoodDistribution): MoodLabel {
  let best: MoodLabel = 'neutral';
  let bestP = -1;
  for (const m of MOODS) {
    if (dist[m] > bestP) {
      best = m;
      bestP = dist[m];
    }
  }
  return best;
}

/** All of the mass on one mood (a reading the user stated). */
export const oneHot = (label: MoodLabel): MoodDistribution => toDistribution({ [label]: 1 });

export const moodVector = (dist: MoodDistribution): number[] => MOODS.map((m) => dist[m]);
