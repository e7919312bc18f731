/**
 * MoodReel's collaborative-filtering model: the best of several CF scorers,
 * each doing what it is good at.
 *
 * - Ratings (`score`): a linear blend of biased MF (TensorFlow.js), item-kNN
 *   and user/item biases, `w0 + w1*mf + w2*knn + w3*bias`, where a component
 *   that cannot score falls back to the bias value. The weights are fitted by
 *   ridge regression on a validation slice cut from the training data passed
 *   to `train` (the same slice MF early-stops on), then bias and kNN are
 *   refitted on all of it.
 * - Ranking (`rank`): EASE ("what will this user pick next", learned from who
 *   rated what) plus a small weight on the MF rating prediction ("and like
 *   it"). A rating model alone ranks obscure one-rating films first.
 *
 * Everything folds in the query history, so a user's new rating moves both
 * the predictions and the ranking at once.
 */
import { Dataset } from '../../core/recommender/dataset.js';
import type { HistoryEntry, Scorer, ScorerParams, ScoreQuery, TrainOptions } from '../../core/recommender/scorer.js';
import { BiasScorer, type BiasOptions } from '../../core/recommender/scorers/bias.scorer.js';
import { EaseScorer, type EaseOptions } from '../../core/recommender/scorers/ease.scorer.js';
import { ItemKnnScorer, type ItemKnnOptions } from '../../core/recommender/scorers/item-knn.scorer.js';
import { ridgeSolve } from '../../core/recommender/scorers/linalg.js';
import { expectParams } from '../../core/recommender/scorers/params-codec.js';
import { mulberry32, permutation } from '../../core/recommender/scorers/random.js';
import { MfScorer, type MfOptions } from './mf.scorer.js';

const KIND = 'cf-blend';
const VERSION = 1;

export interface CfOptions {
  readonly mf: Partial<MfOptions>;
  readonly bias: Partial<BiasOptions>;
  readonly knn: Partial<ItemKnnOptions>;
  readonly ease: Partial<EaseOptions>;
  /** Share of the training ratings held out for MF early stopping and the blend weights. */
  readonly validationFraction: number;
  /**
   * Weight of (predicted rating - mean) in the ranking score, next to EASE.
   * Chosen on a per-user temporal validation slice of the training part of
   * ml-latest-small (scripts/lib/rec-tune.ts); not refitted per training run
   * because that would need a second MF fit on a temporal cut.
   */
  readonly rankRatingWeight: number;
}

export const DEFAULT_CF_OPTIONS: CfOptions = {
  mf: {},
  bias: {},
  knn: {},
  ease: {},
  validationFraction: 0.05,
  rankRatingWeight: 0.03,
};

/** Weights of the rating blend: [intercept, mf, knn, bias]. */
export type BlendWeights = readonly [number, number, number, number];

export interface CfTrainingReport {
  readonly weights: BlendWeights;
  readonly mfEpochs: number;
  readonly mfValidationRmse: number;
  readonly blendValidationRmse: number;
  readonly seconds: number;
}

export class CfScorer implements Scorer {
  readonly name = 'cf';
  options: CfOptions;
  readonly mf: MfScorer;
  readonly bias: BiasScorer;
  readonly knn: ItemKnnScorer;
  readonly ease: EaseScorer;
  private weights: BlendWeights = [0, 1, 0, 0];
  private mean = 0;
  report: CfTrainingReport | null = null;

  constructor(options: Partial<CfOptions> = {}) {
    this.options = { ...DEFAULT_CF_OPTIONS, ...options };
    this.mf = new MfScorer(this.options.mf);
    this.bias = new BiasScorer(this.options.bias);
    this.knn = new ItemKnnScorer(this.options.knn);
    this.ease = new EaseScorer(this.options.ease);
  }

