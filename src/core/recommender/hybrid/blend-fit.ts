/**
 * Fits the hybrid's blending weights on held-out ratings instead of setting them
 * by hand: feature-weighted linear stacking (Sill, Takacs, Mackey & Lin 2009,
 * "Feature-Weighted Linear Stacking"), with one meta-feature, the size of the
 * user's history, so the blend can lean on content and popularity for a newcomer
 * and on collaborative filtering for a user with many ratings.
 *
 * Model (all terms in rating points; b = the baseline scorer's prediction, or the
 * global mean where it has none; a missing component contributes 0):
 *
 *   pred = b + (i0 + i1 g) + sum_f (a_f + b_f g) x_f
 *   x_cf = cf - b,  x_content = slope * cos(profile, item)  (the content scorer's
 *   deviation from the user's mean, see ContentScorer.deviations),
 *   x_pop = (pop - centre) / scale
 *   g = min(1, ln(1 + n) / ln(1 + refHistory)),  n = catalogue movies in the user's history
 *
 * The eight coefficients come from ridge least squares on validation rows built
 * by `splitForBlend`: a seeded slice of users is held out of training entirely;
 * each one's ratings are put in a seeded random order, the last few become
 * targets, and the scorers see only the first k of the rest (k = 0, 1, 2, 3, 5,
 * 10, 20, 50, all; folded in at query time as for a real new user). That
 * reproduces the cold-to-warm range the app serves.
 *
 * Mood has no ground truth in MovieLens. Its weight multiplies
 * `x_mood = confidence * (fit - 0.5)` (fit = the mood scorer's 0..1 Bhattacharyya
 * fit) and starts at a documented prior (MOOD_WEIGHT_PRIOR). `fitMoodWeight`
 * updates it from app ratings stored with the mood at rating time, as a ridge
 * regression of the residual (rating - prediction without mood) on x_mood shrunk
 * towards the prior; it only replaces the prior once there are
 * MOOD_MIN_OBSERVATIONS such ratings.
 */
import { Dataset, type Interaction } from '../dataset.js';
import type { HistoryEntry, ScoreQuery, Scorer } from '../scorer.js';
import { ridgeSolve } from '../scorers/linalg.js';
import { mulberry32, permutation } from '../scorers/random.js';
import type { RankingWeights } from './rank-fit.js';

export const BLEND_PARAMS_VERSION = 1;
export const BLEND_FEATURES = ['cf', 'content', 'popularity'] as const;
export type BlendFeature = (typeof BLEND_FEATURES)[number];

/**
 * Prior mood weight, in rating points per unit of x_mood. x_mood spans about
 * -0.4..+0.45 for a fully confident reading, so 1.5 moves a prediction by up to
 * about +-0.6 stars: enough to reorder the top of a list, not enough to push a
 * movie the user would dislike above one they would like.
 */
export const MOOD_WEIGHT_PRIOR = 1.5;
/**
 * Weight of the stated-preference term (cosine of a movie with the liked genres,
 * actors and directors; ContentScorer.preferenceCosines), in rating points per
 * unit of cosine. MovieLens has no stated preferences to fit it on, so it is a
 * prior: a comedy with two genres has a cosine of about 0.4 with "likes comedy",
 * so 1.0 adds about 0.4 stars, and a five-genre movie about 0.2. It does not fade
 * with history: the user said it, and can unsay it.
 */
export const PREFERENCE_WEIGHT_PRIOR = 1.0;
/** App ratings with a mood needed before the fitted mood weight replaces the prior. */
export const MOOD_MIN_OBSERVATIONS = 30;
/** Strength of the prior in the mood-weight ridge, in units of sum(x_mood^2) (about 20 ratings' worth). */
export const MOOD_PRIOR_STRENGTH = 1;

export interface MoodWeight {
  readonly weight: number;
  readonly prior: number;
  /** App ratings with a mood behind the weight. */
  readonly observations: number;
  readonly source: 'prior' | 'fitted';
}

export interface BlendFitReport {
  readonly rows: number;
  readonly users: number;
  /**
   * RMSE on the fit rows per history-size bucket: the baseline alone, the CF scorer
   * alone, the baseline plus the raw content deviation, and the blend.
   */
  readonly buckets: readonly BucketReport[];
}

