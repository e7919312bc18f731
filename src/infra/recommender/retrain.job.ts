/**
 * One retraining cycle, for a scheduler (node-cron) to call:
 *
 *   1. load all ratings (callback: the DB in production, files in tests);
 *   2. cut the newest `holdoutFraction` by time BEFORE training;
 *   3. train a candidate on the rest in a worker thread, with a time limit;
 *   4. save it as a new version, compare it with the serving version on the
 *      hold-out, promote it only if its RMSE is not worse;
 *   5. prune old versions.
 *
 * It never throws: a failed or timed-out run is logged and the old model
 * keeps serving. The result says what happened, for logs and tests.
 */
import type { Interaction } from '../../core/recommender/dataset.js';
import type { Logger } from '../../core/ports.js';
import type { Scorer } from '../../core/recommender/scorer.js';
import { recentHoldout } from '../../core/recommender/evaluation/splitters.js';
import type { ModelRegistry, PromotionDecision } from './model-registry.js';
import type { ScorerSpec } from './scorer-factory.js';
import { trainInWorker, TrainingStoppedError, TrainingTimeoutError, type HybridTraining, type TrainFn } from './train-in-worker.js';

export interface RetrainOptions {
  readonly loadRatings: () => Promise<Interaction[]>;
  readonly registry: ModelRegistry;
  readonly logger: Logger;
  /** Wall-clock limit for training (the worker is stopped after it). */
  readonly timeoutMs: number;
  /** Newest share of ratings held out to compare versions (default 0.1). */
  readonly holdoutFraction?: number;
  /** Fewer ratings than this: skip (nothing worth learning yet). Default 1000. */
  readonly minRatings?: number;
  readonly seed?: number;
  /** What to train; default the CF blend. */
  readonly spec?: ScorerSpec;
  /** Catalogue items without ratings, so content scorers can still index them. */
  readonly extraItems?: readonly number[];
  /** Train within the app's hybrid so its blend is fitted with the new CF (manifest notes.report.blend). */
  readonly hybrid?: HybridTraining;
  /** Training function; default trainInWorker (tests pass doubles). */
  readonly train?: TrainFn;
  /** Called after a promotion so the app can swap the serving model in memory. */
  readonly onPromoted?: (scorer: Scorer, version: string) => void | Promise<void>;
  /** Aborted at shutdown: the training worker stops and the run ends as skipped. */
  readonly signal?: AbortSignal;
}

export type RetrainResult =
  | { readonly status: 'skipped'; readonly reason: string }
  | { readonly status: 'failed' | 'timeout'; readonly error: string }
  | { readonly status: 'promoted' | 'rejected'; readonly decision: PromotionDecision; readonly trainSeconds: number };

export async function retrain(options: RetrainOptions): Promise<RetrainResult> {
  const log = options.logger.child({ job: 'retrain' });
  const started = performance.now();
  try {
    const rows = await options.loadRatings();
    const minRatings = options.minRatings ?? 1000;
    if (rows.length < minRatings) {
      log.info({ ratings: rows.length, minRatings }, 'retrain skipped: too few ratings');
      return { status: 'skipped', reason: `only ${rows.length} ratings` };
    }
    const split = recentHoldout(rows, options.holdoutFraction ?? 0.1);
    if (split.test.length === 0) return { status: 'skipped', reason: 'empty hold-out' };
    const spec = options.spec ?? { name: 'cf' };
    log.info({ ratings: split.train.length, holdout: split.test.length, spec: spec.name }, 'retrain started');
    const train = options.train ?? trainInWorker;
    const trained = await train(spec, split.train, {
      seed: options.seed ?? 42,
      timeoutMs: options.timeoutMs,
      extraItems: options.extraItems ?? [],
      ...(options.hybrid ? { hybrid: options.hybrid } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const users = new Set(split.train.map((r) => r.user)).size;
    const items = new Set(split.train.map((r) => r.item)).size;
    const manifest = await options.registry.save(trained.params, {
      trainedOn: { ratings: split.train.length, users, items },
      metrics: { trainSeconds: trained.seconds },
      notes: { spec, report: trained.report, holdoutFrom: split.test[0]?.timestamp ?? null },
    });
    const scorer = await options.registry.load(manifest.version);
    const decision = await options.registry.evaluateAndMaybePromote(
      { version: manifest.version, scorer },
      { history: split.train, test: split.test },
    );
    await options.registry.prune();
    const seconds = (performance.now() - started) / 1000;
    log.info({ ...decision, seconds }, decision.promoted ? 'retrain promoted a new model' : 'retrain kept the serving model');
    if (decision.promoted) await options.onPromoted?.(scorer, manifest.version);
    return { status: decision.promoted ? 'promoted' : 'rejected', decision, trainSeconds: trained.seconds };
  } catch (error) {
    if (error instanceof TrainingStoppedError) {
      log.info({}, 'retrain stopped by shutdown; the serving model is unchanged');
      return { status: 'skipped', reason: 'stopped by shutdown' };
    }
    const serving = await options.registry.currentVersion().catch(() => null);
    if (error instanceof TrainingTimeoutError) {
      log.error({ timeoutMs: error.timeoutMs, serving }, 'retrain timed out; the serving model is unchanged');
      return { status: 'timeout', error: error.message };
    }
    log.error({ err: error, serving }, 'retrain failed; the serving model is unchanged');
    return { status: 'failed', error: error instanceof Error ? error.message : String(error) };
  }
}
