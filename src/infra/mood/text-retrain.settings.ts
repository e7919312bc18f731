/**
 * The text retrain's settings, the held-out split and the promotion rule, kept apart from
 * the candidate builder so the app (which schedules the job) loads neither onnx-proto nor
 * the training-data readers: those load only in the retrain's child process.
 */
import type { MoodLabel } from '../../core/mood/mood-space.js';
import { inDev } from '../../../scripts/lib/text-sources.js';

export interface RetrainSettings {
  /** Rows sampled (seeded) from the shipped model's training sources, so the fine-tune does not forget them. */
  readonly shippedSample: number;
  /** Weight of one donated sentence against one shipped row (source weight 1). */
  readonly donatedWeight: number;
  /** Share of donated sentences held out (by a seeded hash of the text) for the promotion test. */
  readonly heldOutShare: number;
  /** Fewer donated sentences than this: the run is skipped. */
  readonly minDonated: number;
  /** Targets of the shipped rows: 1 = the shipped model's own probabilities (distillation), 0 = their gold labels. */
  readonly distill: number;
  /** L2 pull toward the shipped output weights. */
  readonly l2: number;
  /** Full-batch Adam steps and learning rate. */
  readonly steps: number;
  readonly learningRate: number;
}

/** Measured on simulated donations (docs/text-retraining.md). */
export const DEFAULT_RETRAIN: RetrainSettings = {
  shippedSample: 4000,
  donatedWeight: 10,
  heldOutShare: 0.2,
  minDonated: 20,
  distill: 1,
  l2: 0.01,
  steps: 150,
  learningRate: 0.01,
};

export interface DonatedRow {
  readonly text: string;
  readonly label: MoodLabel;
}

/**
 * Standard errors of the paired difference a candidate may lose by on chat-dev and dair-ai val:
 * refused when significantly worse (one-sided, about 2%). One was measured to refuse nearly
 * every fine-tune on simulated donations for net losses of 7 dair-ai sentences in 2,000.
 */
export const NOISE_SE = 2;

/** The promotion rule, stated once (also in retrain.json and docs/text-retraining.md). */
export const PROMOTION_RULE =
  'chat-dev and dair-ai val: net sentences lost (serving right, candidate wrong, minus the reverse) at most max(1, 2 * sqrt(lost + won)), two standard errors of the paired difference (McNemar); held-out donated sentences: strictly more right';

/** The held-out side of a donated sentence: a seeded hash of its text, so duplicates never straddle the split. */
export const isHeldOut = (text: string, settings: Pick<RetrainSettings, 'heldOutShare'>, seed: number): boolean => inDev(`donated:${text}`, settings.heldOutShare, seed);