export interface BucketReport {
  readonly label: string;
  readonly rows: number;
  /**
   * In-sample except `blendCrossFitted`: the blend refitted on the other half of
   * the validation users (two folds), NaN when rows carry no userId.
   */
  readonly rmse: Readonly<Record<'baseline' | 'cf' | 'content' | 'blend' | 'blendCrossFitted', number>>;
}

/** The fitted blend, saved and loaded with the hybrid as versioned parameters. */
export interface BlendParams {
  readonly version: typeof BLEND_PARAMS_VERSION;
  readonly globalMean: number;
  /** History length at which the gate g reaches 1. */
  readonly refHistory: number;
  /** Per feature [a, b]: weight(n) = a + b * g(n). */
  readonly weights: Readonly<Record<BlendFeature, readonly [number, number]>>;
  readonly intercept: readonly [number, number];
  /** Standardisation of the popularity score. */
  readonly popularity: { readonly centre: number; readonly scale: number };
  readonly mood: MoodWeight;
  /** Weight of the stated-preference term (PREFERENCE_WEIGHT_PRIOR). */
  readonly preferenceWeight: number;
  /**
   * Weights fitted for ordering a user's candidates (rank-fit.ts), in baseline
   * stars; null = rank by the rating prediction.
   */
  readonly ranking: RankingWeights | null;
  /** How the weights were obtained; null for UNFITTED_BLEND. */
  readonly fit: BlendFitReport | null;
}

/**
 * A blend for tests and for a first boot before any fit: baseline plus CF ramping
 * in with history, a little content, the prior mood weight. Not fitted: production
 * should serve `HybridScorer.train`'s output (params.fit is null here to say so).
 */
export const UNFITTED_BLEND: BlendParams = Object.freeze({
  version: BLEND_PARAMS_VERSION,
  globalMean: 3.5,
  refHistory: 100,
  weights: { cf: [0.3, 0.7], content: [0.5, -0.3], popularity: [0, 0] },
  intercept: [0, 0],
  popularity: { centre: 2.75, scale: 1 },
  mood: { weight: MOOD_WEIGHT_PRIOR, prior: MOOD_WEIGHT_PRIOR, observations: 0, source: 'prior' },
  preferenceWeight: PREFERENCE_WEIGHT_PRIOR,
  ranking: null,
  fit: null,
} as const satisfies BlendParams);

/** The history-size gate g(n) in 0..1. */
export function historyGate(n: number, refHistory: number): number {
  return Math.min(1, Math.log1p(n) / Math.log1p(refHistory));
}

/** One held-out rating with every component's prediction for it (NaN where a component had none). */
export interface BlendRow {
  /** The held-out user, for the cross-fitted report (optional). */
  readonly userId?: number;
  readonly historySize: number;
  readonly rating: number;
  readonly baseline: number;
  readonly cf: number;
  /** The content deviation (ContentScorer.deviations), not the full content score. */
  readonly content: number;
  readonly popularity: number;
}

/** Feature residuals x_f for one row, in BLEND_FEATURES order; NaN components become 0. */
export function blendFeatures(params: Pick<BlendParams, 'popularity'>, base: number, cf: number, content: number, pop: number): [number, number, number] {
  return [
    Number.isNaN(cf) ? 0 : cf - base,
    Number.isNaN(content) ? 0 : content,
    Number.isNaN(pop) ? 0 : (pop - params.popularity.centre) / params.popularity.scale,
  ];
}

/** Per-feature weights at gate g, in BLEND_FEATURES order, and the intercept. */
export function gatedWeights(params: BlendParams, g: number): { weights: [number, number, number]; intercept: number } {
  const w = (f: BlendFeature) => params.weights[f][0] + params.weights[f][1] * g;
  return { weights: [w('cf'), w('content'), w('popularity')], intercept: params.intercept[0] + params.intercept[1] * g };
}

export interface FitBlendOptions {
  readonly refHistory?: number;
  /** Ridge penalty on the feature weights (default 1; the intercepts get 1e-6). */
  readonly ridge?: number;
  /** Carried over unchanged: the mood weight is fitted separately (fitMoodWeight). */
  readonly mood?: MoodWeight;
  /** Carried over unchanged (a prior; see PREFERENCE_WEIGHT_PRIOR). */
  readonly preferenceWeight?: number;
  /** Distinct users behind the rows, for the report. */
  readonly users?: number;
}