  async train(data: Dataset, options: TrainOptions): Promise<void> {
    const started = performance.now();
    const progress = (from: number, to: number) => (f: number, info: Record<string, number>) => options.onProgress?.(from + (to - from) * f, info);
    const n = data.r.length;
    const perm = permutation(n, mulberry32(options.seed ^ 0xb1e4d));
    const nVal = Math.max(1, Math.round(n * this.options.validationFraction));
    const valIdx = perm.slice(0, nVal).sort();
    const fitIdx = perm.slice(nVal).sort();
    const rows = [...data.interactions()];
    const fitRows = Array.from(fitIdx, (k) => rows[k]!);
    const valRows = Array.from(valIdx, (k) => rows[k]!);
    const fitData = Dataset.from(fitRows, data.itemIds);

    await this.mf.fit(data, fitIdx, valIdx, { seed: options.seed, onProgress: progress(0, 0.7) });
    await this.bias.train(fitData, { seed: options.seed });
    await this.knn.train(fitData, { seed: options.seed });
    options.onProgress?.(0.75, { phase: 2 });

    // Blend weights on the validation slice, each user's fit ratings as the history.
    const history = new Map<number, HistoryEntry[]>();
    for (const r of fitRows) {
      let h = history.get(r.user);
      if (h === undefined) history.set(r.user, (h = []));
      h.push({ item: r.item, rating: r.rating });
    }
    const byUser = new Map<number, number[]>();
    valRows.forEach((r, k) => {
      let l = byUser.get(r.user);
      if (l === undefined) byUser.set(r.user, (l = []));
      l.push(k);
    });
    const features: number[][] = [];
    const targets: number[] = [];
    for (const [user, idx] of byUser) {
      const query = { userId: user, history: history.get(user) ?? [] };
      const items = idx.map((k) => valRows[k]!.item);
      const parts = this.components(query, items);
      idx.forEach((k, m) => {
        if (!Number.isFinite(parts.bias[m]!)) return;
        features.push([1, parts.mf[m]!, parts.knn[m]!, parts.bias[m]!]);
        targets.push(valRows[k]!.rating);
      });
    }
    const w = ridgeSolve(features, targets, [1e-6, 1e-3, 1e-3, 1e-3]);
    this.weights = [w[0]!, w[1]!, w[2]!, w[3]!];
    let sse = 0;
    features.forEach((f, k) => (sse += (this.combine(f[1]!, f[2]!, f[3]!) - targets[k]!) ** 2));

    // Cheap parts again on everything; MF keeps its fit (users are re-solved from history at query time).
    await this.bias.train(data, { seed: options.seed });
    await this.knn.train(data, { seed: options.seed });
    options.onProgress?.(0.85, { phase: 3 });
    await this.ease.train(data, { seed: options.seed, onProgress: progress(0.85, 1) });
    this.mean = this.mf.params.arrays.mean;
    this.report = {
      weights: this.weights,
      mfEpochs: this.mf.report?.bestEpoch ?? 0,
      mfValidationRmse: this.mf.report?.validationRmse ?? NaN,
      blendValidationRmse: Math.sqrt(sse / Math.max(1, features.length)),
      seconds: (performance.now() - started) / 1000,
    };
  }

  /** Component predictions with MF and kNN gaps filled by bias (NaN only where bias has none). */
  private components(query: ScoreQuery, items: readonly number[]): { mf: Float32Array; knn: Float32Array; bias: Float32Array } {
    const bias = this.bias.score(query, items);
    const mf = this.mf.score(query, items);
    const knn = this.knn.score(query, items);
    for (let k = 0; k < items.length; k++) {
      if (Number.isNaN(mf[k])) mf[k] = bias[k]!;
      if (Number.isNaN(knn[k])) knn[k] = bias[k]!;
    }
    return { mf, knn, bias };
  }

  private combine(mf: number, knn: number, bias: number): number {
    const [w0, w1, w2, w3] = this.weights;
    const s = w0 + w1 * mf + w2 * knn + w3 * bias;
    return s < 0.5 ? 0.5 : s > 5 ? 5 : s;
  }

  score(query: ScoreQuery, items: readonly number[]): Float32Array {
    const parts = this.components(query, items);
    const out = new Float32Array(items.length);
    for (let k = 0; k < items.length; k++) out[k] = this.combine(parts.mf[k]!, parts.knn[k]!, parts.bias[k]!);
    return out;
  }

  /**
   * Ranking score: EASE relevance + rankRatingWeight * (MF prediction - mean),
   * MF falling back to bias. NaN for items EASE does not cover (rare films)
   * or when there is no history at all.
   */
  rank(query: ScoreQuery, items: readonly number[]): Float32Array {
    const out = this.ease.score(query, items);
    const beta = this.options.rankRatingWeight;
    if (beta === 0) return out;
    const mf = this.mf.score(query, items);
    const needBias = mf.some((x) => Number.isNaN(x));
    const bias = needBias ? this.bias.score(query, items) : mf;
    for (let k = 0; k < items.length; k++) {
      const pred = Number.isNaN(mf[k]) ? bias[k]! : mf[k]!;
      out[k] = out[k]! + beta * (pred - this.mean);
    }
    return out;
  }

  save(): ScorerParams {
    return {
      kind: KIND,
      version: VERSION,
      data: {
        options: this.options,
        weights: this.weights,
        mean: this.mean,
        report: this.report,
        mf: this.mf.save(),
        bias: this.bias.save(),
        knn: this.knn.save(),
        ease: this.ease.save(),
      },
    };
  }

  load(params: ScorerParams): void {
    expectParams(params, KIND, VERSION);
    const d = params.data as {
      options: CfOptions;
      weights: BlendWeights;
      mean: number;
      report: CfTrainingReport | null;
      mf: ScorerParams;
      bias: ScorerParams;
      knn: ScorerParams;
      ease: ScorerParams;
    };
    this.options = { ...DEFAULT_CF_OPTIONS, ...d.options };
    this.weights = d.weights;
    this.mean = d.mean;
    this.report = d.report;
    this.mf.load(d.mf);
    this.bias.load(d.bias);
    this.knn.load(d.knn);
    this.ease.load(d.ease);
  }
}
