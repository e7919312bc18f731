/**
 * Biased matrix factorisation trained with TensorFlow.js (WASM backend):
 * `mean + b_u + b_i + p_u . q_i`, Adam on squared error with per-rating L2,
 * mini-batches, seeded init and shuffling, early stopping on a validation
 * slice cut from the training data it is given (never from anyone's test set).
 * Only training uses tf; scoring and fold-in are pure TypeScript
 * (core BiasedMfModel), so serving never waits on tf and a brand-new user with
 * three ratings gets a personal vector at once.
 */
import type { Dataset } from '../../core/recommender/dataset.js';
import type { Scorer, ScorerParams, ScoreQuery, TrainOptions } from '../../core/recommender/scorer.js';
import { BiasedMfModel, type FoldInRegularisation } from '../../core/recommender/scorers/biased-mf.model.js';
import { expectParams } from '../../core/recommender/scorers/params-codec.js';
import { gaussian, mulberry32, permutation } from '../../core/recommender/scorers/random.js';
import { gatherRows, initTfjs, type tf as TfNamespace } from '../ml/tfjs.js';

const KIND = 'biased-mf';
const VERSION = 1;

export interface MfOptions {
  readonly factors: number;
  readonly maxEpochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** L2 weight on the factors of each rating's user and item (per rating, so busy rows pay more). */
  readonly l2: number;
  /** L2 weight on the biases of each rating's user and item. */
  readonly l2Bias: number;
  /** Std of the initial factors. */
  readonly initStd: number;
  /** Share of the given ratings held out for early stopping (0 = train a fixed maxEpochs on all). */
  readonly validationFraction: number;
  /** Epochs without a better validation RMSE before stopping. */
  readonly patience: number;
  readonly foldIn: FoldInRegularisation;
}

/**
 * Defaults chosen on a validation slice cut from the training part of
 * ml-latest-small (see docs/recommender-cf.md); the test ratings of
 * scripts/eval-rec.ts never informed them.
 */
export const DEFAULT_MF_OPTIONS: MfOptions = {
  factors: 64,
  maxEpochs: 40,
  batchSize: 2048,
  learningRate: 0.01,
  l2: 0.1,
  l2Bias: 0.001,
  initStd: 0.05,
  validationFraction: 0.05,
  patience: 2,
  foldIn: { base: 1, perRating: 0.1, biasBase: 1, biasPerRating: 0.001 },
};

export interface MfTrainingReport {
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly validationRmse: number;
  readonly seconds: number;
}

export class MfScorer implements Scorer {
  readonly name = 'mf';
  options: MfOptions;
  private model: BiasedMfModel | null = null;
  report: MfTrainingReport | null = null;

  constructor(options: Partial<MfOptions> = {}) {
    this.options = { ...DEFAULT_MF_OPTIONS, ...options };
  }

  /** The pure-TS model (for fold-in and benchmarks); throws before training or loading. */
  get params(): BiasedMfModel {
    if (this.model === null) throw new Error('MfScorer used before train() or load()');
    return this.model;
  }

  async train(data: Dataset, options: TrainOptions): Promise<void> {
    // Validation slice for early stopping, from the data we were given.
    const perm = permutation(data.r.length, mulberry32(options.seed ^ 0x5eed));
    const nVal = Math.round(data.r.length * this.options.validationFraction);
    await this.fit(data, perm.slice(nVal), perm.slice(0, nVal), options);
  }