const baseOf = (row: BlendRow, mean: number) => (Number.isNaN(row.baseline) ? mean : row.baseline);

/** Ridge least squares of (rating - baseline) on the gated residual features, plus the fit report. */
export function fitBlend(rows: readonly BlendRow[], options: FitBlendOptions = {}): BlendParams {
  if (rows.length < 20) throw new Error(`fitBlend needs at least 20 validation rows, got ${rows.length}`);
  const params = solveBlend(rows, options);
  // Two-fold cross-fit over users (rows that carry a userId): an honest figure next to the in-sample one.
  const fold = (r: BlendRow) => (r.userId === undefined ? -1 : (Math.imul(r.userId, 0x9e3779b1) >>> 31) & 1);
  const cv = new Float64Array(rows.length).fill(NaN);
  for (const f of [0, 1]) {
    const train = rows.filter((r) => fold(r) === 1 - f);
    if (train.length < 20 || !rows.some((r) => fold(r) === f)) continue;
    const p = solveBlend(train, options);
    rows.forEach((r, k) => {
      if (fold(r) === f) cv[k] = predictRow(p, r);
    });
  }
  return { ...params, fit: { rows: rows.length, users: options.users ?? 0, buckets: bucketReport(rows, params, cv) } };
}

function solveBlend(rows: readonly BlendRow[], options: FitBlendOptions): BlendParams {
  const refHistory = options.refHistory ?? 100;
  const ridge = options.ridge ?? 1;
  let mean = 0;
  for (const r of rows) mean += r.rating;
  mean /= rows.length;
  let popSum = 0;
  let popSq = 0;
  let popN = 0;
  for (const r of rows) {
    if (Number.isNaN(r.popularity)) continue;
    popSum += r.popularity;
    popSq += r.popularity * r.popularity;
    popN++;
  }
  const popCentre = popN > 0 ? popSum / popN : 0;
  const popScale = popN > 1 ? Math.sqrt(Math.max(1e-12, popSq / popN - popCentre * popCentre)) : 1;
  const standard = { popularity: { centre: popCentre, scale: popScale } };

  const design: Float64Array[] = [];
  const y = new Float64Array(rows.length);
  rows.forEach((r, k) => {
    const b = baseOf(r, mean);
    const g = historyGate(r.historySize, refHistory);
    const x = blendFeatures(standard, b, r.cf, r.content, r.popularity);
    design.push(Float64Array.of(x[0], g * x[0], x[1], g * x[1], x[2], g * x[2], 1, g));
    y[k] = r.rating - b;
  });
  const coef = ridgeSolve(design, y, [ridge, ridge, ridge, ridge, ridge, ridge, 1e-6, 1e-6]);
  return {
    version: BLEND_PARAMS_VERSION,
    globalMean: mean,
    refHistory,
    weights: { cf: [coef[0]!, coef[1]!], content: [coef[2]!, coef[3]!], popularity: [coef[4]!, coef[5]!] },
    intercept: [coef[6]!, coef[7]!],
    popularity: standard.popularity,
    mood: options.mood ?? UNFITTED_BLEND.mood,
    preferenceWeight: options.preferenceWeight ?? PREFERENCE_WEIGHT_PRIOR,
    ranking: null,
    fit: null,
  };
}

/** Prediction without mood for one row under `params` (used by the fit report and the mood fit). */
export function predictRow(params: BlendParams, row: BlendRow): number {
  const b = baseOf(row, params.globalMean);
  const x = blendFeatures(params, b, row.cf, row.content, row.popularity);
  const { weights, intercept } = gatedWeights(params, historyGate(row.historySize, params.refHistory));
  return b + intercept + weights[0] * x[0] + weights[1] * x[1] + weights[2] * x[2];
}

const BUCKETS: readonly { label: string; lo: number; hi: number }[] = [
  { label: 'n=0', lo: 0, hi: 0 },
  { label: 'n=1-4', lo: 1, hi: 4 },
  { label: 'n=5-19', lo: 5, hi: 19 },
  { label: 'n=20-99', lo: 20, hi: 99 },
  { label: 'n>=100', lo: 100, hi: Infinity },
  { label: 'all', lo: 0, hi: Infinity },
];

const clamp = (x: number) => (x < 0.5 ? 0.5 : x > 5 ? 5 : x);

