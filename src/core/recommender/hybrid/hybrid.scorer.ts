/**
 * The hybrid scorer: one score per movie from collaborative filtering (whatever
 * trained Scorer it is given, matrix factorisation in production), content,
 * popularity, the bias baseline, stated preferences and mood. The CF, content
 * and popularity weights are fitted on held-out ratings and gated by the size of
 * the user's history, so a newcomer is served by content, mood and popularity and
 * a regular mostly by CF. They are fitted twice: by least squares for the
 * predicted rating (blend-fit.ts; `score`, `predicted`, group vetoes) and by
 * pairwise logistic regression for the order of a user's candidates (rank-fit.ts;
 * `total`). Mood and preferences, which MovieLens cannot teach, carry documented
 * prior weights (the mood one refitted from app ratings once there are enough).
 * Instances are immutable in what they serve: `withCf`/`withBlend` return a new
 * scorer, which is how a retrained model is swapped in atomically.
 */
import type { Dataset } from '../dataset.js';
import type { Scorer, ScorerParams, TrainOptions } from '../scorer.js';
import type { ContentQuery, ContentScorer } from '../content/content.scorer.js';
import type { MoodQuery, MoodRatedEntry, MoodScorer, MoodTarget } from '../mood/mood.scorer.js';
import { collectRankingPairs, fitRanking } from './rank-fit.js';
import {
  BLEND_PARAMS_VERSION,
  collectBlendRows,
  fitBlend,
  fitMoodWeight,
  gatedWeights,
  historyGate,
  splitForBlend,
  type BlendParams,
  type BlendSplitOptions,
  type MoodRow,
} from './blend-fit.js';

export interface HybridComponents {
  /** Collaborative filtering (MF, item-kNN, or Bias until a model exists). */
  readonly cf: Scorer;
  /** The bias baseline (mean + item + user bias): the anchor every other term is a correction of. */
  readonly baseline: Scorer;
  readonly content: ContentScorer;
  readonly mood: MoodScorer;
  readonly popularity?: Scorer | null;
}

/** Everything the hybrid's parts understand: history, stated preferences, mood and strategy. */
export interface HybridQuery extends ContentQuery, MoodQuery {}

/** Per-item scores and the contribution of each part, in rating points, for ranking and explanations. */
export interface HybridBreakdown {
  readonly items: readonly number[];
  /**
   * The ranking score, not clamped (so the top of a list does not tie at 5): the
   * baseline plus the ranking-fitted terms when the blend has them, else the
   * rating prediction. NaN = no part could score it.
   */
  readonly total: Float32Array;
  /** The predicted rating (least-squares blend), not clamped. */
  readonly predicted: Float32Array;
  /** The baseline each term corrects (the global mean where the baseline had no score). */
  readonly baseline: Float32Array;
  /** Contributions to `total`, in (baseline) stars. */
  readonly cf: Float32Array;
  readonly content: Float32Array;
  readonly popularity: Float32Array;
  /** The stated-preference term (liked genres, actors, directors). */
  readonly preference: Float32Array;
  readonly mood: Float32Array;
  /** The mood fit 0..1 (NaN without a mood or for unknown items). */
  readonly moodFit: Float32Array;
  readonly moodTarget: MoodTarget | null;
  readonly historySize: number;
  /** The history gate g(n) the weights were evaluated at. */
  readonly gate: number;
}

export interface HybridOptions {
  /** After fitting the blend on the split, retrain the components on all the data (default true). */
  readonly refitComponents?: boolean;
  readonly split?: Omit<BlendSplitOptions, 'seed'>;
  /** How random negatives for the ranking fit are drawn (rank-fit.ts; default 1 = popularity-proportional). */
  readonly popularityExponent?: number;
}

const PARAMS_KIND = 'hybrid';
const PARAMS_VERSION = 1;
const clampRating = (x: number) => (x < 0.5 ? 0.5 : x > 5 ? 5 : x);

export class HybridScorer implements Scorer {
  readonly name = 'hybrid';
  private parts: HybridComponents;
  private params: BlendParams;
  private readonly options: HybridOptions;

  constructor(components: HybridComponents, blend: BlendParams, options: HybridOptions = {}) {
    if (blend.version !== BLEND_PARAMS_VERSION) throw new Error(`blend params version ${blend.version} is not supported`);
    this.parts = components;
    this.params = blend;
    this.options = options;
  }

  get blend(): BlendParams {
    return this.params;
  }

  get components(): HybridComponents {
    return this.parts;
  }

