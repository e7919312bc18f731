/**
 * Builds scorers by name (for training in a worker) and by the `kind` of
 * saved params (for loading a model version), so the registry and the worker
 * share one list of what can be trained and served.
 */
import type { Scorer, ScorerParams } from '../../core/recommender/scorer.js';
import { BiasScorer } from '../../core/recommender/scorers/bias.scorer.js';
import { EaseScorer } from '../../core/recommender/scorers/ease.scorer.js';
import { FallbackScorer } from '../../core/recommender/scorers/fallback.js';
import { GlobalMeanScorer } from '../../core/recommender/scorers/global-mean.scorer.js';
import { ItemKnnScorer } from '../../core/recommender/scorers/item-knn.scorer.js';
import { PopularityScorer } from '../../core/recommender/scorers/popularity.scorer.js';
import { CfScorer } from './cf.scorer.js';
import { MfScorer } from './mf.scorer.js';

/** What to train: a scorer name and its (partial) options, plain data so it can cross a worker boundary. */
export interface ScorerSpec {
  readonly name: ScorerName;
  readonly options?: Record<string, unknown>;
}

export type ScorerName = 'cf' | 'mf' | 'bias' | 'globalMean' | 'popularity' | 'itemKnn' | 'ease';

export function createScorer(spec: ScorerSpec): Scorer {
  const o = spec.options ?? {};
  switch (spec.name) {
    case 'cf':
      return new CfScorer(o);
    case 'mf':
      return new MfScorer(o);
    case 'bias':
      return new BiasScorer(o);
    case 'globalMean':
      return new GlobalMeanScorer();
    case 'popularity':
      return new PopularityScorer(o);
    case 'itemKnn':
      return new ItemKnnScorer(o);
    case 'ease':
      return new EaseScorer(o);
  }
}

const BY_KIND: Record<string, () => Scorer> = {
  'cf-blend': () => new CfScorer(),
  'biased-mf': () => new MfScorer(),
  bias: () => new BiasScorer(),
  'global-mean': () => new GlobalMeanScorer(),
  popularity: () => new PopularityScorer(),
  'item-knn': () => new ItemKnnScorer(),
  ease: () => new EaseScorer(),
};

/** A scorer restored from saved params (nested fallbacks included); throws on an unknown kind. */
export function scorerFromParams(params: ScorerParams): Scorer {
  if (params.kind === 'fallback') {
    const parts = (params.data as { parts: ScorerParams[] }).parts.map(scorerFromParams);
    if (parts.length === 0) throw new Error('fallback params without parts');
    return new FallbackScorer(parts as [Scorer, ...Scorer[]]);
  }
  const make = BY_KIND[params.kind];
  if (make === undefined) throw new Error(`no scorer for params of kind ${params.kind}`);
  const scorer = make();
  scorer.load(params);
  return scorer;
}
