/**
 * A second set of blending weights fitted for ranking, not for rating values.
 *
 * The least-squares blend (blend-fit.ts) answers "what will this user rate this
 * movie": for that, three ratings say little (on ml-latest-small the fitted CF
 * and content weights at n = 3 are about 0.37 and 0.11), so a newcomer who loves
 * three horror films still gets the crowd favourites. Choosing what to show is a
 * different question, "which movies will this user pick and like", and there a
 * few ratings say a lot (Cremonesi, Koren & Turrin 2010: rating accuracy and
 * top-N accuracy disagree). So the same gated features are also fitted by
 * pairwise logistic regression (BPR-style; Rendle et al. 2009) on the validation
 * queries: a movie the held-out user went on to rate 4 or more should outrank
 * (a) a movie they rated 2.5 or less and (b) seeded random catalogue movies they
 * never rated.
 *
 *   s = beta_b * b + sum_f (a_f + b_f g) x_f        (b, x_f, g as in blend-fit.ts)
 *   maximise  sum_pairs log sigmoid(s_pos - s_neg) - ridge/2 |beta|^2   (Newton / IRLS)
 *
 * The weights are stored divided by beta_b, so the ranking score stays in
 * "baseline stars" (b + corrections) and the mood and preference priors, which
 * are in stars, keep their meaning next to it. The user's own bias cancels out in
 * every pair, as it should for ranking one user's candidates.
 */
import type { Scorer, ScoreQuery } from '../scorer.js';
import { choleskySolve } from '../scorers/linalg.js';
import { mulberry32 } from '../scorers/random.js';
import { blendFeatures, historyGate, type BlendFeature, type BlendParams, type ValidationQuery } from './blend-fit.js';

export interface RankingFitReport {
  readonly pairs: number;
  readonly users: number;
  /** The fitted coefficient of the baseline before normalising (> 0). */
  readonly baselineCoefficient: number;
  /**
   * Share of pairs ordered correctly (pairwise AUC): by the baseline alone, by the
   * least-squares blend, by this ranking blend in-sample, and cross-fitted
   * (refitted on the other half of the users; NaN when pairs carry no userId).
   */
  readonly auc: Readonly<Record<'baseline' | 'ratingBlend' | 'rankingBlend' | 'rankingBlendCrossFitted', number>>;
}

/** Ranking weights per feature, [a, b] with weight(n) = a + b * g(n), in baseline stars. */
export interface RankingWeights {
  readonly weights: Readonly<Record<BlendFeature, readonly [number, number]>>;
  readonly fit: RankingFitReport | null;
}

/** A movie's raw component scores for one query (NaN where a component had none). */
export interface RankFeatures {
  readonly baseline: number;
  readonly cf: number;
  /** Content deviation (ContentScorer.deviations). */
  readonly content: number;
  readonly popularity: number;
}

/** A movie that should outrank another for the same user at the same history size. */
export interface RankingPair {
  readonly userId?: number;
  readonly historySize: number;
  readonly better: RankFeatures;
  readonly worse: RankFeatures;
}

export interface RankingPairOptions {
  readonly seed: number;
  /** Random never-rated catalogue movies per liked target (default 4). */
  readonly negativesPerPositive?: number;
  /** A target rated at least this is a positive (default 4). */
  readonly likedAtLeast?: number;
  /** A target rated at most this is a watched-and-disliked negative (default 2.5). */
  readonly dislikedAtMost?: number;
  /**
   * Rating count per catalogue movie in the training data. Random negatives are
   * drawn with probability proportional to (count + 1)^popularityExponent:
   * 0 = uniform over the catalogue, 1 = as often as movies get watched.
   */
  readonly counts?: ReadonlyMap<number, number>;
  /** See `counts` (default 1). */
  readonly popularityExponent?: number;
}

export interface RankScorers {
  readonly cf: Pick<Scorer, 'score'>;
  readonly baseline: Pick<Scorer, 'score'>;
  readonly content: { deviations(query: ScoreQuery, items: readonly number[]): Float32Array };
  readonly popularity?: Pick<Scorer, 'score'> | null;
}