  /** A new scorer serving another CF model with the same blend (for atomic promotion). */
  withCf(cf: Scorer, blend: BlendParams = this.params): HybridScorer {
    return new HybridScorer({ ...this.parts, cf }, blend, this.options);
  }

  withBlend(blend: BlendParams): HybridScorer {
    return new HybridScorer(this.parts, blend, this.options);
  }

  private async trainParts(data: Dataset, options: TrainOptions, from: number, to: number): Promise<void> {
    const parts = [this.parts.baseline, this.parts.cf, this.parts.content, this.parts.popularity].filter((p): p is Scorer => !!p);
    const unique = [...new Set(parts)];
    for (const [k, part] of unique.entries()) {
      const lo = from + ((to - from) * k) / unique.length;
      const hi = from + ((to - from) * (k + 1)) / unique.length;
      await part.train(data, { seed: options.seed, onProgress: (f, info) => options.onProgress?.(lo + (hi - lo) * f, info) });
    }
  }

  /**
   * Trains the components on the users outside a seeded validation slice, fits the
   * rating blend and the ranking blend on that slice (cold-to-warm queries, see
   * blend-fit.ts and rank-fit.ts), then retrains the components on everything. The
   * mood and preference weights are kept (priors; the mood one is refitted on app
   * ratings by `fitMood`).
   */
  async train(data: Dataset, options: TrainOptions): Promise<void> {
    const split = splitForBlend(data, { ...this.options.split, seed: options.seed });
    const refit = this.options.refitComponents ?? true;
    await this.trainParts(split.train, options, 0, refit ? 0.45 : 0.9);
    const rows = collectBlendRows(this.parts, split.queries);
    const users = split.validationUsers.length;
    const rated = fitBlend(rows, { mood: this.params.mood, preferenceWeight: this.params.preferenceWeight, refHistory: this.params.refHistory, users });
    const counts = new Map<number, number>();
    for (let k = 0; k < split.train.size; k++) {
      const item = split.train.itemIds[split.train.i[k]!]!;
      counts.set(item, (counts.get(item) ?? 0) + 1);
    }
    const pairs = collectRankingPairs(this.parts, split.queries, this.parts.content.catalogueIds, {
      seed: options.seed,
      counts,
      popularityExponent: this.options.popularityExponent,
    });
    this.params = { ...rated, ranking: fitRanking(pairs, rated, { users }) };
    if (refit) await this.trainParts(data, options, 0.5, 1);
    options.onProgress?.(1, { rows: rows.length, pairs: pairs.length });
  }

  breakdown(query: HybridQuery, items: readonly number[]): HybridBreakdown {
    const n = items.length;
    const p = this.params;
    // Only catalogue movies count towards the gate (an unknown id says nothing about the user), each once.
    const historySize = new Set(query.history.filter((h) => this.parts.content.has(h.item)).map((h) => h.item)).size;
    const gate = historyGate(historySize, p.refHistory);
    const rating = gatedWeights(p, gate);
    const ranking = p.ranking ? gatedWeights({ ...p, weights: p.ranking.weights, intercept: [0, 0] }, gate) : null;
    const base = this.parts.baseline.score(query, items);
    const cf = this.parts.cf.score(query, items);
    const content = this.parts.content.deviations(query, items);
    const pop = this.parts.popularity ? this.parts.popularity.score(query, items) : null;
    const prefCos = query.preferences ? this.parts.content.preferenceCosines(query.preferences, items) : null;
    const moodTarget = this.parts.mood.resolve(query);
    const moodFit = moodTarget ? this.parts.mood.fits(moodTarget.target, items) : new Float32Array(n).fill(NaN);
    const moodScale = moodTarget ? p.mood.weight * moodTarget.felt.confidence : 0;

    const out = {
      total: new Float32Array(n),
      predicted: new Float32Array(n),
      baseline: new Float32Array(n),
      cf: new Float32Array(n),
      content: new Float32Array(n),
      popularity: new Float32Array(n),
      preference: new Float32Array(n),
      mood: new Float32Array(n),
    };
    const w = (ranking ?? rating).weights;
    const r = rating.weights;
    const { centre: popCentre, scale: popScale } = p.popularity;
    for (let k = 0; k < n; k++) {
      const known = !Number.isNaN(base[k]) || !Number.isNaN(cf[k]) || !Number.isNaN(content[k]);
      const b = Number.isNaN(base[k]) ? p.globalMean : base[k]!;
      // blendFeatures(), inlined: this loop runs over the whole catalogue on every request.
      const x0 = Number.isNaN(cf[k]) ? 0 : cf[k]! - b;
      const x1 = Number.isNaN(content[k]) ? 0 : content[k]!;
      const x2 = pop === null || Number.isNaN(pop[k]) ? 0 : (pop[k]! - popCentre) / popScale;
      const cPref = prefCos === null || Number.isNaN(prefCos[k]) ? 0 : p.preferenceWeight * prefCos[k]!;
      const cMood = Number.isNaN(moodFit[k]) ? 0 : moodScale * (moodFit[k]! - 0.5);
      out.baseline[k] = b;
      out.cf[k] = w[0] * x0;
      out.content[k] = w[1] * x1;
      out.popularity[k] = w[2] * x2;
      out.preference[k] = cPref;
      out.mood[k] = cMood;
      const predicted = b + rating.intercept + r[0] * x0 + r[1] * x1 + r[2] * x2 + cPref + cMood;
      out.predicted[k] = known ? predicted : NaN;
      out.total[k] = !known ? NaN : ranking ? b + out.cf[k]! + out.content[k]! + out.popularity[k]! + cPref + cMood : predicted;
    }
    return { items, ...out, moodFit, moodTarget, historySize, gate };
  }

