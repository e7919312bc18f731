/**
 * Worker-thread entry: trains one scorer off the main event loop, so the bots
 * keep answering while a model retrains. Started by trainInWorker(); receives
 * the ratings as transferred typed-array columns and posts back the params.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Dataset, type Interaction } from '../../core/recommender/dataset.js';
import { createScorer } from './scorer-factory.js';
import { HybridScorer } from '../../core/recommender/hybrid/hybrid.scorer.js';
import { UNFITTED_BLEND } from '../../core/recommender/hybrid/blend-fit.js';
import { BiasScorer } from '../../core/recommender/scorers/bias.scorer.js';
import { PopularityScorer } from '../../core/recommender/scorers/popularity.scorer.js';
import { ContentScorer } from '../../core/recommender/content/content.scorer.js';
import { MoodScorer } from '../../core/recommender/mood/mood.scorer.js';
import type { WorkerInput, WorkerMessage } from './train-in-worker.js';
import { lowerThreadPriority } from '../workers/thread-priority.js';

const port = parentPort;
if (port === null) throw new Error('training.worker.ts must run in a worker thread');
// Retraining is background work: the event loop answering chats keeps the cores first.
lowerThreadPriority();
const post = (message: WorkerMessage) => port.postMessage(message);

async function main(input: WorkerInput): Promise<void> {
  const { user, item, rating, timestamp } = input.columns;
  const rows: Interaction[] = new Array(user.length);
  for (let k = 0; k < user.length; k++) rows[k] = { user: user[k]!, item: item[k]!, rating: rating[k]!, timestamp: timestamp[k]! };
  const scorer = createScorer(input.spec);
  const started = performance.now();
  const data = Dataset.from(rows, input.extraItems);
  const trainOptions = { seed: input.seed, onProgress: (fraction: number, info: Record<string, number>) => post({ type: 'progress', fraction, info }) };
  let blend: unknown = null;
  if (input.hybrid) {
    const { movies, profiles } = input.hybrid;
    const hybrid = new HybridScorer(
      { cf: scorer, baseline: new BiasScorer(), content: new ContentScorer(movies), mood: new MoodScorer(movies, new Map(profiles)), popularity: new PopularityScorer() },
      UNFITTED_BLEND,
    );
    await hybrid.train(data, trainOptions);
    blend = hybrid.blend;
  } else {
    await scorer.train(data, trainOptions);
  }
  const own = (scorer as { report?: unknown }).report ?? null;
  const report = input.hybrid ? { cf: own, blend } : own;
  post({ type: 'done', params: scorer.save(), seconds: (performance.now() - started) / 1000, report });
}

main(workerData as WorkerInput).catch((error: unknown) => {
  const e = error instanceof Error ? error : new Error(String(error));
  post({ type: 'error', message: e.message, stack: e.stack ?? '' });
});