function bucketReport(rows: readonly BlendRow[], params: BlendParams, crossFitted: Float64Array): BucketReport[] {
  return BUCKETS.map(({ label, lo, hi }) => {
    const sq = { baseline: 0, cf: 0, content: 0, blend: 0, blendCrossFitted: 0 };
    let n = 0;
    let nCv = 0;
    rows.forEach((r, k) => {
      if (r.historySize < lo || r.historySize > hi) return;
      const b = baseOf(r, params.globalMean);
      sq.baseline += (clamp(b) - r.rating) ** 2;
      sq.cf += (clamp(Number.isNaN(r.cf) ? b : r.cf) - r.rating) ** 2;
      sq.content += (clamp(Number.isNaN(r.content) ? b : b + r.content) - r.rating) ** 2;
      sq.blend += (clamp(predictRow(params, r)) - r.rating) ** 2;
      n++;
      if (!Number.isNaN(crossFitted[k])) {
        sq.blendCrossFitted += (clamp(crossFitted[k]!) - r.rating) ** 2;
        nCv++;
      }
    });
    const rmse = (s: number, count = n) => (count > 0 ? Math.sqrt(s / count) : NaN);
    return {
      label,
      rows: n,
      rmse: {
        baseline: rmse(sq.baseline),
        cf: rmse(sq.cf),
        content: rmse(sq.content),
        blend: rmse(sq.blend),
        blendCrossFitted: rmse(sq.blendCrossFitted, nCv),
      },
    };
  });
}

// ---------------------------------------------------------------- validation split

export interface BlendSplitOptions {
  readonly seed: number;
  /** Share of eligible users held out (default 0.2). */
  readonly validationFraction?: number;
  /** Cap on held-out users, to bound the fit's cost (default 200). */
  readonly maxValidationUsers?: number;
  /** Users with fewer ratings are never held out (default 15). */
  readonly minRatings?: number;
  /** Simulated history sizes; Infinity = everything before the targets. */
  readonly historySizes?: readonly number[];
  /** Ratings per held-out user to predict (default 10, at most 30% of their ratings). */
  readonly targetsPerUser?: number;
  /**
   * Order in which a held-out user's ratings are revealed (default 'random',
   * seeded). 'temporal' reveals the oldest first and predicts the newest, but in
   * MovieLens a user's first ratings come from the sign-up flow, which asks for
   * popular movies; on ml-latest-small they are anti-informative (content slope
   * -0.30 for 1-3 ratings, -0.22 for 4-10, against +0.22 and +0.37 in random
   * order), which is an artefact of that flow, not of how MoodReel users rate.
   */
  readonly order?: 'random' | 'temporal';
}

/** One simulated moment: a held-out user who has rated `history` so far, and what they rated next. */
export interface ValidationQuery {
  readonly userId: number;
  readonly history: readonly HistoryEntry[];
  readonly targets: readonly HistoryEntry[];
  /** Every movie the user rated (so random negatives for the ranking fit are truly unrated). */
  readonly rated: readonly number[];
}

export interface BlendSplit {
  /** Every rating of the users not held out (all catalogue items kept as extra items). */
  readonly train: Dataset;
  readonly queries: readonly ValidationQuery[];
  readonly validationUsers: readonly number[];
}

export const DEFAULT_HISTORY_SIZES: readonly number[] = [0, 1, 2, 3, 5, 10, 20, 50, Infinity];