  /** Predicted ratings (the least-squares blend) clamped to the rating scale; NaN for items no part can score. */
  score(query: HybridQuery, items: readonly number[]): Float32Array {
    const { predicted } = this.breakdown(query, items);
    for (let k = 0; k < predicted.length; k++) if (!Number.isNaN(predicted[k])) predicted[k] = clampRating(predicted[k]!);
    return predicted;
  }

  /**
   * Top-N ordering scores (the ranking blend when fitted, else the predicted
   * rating), not clamped and not on the rating scale; NaN for items no part can score.
   */
  rank(query: HybridQuery, items: readonly number[]): Float32Array {
    return this.breakdown(query, items).total;
  }

  /**
   * Refits the mood weight from app ratings given with a known mood: for each
   * such rating, the blend's prediction without mood from the user's other
   * ratings (leave-one-out) and the mood feature at rating time. Returns new
   * blend params (the prior stands below MOOD_MIN_OBSERVATIONS ratings); this
   * scorer is not changed, so the caller can swap them in atomically.
   */
  fitMood(users: readonly { readonly query: HybridQuery; readonly moodRatings: readonly (MoodRatedEntry & { readonly confidence?: number })[] }[]): BlendParams {
    const rows: MoodRow[] = [];
    for (const { query, moodRatings } of users) {
      for (const e of moodRatings) {
        const history = query.history.filter((h) => h.item !== e.item);
        const q: HybridQuery = { ...query, history, mood: null };
        const b = this.breakdown(q, [e.item]);
        if (Number.isNaN(b.predicted[0])) continue;
        const target = this.parts.mood.resolve({
          ...query,
          history,
          mood: { label: 'neutral', distribution: e.mood, confidence: e.confidence ?? 1, source: 'fused' },
        });
        const fit = target ? this.parts.mood.fits(target.target, [e.item])[0]! : NaN;
        if (Number.isNaN(fit)) continue;
        rows.push({ rating: e.rating, predictedWithoutMood: b.predicted[0]!, moodFeature: (e.confidence ?? 1) * (fit - 0.5) });
      }
    }
    return { ...this.params, mood: fitMoodWeight(rows, this.params.mood.prior) };
  }

  save(): ScorerParams {
    const { cf, baseline, content, mood, popularity } = this.parts;
    return {
      kind: PARAMS_KIND,
      version: PARAMS_VERSION,
      data: {
        blend: this.params,
        components: { cf: cf.save(), baseline: baseline.save(), content: content.save(), mood: mood.save(), popularity: popularity?.save() ?? null },
      },
    };
  }

  load(params: ScorerParams): void {
    if (params.kind !== PARAMS_KIND || params.version !== PARAMS_VERSION) {
      throw new Error(`HybridScorer cannot load ${params.kind} v${params.version}`);
    }
    const d = params.data as { blend: BlendParams; components: Record<string, ScorerParams | null> };
    if (d.blend.version !== BLEND_PARAMS_VERSION) throw new Error(`blend params version ${d.blend.version} is not supported`);
    const c = d.components;
    this.parts.cf.load(c.cf!);
    this.parts.baseline.load(c.baseline!);
    this.parts.content.load(c.content!);
    this.parts.mood.load(c.mood!);
    if (this.parts.popularity && c.popularity) this.parts.popularity.load(c.popularity);
    this.params = d.blend;
  }
}