/** Builds ranking pairs from validation queries; `catalogue` is where random negatives come from. */
export function collectRankingPairs(
  scorers: RankScorers,
  queries: readonly (ValidationQuery & { readonly rated: readonly number[] })[],
  catalogue: readonly number[],
  options: RankingPairOptions,
): RankingPair[] {
  const rand = mulberry32(options.seed ^ 0x2545f491);
  const perPositive = options.negativesPerPositive ?? 4;
  const liked = options.likedAtLeast ?? 4;
  const disliked = options.dislikedAtMost ?? 2.5;
  const exponent = options.popularityExponent ?? 1;
  const cumulative = new Float64Array(catalogue.length);
  let total = 0;
  catalogue.forEach((item, k) => {
    total += Math.pow((options.counts?.get(item) ?? 0) + 1, exponent);
    cumulative[k] = total;
  });
  const draw = (): number => {
    const u = rand() * total;
    let lo = 0;
    let hi = catalogue.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return catalogue[lo]!;
  };
  const pairs: RankingPair[] = [];
  for (const q of queries) {
    const positives = q.targets.filter((t) => t.rating >= liked).map((t) => t.item);
    if (positives.length === 0) continue;
    const dislikedTargets = q.targets.filter((t) => t.rating <= disliked).map((t) => t.item);
    const rated = new Set(q.rated);
    const sampled: number[] = [];
    for (let tries = 0; sampled.length < positives.length * perPositive && tries < positives.length * perPositive * 20; tries++) {
      const item = draw();
      if (!rated.has(item)) sampled.push(item);
    }
    const items = [...positives, ...dislikedTargets, ...sampled];
    const query = { userId: q.userId, history: q.history };
    const base = scorers.baseline.score(query, items);
    const cf = scorers.cf.score(query, items);
    const content = scorers.content.deviations(query, items);
    const pop = scorers.popularity ? scorers.popularity.score(query, items) : null;
    const at = (k: number): RankFeatures => ({ baseline: base[k]!, cf: cf[k]!, content: content[k]!, popularity: pop ? pop[k]! : NaN });
    positives.forEach((_, p) => {
      for (let d = 0; d < dislikedTargets.length; d++) pairs.push({ userId: q.userId, historySize: q.history.length, better: at(p), worse: at(positives.length + d) });
      for (let s = 0; s < perPositive; s++) {
        const k = positives.length + dislikedTargets.length + p * perPositive + s;
        if (k < items.length) pairs.push({ userId: q.userId, historySize: q.history.length, better: at(p), worse: at(k) });
      }
    });
  }
  return pairs;
}

const DIM = 7;

/** [b, x_cf, g x_cf, x_content, g x_content, x_pop, g x_pop] for one movie. */
function featureVector(params: BlendParams, f: RankFeatures, g: number): Float64Array {
  const b = Number.isNaN(f.baseline) ? params.globalMean : f.baseline;
  const x = blendFeatures(params, b, f.cf, f.content, f.popularity);
  return Float64Array.of(b, x[0], g * x[0], x[1], g * x[1], x[2], g * x[2]);
}

function differences(params: BlendParams, pairs: readonly RankingPair[]): Float64Array[] {
  return pairs.map((p) => {
    const g = historyGate(p.historySize, params.refHistory);
    const a = featureVector(params, p.better, g);
    const b = featureVector(params, p.worse, g);
    for (let j = 0; j < DIM; j++) a[j]! -= b[j]!;
    return a;
  });
}

/** Ridge-penalised pairwise logistic regression by Newton's method (IRLS). */
function solvePairwise(diffs: readonly Float64Array[], ridge: number, iterations: number): Float64Array {
  const beta = new Float64Array(DIM);
  beta[0] = 1;
  for (let it = 0; it < iterations; it++) {
    const grad = new Float64Array(DIM);
    const hess = new Float64Array(DIM * DIM);
    for (const d of diffs) {
      let z = 0;
      for (let j = 0; j < DIM; j++) z += beta[j]! * d[j]!;
      const p = 1 / (1 + Math.exp(-z));
      const w = p * (1 - p);
      for (let i = 0; i < DIM; i++) {
        grad[i]! += (1 - p) * d[i]!;
        for (let j = 0; j <= i; j++) hess[i * DIM + j]! += w * d[i]! * d[j]!;
      }
    }
    for (let i = 0; i < DIM; i++) {
      grad[i]! -= ridge * beta[i]!;
      hess[i * DIM + i]! += ridge;
      for (let j = 0; j < i; j++) hess[j * DIM + i] = hess[i * DIM + j]!;
    }
    const step = choleskySolve(hess, grad, DIM);
    let size = 0;
    for (let j = 0; j < DIM; j++) {
      beta[j]! += step[j]!;
      size = Math.max(size, Math.abs(step[j]!));
    }
    if (size < 1e-7) break;
  }
  return beta;
}