  /**
   * Trains on the ratings at `fitIdx` and early-stops on those at `valIdx`
   * (both indices into `data`; `valIdx` may be empty: then exactly maxEpochs).
   * The CF blend calls this directly so MF and the blend share one slice.
   */
  async fit(data: Dataset, fitIdx: Int32Array, valIdx: Int32Array, options: TrainOptions): Promise<void> {
    const started = performance.now();
    const tf = await initTfjs();
    const o = this.options;
    const k = o.factors;
    const nUsers = data.userIds.length;
    const nItems = data.itemIds.length;
    const rand = mulberry32(options.seed);
    const nVal = valIdx.length;
    let sum = 0;
    let minRating = Infinity;
    let maxRating = -Infinity;
    for (let p = 0; p < fitIdx.length; p++) {
      const r = data.r[fitIdx[p]!]!;
      sum += r;
      minRating = Math.min(minRating, r);
      maxRating = Math.max(maxRating, r);
    }
    const mean = fitIdx.length > 0 ? sum / fitIdx.length : 0;
    const itemCount = new Float32Array(nItems);
    for (let p = 0; p < fitIdx.length; p++) itemCount[data.i[fitIdx[p]!]!]!++;

    const normal = gaussian(rand);
    const init = (rows: number) => Float32Array.from({ length: rows * k }, () => normal() * o.initStd);
    const P = tf.variable(tf.tensor2d(init(nUsers), [nUsers, k]));
    const Q = tf.variable(tf.tensor2d(init(nItems), [nItems, k]));
    const BU = tf.variable(tf.zeros([nUsers, 1]) as TfNamespace.Tensor2D);
    const BI = tf.variable(tf.zeros([nItems, 1]) as TfNamespace.Tensor2D);
    const optimizer = tf.train.adam(o.learningRate);
    const vars = [P, Q, BU, BI];

    const batchU = new Int32Array(o.batchSize);
    const batchI = new Int32Array(o.batchSize);
    const batchR = new Float32Array(o.batchSize);
    const snapshot = () => ({
      userFactors: P.dataSync() as Float32Array,
      itemFactors: Q.dataSync() as Float32Array,
      userBias: BU.dataSync() as Float32Array,
      itemBias: BI.dataSync() as Float32Array,
    });
    const arraysOf = (s: ReturnType<typeof snapshot>) => ({
      factors: k,
      mean,
      minRating,
      maxRating,
      userIds: data.userIds,
      itemIds: data.itemIds,
      ...s,
      itemCount,
    });

    let best = snapshot();
    let bestRmse = Infinity;
    let bestEpoch = 0;
    let epoch = 0;
    let stale = 0;
    try {
      for (epoch = 1; epoch <= o.maxEpochs; epoch++) {
        const order = permutation(fitIdx.length, rand);
        for (let start = 0; start < order.length; start += o.batchSize) {
          const m = Math.min(o.batchSize, order.length - start);
          for (let b = 0; b < m; b++) {
            const idx = fitIdx[order[start + b]!]!;
            batchU[b] = data.u[idx]!;
            batchI[b] = data.i[idx]!;
            batchR[b] = data.r[idx]! - mean;
          }
          tf.tidy(() => {
            const uT = tf.tensor1d(batchU.subarray(0, m), 'int32');
            const iT = tf.tensor1d(batchI.subarray(0, m), 'int32');
            const rT = tf.tensor1d(batchR.subarray(0, m));
            optimizer.minimize(
              () => {
                const p = gatherRows(P, uT);
                const q = gatherRows(Q, iT);
                const bu = gatherRows(BU, uT).reshape([-1]);
                const bi = gatherRows(BI, iT).reshape([-1]);
                const pred = p.mul(q).sum(1).add(bu).add(bi);
                const err = rT.sub(pred).square().mean();
                const regF = p.square().sum(1).add(q.square().sum(1)).mean().mul(o.l2);
                const regB = bu.square().add(bi.square()).mean().mul(o.l2Bias);
                return err.add(regF).add(regB) as TfNamespace.Scalar;
              },
              false,
              vars,
            );
          });
        }
        if (nVal === 0) {
          options.onProgress?.(epoch / o.maxEpochs, { epoch });
          continue;
        }
        const current = snapshot();
        const rmse = validationRmse(new BiasedMfModel(arraysOf(current), o.foldIn), data, valIdx);
        options.onProgress?.(epoch / o.maxEpochs, { epoch, validationRmse: rmse });
        if (rmse < bestRmse - 1e-5) {
          bestRmse = rmse;
          best = current;
          bestEpoch = epoch;
          stale = 0;
        } else if (++stale >= o.patience) {
          break;
        }
      }
      if (nVal === 0) {
        best = snapshot();
        bestEpoch = o.maxEpochs;
      }
    } finally {
      for (const v of vars) v.dispose();
      optimizer.dispose();
    }
    this.model = new BiasedMfModel(arraysOf(best), o.foldIn);
    this.report = {
      epochs: Math.min(epoch, o.maxEpochs),
      bestEpoch,
      validationRmse: bestRmse,
      seconds: (performance.now() - started) / 1000,
    };
  }

  score(query: ScoreQuery, items: readonly number[]): Float32Array {
    if (this.model === null) return new Float32Array(items.length).fill(NaN);
    return this.model.score(query, items);
  }

  save(): ScorerParams {
    return { kind: KIND, version: VERSION, data: { options: this.options, model: this.params.toJSON() } };
  }

  load(params: ScorerParams): void {
    expectParams(params, KIND, VERSION);
    const data = params.data as { options: MfOptions; model: Record<string, unknown> };
    this.options = { ...DEFAULT_MF_OPTIONS, ...data.options };
    this.model = BiasedMfModel.fromJSON(data.model);
  }
}

/** RMSE on held-out rating indices using the trained user vectors (no fold-in). */
function validationRmse(model: BiasedMfModel, data: Dataset, idx: Int32Array): number {
  const a = model.arrays;
  const k = a.factors;
  let sse = 0;
  for (let p = 0; p < idx.length; p++) {
    const r = idx[p]!;
    const u = data.u[r]!;
    const j = data.i[r]!;
    let s = a.mean + a.userBias[u]! + a.itemBias[j]!;
    if (a.itemCount[j]! > 0) for (let f = 0; f < k; f++) s += a.userFactors[u * k + f]! * a.itemFactors[j * k + f]!;
    s = Math.min(a.maxRating, Math.max(a.minRating, s));
    const e = s - data.r[r]!;
    sse += e * e;
  }
  return Math.sqrt(sse / Math.max(1, idx.length));
}