/** Holds out a seeded slice of users and builds cold-to-warm validation queries from them. */
export function splitForBlend(data: Dataset, options: BlendSplitOptions): BlendSplit {
  const fraction = options.validationFraction ?? 0.2;
  const maxUsers = options.maxValidationUsers ?? 200;
  const minRatings = options.minRatings ?? 15;
  const sizes = options.historySizes ?? DEFAULT_HISTORY_SIZES;
  const targetsPerUser = options.targetsPerUser ?? 10;
  const order = options.order ?? 'random';
  const rand = mulberry32(options.seed ^ 0x5f3759df);

  const byUser = new Map<number, Interaction[]>();
  for (const row of data.interactions()) {
    const list = byUser.get(row.user);
    if (list) list.push(row);
    else byUser.set(row.user, [row]);
  }
  const eligible = [...byUser.keys()].filter((u) => byUser.get(u)!.length >= minRatings).sort((a, b) => a - b);
  const pick = permutation(eligible.length, mulberry32(options.seed));
  const count = Math.min(maxUsers, Math.round(eligible.length * fraction));
  const held = new Set<number>();
  for (let k = 0; k < count; k++) held.add(eligible[pick[k]!]!);

  const queries: ValidationQuery[] = [];
  for (const userId of [...held].sort((a, b) => a - b)) {
    const chronological = byUser.get(userId)!.slice().sort((a, b) => a.timestamp - b.timestamp || a.item - b.item);
    const rows = order === 'random' ? Array.from(permutation(chronological.length, rand), (k) => chronological[k]!) : chronological;
    const nTargets = Math.max(1, Math.min(targetsPerUser, Math.floor(rows.length * 0.3)));
    const prefix = rows.slice(0, rows.length - nTargets).map((r) => ({ item: r.item, rating: r.rating }));
    const targets = rows.slice(rows.length - nTargets).map((r) => ({ item: r.item, rating: r.rating }));
    const ks = [...new Set(sizes.map((s) => Math.min(s, prefix.length)))];
    const rated = chronological.map((r) => r.item);
    for (const k of ks) queries.push({ userId, history: prefix.slice(0, k), targets, rated });
  }
  const train = Dataset.from(
    (function* () {
      for (const row of data.interactions()) if (!held.has(row.user)) yield row;
    })(),
    data.itemIds,
  );
  return { train, queries, validationUsers: [...held].sort((a, b) => a - b) };
}

// ---------------------------------------------------------------- mood weight

/** One app rating given with a known mood, and the blend's prediction for it without mood. */
export interface MoodRow {
  readonly rating: number;
  readonly predictedWithoutMood: number;
  /** confidence * (fit - 0.5) at rating time. */
  readonly moodFeature: number;
}

/**
 * Ridge slope of the residual on x_mood (both centred), shrunk towards `prior`:
 * w = (sum xy + s * prior) / (sum x^2 + s). Below MOOD_MIN_OBSERVATIONS rows the
 * prior stands (source 'prior'), so a handful of ratings cannot flip the sign.
 */
export function fitMoodWeight(rows: readonly MoodRow[], prior = MOOD_WEIGHT_PRIOR, strength = MOOD_PRIOR_STRENGTH): MoodWeight {
  if (rows.length < MOOD_MIN_OBSERVATIONS) return { weight: prior, prior, observations: rows.length, source: 'prior' };
  let mx = 0;
  let my = 0;
  for (const r of rows) {
    mx += r.moodFeature;
    my += r.rating - r.predictedWithoutMood;
  }
  mx /= rows.length;
  my /= rows.length;
  let sxy = 0;
  let sxx = 0;
  for (const r of rows) {
    const x = r.moodFeature - mx;
    sxy += x * (r.rating - r.predictedWithoutMood - my);
    sxx += x * x;
  }
  return { weight: (sxy + strength * prior) / (sxx + strength), prior, observations: rows.length, source: 'fitted' };
}

// ---------------------------------------------------------------- rows

/** The components a validation row needs predictions from. */
export interface RowScorers {
  readonly cf: Pick<Scorer, 'score'>;
  readonly baseline: Pick<Scorer, 'score'>;
  readonly content: { deviations(query: ScoreQuery, items: readonly number[]): Float32Array };
  readonly popularity?: Pick<Scorer, 'score'> | null;
}

/** Scores every validation query's targets with every component. */
export function collectBlendRows(scorers: RowScorers, queries: readonly ValidationQuery[]): BlendRow[] {
  const rows: BlendRow[] = [];
  for (const q of queries) {
    const items = q.targets.map((t) => t.item);
    const query = { userId: q.userId, history: q.history };
    const base = scorers.baseline.score(query, items);
    const cf = scorers.cf.score(query, items);
    const content = scorers.content.deviations(query, items);
    const pop = scorers.popularity ? scorers.popularity.score(query, items) : null;
    q.targets.forEach((t, k) => {
      rows.push({
        userId: q.userId,
        historySize: q.history.length,
        rating: t.rating,
        baseline: base[k]!,
        cf: cf[k]!,
        content: content[k]!,
        popularity: pop ? pop[k]! : NaN,
      });
    });
  }
  return rows;
}