const fold = (p: RankingPair) => (p.userId === undefined ? -1 : (Math.imul(p.userId, 0x9e3779b1) >>> 31) & 1);

function auc(diffs: readonly Float64Array[], beta: ArrayLike<number>, only?: (k: number) => boolean): number {
  let right = 0;
  let n = 0;
  diffs.forEach((d, k) => {
    if (only && !only(k)) return;
    let z = 0;
    for (let j = 0; j < DIM; j++) z += beta[j]! * d[j]!;
    right += z > 0 ? 1 : z === 0 ? 0.5 : 0;
    n++;
  });
  return n > 0 ? right / n : NaN;
}

export interface FitRankingOptions {
  /** Ridge penalty (default 1). */
  readonly ridge?: number;
  readonly iterations?: number;
  readonly users?: number;
}

/** Below this baseline coefficient the weights cannot be expressed in baseline stars. */
const MIN_BASELINE_COEFFICIENT = 0.05;
/** Fewer pairs than this are too few to fit seven weights. */
export const MIN_RANKING_PAIRS = 50;

/**
 * Fits the ranking weights on `pairs`, using `params` (a fitted least-squares
 * blend) for the popularity standardisation, the history gate and the global
 * mean. Returns null when there are fewer than MIN_RANKING_PAIRS pairs or the
 * baseline does not help ranking (coefficient below 0.05, as on a data set whose
 * movies are all equally good): the weights could not be put in baseline stars,
 * and the hybrid then ranks by its rating prediction (the params say so:
 * `ranking: null`).
 */
export function fitRanking(pairs: readonly RankingPair[], params: BlendParams, options: FitRankingOptions = {}): RankingWeights | null {
  if (pairs.length < MIN_RANKING_PAIRS) return null;
  const ridge = options.ridge ?? 1;
  const iterations = options.iterations ?? 30;
  const diffs = differences(params, pairs);
  const beta = solvePairwise(diffs, ridge, iterations);
  if (!(beta[0]! > MIN_BASELINE_COEFFICIENT)) return null;

  let cvRight = 0;
  let cvN = 0;
  for (const f of [0, 1]) {
    const train = diffs.filter((_, k) => fold(pairs[k]!) === 1 - f);
    if (train.length < 50) continue;
    const b = solvePairwise(train, ridge, iterations);
    const testAuc = auc(diffs, b, (k) => fold(pairs[k]!) === f);
    const count = pairs.filter((p) => fold(p) === f).length;
    if (!Number.isNaN(testAuc)) {
      cvRight += testAuc * count;
      cvN += count;
    }
  }
  // The least-squares blend as a ranking (its baseline coefficient is 1).
  const ls = (g0: BlendFeature) => params.weights[g0];
  const lsBeta = [1, ls('cf')[0], ls('cf')[1], ls('content')[0], ls('content')[1], ls('popularity')[0], ls('popularity')[1]];
  const scale = beta[0]!;
  return {
    weights: {
      cf: [beta[1]! / scale, beta[2]! / scale],
      content: [beta[3]! / scale, beta[4]! / scale],
      popularity: [beta[5]! / scale, beta[6]! / scale],
    },
    fit: {
      pairs: pairs.length,
      users: options.users ?? 0,
      baselineCoefficient: scale,
      auc: {
        baseline: auc(diffs, [1, 0, 0, 0, 0, 0, 0]),
        ratingBlend: auc(diffs, lsBeta),
        rankingBlend: auc(diffs, beta),
        rankingBlendCrossFitted: cvN > 0 ? cvRight / cvN : NaN,
      },
    },
  };
}
