/**
 * The recommender as the running app holds it: builds the hybrid from the
 * database's ratings and the catalogue, serves at once with the fast parts
 * (bias, content, mood, popularity), then trains the collaborative model off
 * the event loop and swaps it in. node-cron retrains on a schedule; a version
 * is promoted only if it is not worse on recent held-out ratings.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Config } from '../../config.js';
import type { Clock, Logger, Movie } from '../../core/ports.js';
import type { Stores, StoredRating as DbRating } from '../../core/stores.js';
import { Dataset, type Interaction } from '../../core/recommender/dataset.js';
import { BiasScorer } from '../../core/recommender/scorers/bias.scorer.js';
import { PopularityScorer } from '../../core/recommender/scorers/popularity.scorer.js';
import { ContentScorer } from '../../core/recommender/content/content.scorer.js';
import { MoodScorer } from '../../core/recommender/mood/mood.scorer.js';
import { HybridScorer } from '../../core/recommender/hybrid/hybrid.scorer.js';
import { UNFITTED_BLEND, type BlendParams } from '../../core/recommender/hybrid/blend-fit.js';
import type { Scorer } from '../../core/recommender/scorer.js';
import { ModelRegistry } from '../recommender/model-registry.js';
import { retrain as retrainJob, type RetrainResult } from '../recommender/retrain.job.js';
import { RecommenderService, type StoredRating } from '../../core/recommender/service.js';

export interface RecommendationRuntime {
  readonly service: RecommenderService;
  /** Rating counts per movie (search ranks popular titles first). */
  popularityCounts(): Map<number, number>;
  /** Trains a candidate collaborative model now; resolves with what happened. */
  retrain(): Promise<RetrainResult>;
  /** Resolves when start-up training (if any) has finished. */
  readonly ready: Promise<void>;
  startSchedule(): void;
  stop(): Promise<void>;
}

export interface RecommendationDeps {
  readonly config: Config;
  readonly stores: Stores;
  readonly movies: readonly Movie[];
  readonly logger: Logger;
  readonly clock: Clock;
}

export function toServiceRating(r: DbRating): StoredRating {
  return {
    movieId: r.movieId,
    value: r.value,
    kind: r.kind,
    mood: r.moodLabel && r.moodDistribution ? { label: r.moodLabel, distribution: r.moodDistribution, confidence: 1, source: 'fused' } : null,
  };
}

export async function loadInteractions(stores: Stores): Promise<Interaction[]> {
  const stars = await stores.ratings.allStars();
  return stars.map((r) => ({ user: r.userId, item: r.movieId, rating: r.value, timestamp: r.at.getTime() / 1000 }));
}

export async function createRecommendation(deps: RecommendationDeps): Promise<RecommendationRuntime> {
  const { config, stores, movies, logger } = deps;
  const log = logger.child({ module: 'recommender' });
  const started = Date.now();
  const interactions = await loadInteractions(stores);
  const data = Dataset.from(interactions, movies.map((m) => m.id));
  const profiles = await stores.catalog.emotionProfiles();
  const baseline = new BiasScorer();
  const popularity = new PopularityScorer();
  const content = new ContentScorer(movies);
  const mood = new MoodScorer(movies, profiles);
  const hybrid = new HybridScorer({ cf: baseline, baseline, content, mood, popularity }, UNFITTED_BLEND);
  await hybrid.train(data, { seed: config.MOODREEL_SEED });
  const service = new RecommenderService({
    movies,
    emotionProfiles: profiles,
    cf: baseline,
    baseline,
    popularity,
    content,
    blend: hybrid.blend,
    modelVersion: 'bias-baseline',
    coLikes: data,
    loadHistory: async (userId) => (await stores.ratings.forUser(userId)).map(toServiceRating),
  });
  log.info({ ratings: data.size, seconds: (Date.now() - started) / 1000 }, 'recommender ready (baseline hybrid)');

  const counts = new Map<number, number>();
  for (const r of interactions) counts.set(r.item, (counts.get(r.item) ?? 0) + 1);

  const registry = new ModelRegistry(config.MOODREEL_MODELS_DIR, { logger: log });
  /** The blend fitted in the worker together with a CF version (stored in its manifest). */
  const blendOf = async (version: string): Promise<BlendParams | undefined> => {
    const notes = (await registry.manifest(version)).notes as { report?: { blend?: BlendParams | null } } | undefined;
    return notes?.report?.blend ?? undefined;
  };
  const serve = async (scorer: Scorer, version: string) => {
    const blend = await blendOf(version);
    service.swapModel(scorer, version, blend);
    log.info({ version, blendFitted: blend !== undefined }, 'collaborative model serving');
  };
  let running: Promise<RetrainResult> | null = null;
  const stopping = new AbortController();
  const retrain = (): Promise<RetrainResult> =>
    (running ??= retrainJob({
      loadRatings: () => loadInteractions(stores),
      registry,
      logger: log,
      timeoutMs: config.MOODREEL_RETRAIN_TIMEOUT_MIN * 60_000,
      seed: config.MOODREEL_SEED,
      extraItems: movies.map((m) => m.id),
      hybrid: { movies, profiles: [...profiles] },
      onPromoted: serve,
      signal: stopping.signal,
    }).finally(() => {
      running = null;
    }));

  // A promoted version from an earlier run serves at once; otherwise train one in the background.
  let ready: Promise<void> = Promise.resolve();
  try {
    const current = await registry.loadCurrent();
    if (current) await serve(current.scorer, current.manifest.version);
    else if (config.MOODREEL_TRAIN_ON_START) {
      ready = retrain().then(
        (r) => log.info({ status: r.status }, 'start-up training finished'),
        (e: unknown) => log.error({ err: e }, 'start-up training failed; the baseline keeps serving'),
      );
    }
  } catch (error) {
    log.error({ err: error }, 'could not load the saved model; the baseline keeps serving');
  }

  let task: ScheduledTask | null = null;
  const runtime: RecommendationRuntime = {
    service,
    ready,
    popularityCounts: () => counts,
    retrain,
    startSchedule() {
      if (config.MOODREEL_RETRAIN_CRON === 'off') return;
      task = cron.schedule(config.MOODREEL_RETRAIN_CRON, () => {
        void retrain().then((r) => log.info({ status: r.status }, 'scheduled retraining finished'));
      });
    },
    async stop() {
      await task?.stop();
      // A training run in its worker is stopped, not waited for (it may take minutes).
      stopping.abort();
      await running?.catch(() => undefined);
    },
  };
  return runtime;
}
