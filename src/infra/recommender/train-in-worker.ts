/**
 * Trains a scorer in a node:worker_threads worker with a time limit. The main
 * thread keeps serving; on timeout the worker is terminated and the promise
 * rejects with TrainingTimeoutError, so the caller keeps the old model.
 * The worker starts through workers/worker-entry.ts (tsx or compiled).
 */
import { Worker } from 'node:worker_threads';
import type { Interaction } from '../../core/recommender/dataset.js';
import type { ScorerParams } from '../../core/recommender/scorer.js';
import type { Movie } from '../../core/ports.js';
import type { MoodDistribution } from '../../core/mood/mood-space.js';
import { workerEntry } from '../workers/worker-entry.js';
import type { ScorerSpec } from './scorer-factory.js';

/**
 * Trains the CF scorer inside the app's hybrid (bias, content, mood, popularity)
 * so the blend weights are fitted with this CF model, off the event loop too.
 */
export interface HybridTraining {
  readonly movies: readonly Movie[];
  readonly profiles: readonly (readonly [number, MoodDistribution])[];
}

export interface WorkerInput {
  readonly hybrid?: HybridTraining;
  readonly spec: ScorerSpec;
  readonly seed: number;
  readonly columns: { user: Float64Array; item: Float64Array; rating: Float32Array; timestamp: Float64Array };
  readonly extraItems: number[];
}

export type WorkerMessage =
  | { type: 'progress'; fraction: number; info: Record<string, number> }
  | { type: 'done'; params: ScorerParams; seconds: number; report: unknown }
  | { type: 'error'; message: string; stack: string };

export interface TrainInWorkerOptions {
  readonly seed: number;
  /** Wall-clock limit; the worker is terminated when it passes. */
  readonly timeoutMs: number;
  /** Catalogue items with no rating yet. */
  readonly extraItems?: readonly number[];
  /** Train within the hybrid and report its fitted blend (`report.blend`). */
  readonly hybrid?: HybridTraining;
  readonly onProgress?: (fraction: number, info: Record<string, number>) => void;
  /** Aborting stops the worker at once (shutdown); the promise rejects with TrainingStoppedError. */
  readonly signal?: AbortSignal;
}

export interface TrainedParams {
  readonly params: ScorerParams;
  readonly seconds: number;
  /** The scorer's own training report (epochs, validation RMSE...), if it has one. */
  readonly report: unknown;
}

/** The training run took longer than its time limit; the worker has been stopped. */
export class TrainingTimeoutError extends Error {
  override readonly name = 'TrainingTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`training did not finish within ${timeoutMs} ms`);
  }
}

/** The run was stopped from outside (the process is shutting down); the worker has been stopped. */
export class TrainingStoppedError extends Error {
  override readonly name = 'TrainingStoppedError';
  constructor() {
    super('training stopped: shutting down');
  }
}

/** Signature shared by trainInWorker and test doubles of it. */
export type TrainFn = (spec: ScorerSpec, rows: readonly Interaction[], options: TrainInWorkerOptions) => Promise<TrainedParams>;

export const trainInWorker: TrainFn = (spec, rows, options) => {
  const n = rows.length;
  const columns = {
    user: new Float64Array(n),
    item: new Float64Array(n),
    rating: new Float32Array(n),
    timestamp: new Float64Array(n),
  };
  rows.forEach((r, k) => {
    columns.user[k] = r.user;
    columns.item[k] = r.item;
    columns.rating[k] = r.rating;
    columns.timestamp[k] = r.timestamp;
  });
  const input: WorkerInput = { spec, seed: options.seed, columns, extraItems: [...(options.extraItems ?? [])], ...(options.hybrid ? { hybrid: options.hybrid } : {}) };
  const entry = workerEntry(import.meta.url, 'training.worker');
  return new Promise<TrainedParams>((resolve, reject) => {
    const worker = new Worker(entry.target, {
      eval: entry.eval,
      workerData: input,
      transferList: [columns.user.buffer, columns.item.buffer, columns.rating.buffer, columns.timestamp.buffer],
    });
    let settled = false;
    const onAbort = () => finish(() => reject(new TrainingStoppedError()));
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const timer = setTimeout(() => finish(() => reject(new TrainingTimeoutError(options.timeoutMs))), options.timeoutMs);
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') options.onProgress?.(message.fraction, message.info);
      else if (message.type === 'done') finish(() => resolve({ params: message.params, seconds: message.seconds, report: message.report }));
      else finish(() => reject(Object.assign(new Error(`training failed in worker: ${message.message}`), { workerStack: message.stack })));
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => finish(() => reject(new Error(`training worker exited early with code ${code}`))));
  });
};
