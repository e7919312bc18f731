/**
 * Fault (d): a retraining run that throws, runs out of time, or cannot read
 * its ratings. The retraining job (src/infra/recommender/retrain.job.ts) runs
 * on the app's own ratings with a model registry in a scratch folder, while
 * the app keeps answering. Holds when each bad run reports itself, the
 * registry still points at the version that served before, and the app
 * answers with picks throughout. Then the app's own hook
 * (app.recommendation.retrain) is called twice at once with a 0.6 s limit: one
 * run, timed out, the serving model unchanged.
 */
import path from 'node:path';
import { ModelRegistry } from '../../../src/infra/recommender/model-registry.js';
import { retrain, type RetrainResult } from '../../../src/infra/recommender/retrain.job.js';
import { loadInteractions } from '../../../src/infra/recommendation/recommendation.runtime.js';
import type { Logger } from '../../../src/core/ports.js';
import { scratchDir, type Context } from '../context.js';
import { checkReplies } from '../lib/reply-check.js';
import { turnOf } from './fuzz-core.js';

const SECTION = 'fault: retraining';
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

export async function retrainFaults(ctx: Context): Promise<void> {
  const { app } = ctx.sqlite;
  const dir = scratchDir(ctx, 'retrain');
  const registry = new ModelRegistry(path.join(dir, 'models'), { logger: quiet });
  const loadRatings = () => loadInteractions(app.stores);
  const person = { platform: 'telegram' as const, externalId: `hz-retrain-${ctx.markers.nonce}`, internalId: 0 };
  const chat = { id: `dm-${person.externalId}`, kind: 'private' as const };
  let answered = 0;
  let badAnswers = 0;
  const serve = async (rounds: number) => {
    for (let k = 0; k < rounds; k++) {
      const replies = await app.handler.handle(turnOf(person, chat, { text: k % 2 ? 'I feel calm' : 'so tired today' }));
      const verdict = checkReplies(replies, false);
      if (replies.some((r) => r.kind === 'picks') && verdict.problems.length === 0 && !verdict.internal) answered++;
      else badAnswers++;
    }
  };

  const first = await retrain({ loadRatings, registry, logger: quiet, timeoutMs: 120_000, minRatings: 100, spec: { name: 'bias' } });
  const serving = await registry.currentVersion();
  if (first.status !== 'promoted' || !serving) {
    ctx.report.check(SECTION, 'setup: a serving version', 'bias model trained and promoted', false, JSON.stringify(first).slice(0, 200));
    return;
  }
  const runs: { name: string; run: () => Promise<RetrainResult>; expect: RetrainResult['status'] }[] = [
    { name: 'a training run that throws', expect: 'failed', run: () => retrain({ loadRatings, registry, logger: quiet, timeoutMs: 60_000, minRatings: 100, train: async () => { throw new Error('injected: worker ran out of memory'); } }) },
    { name: 'a training run past its time limit', expect: 'timeout', run: () => retrain({ loadRatings, registry, logger: quiet, timeoutMs: 300, minRatings: 100, spec: { name: 'cf' } }) },
    { name: 'ratings cannot be read', expect: 'failed', run: () => retrain({ loadRatings: async () => { throw new Error('injected: database down'); }, registry, logger: quiet, timeoutMs: 60_000 }) },
  ];
  for (const r of runs) {
    const versionsBefore = await registry.versions();
    const [result] = await Promise.all([r.run(), serve(3)]);
    const current = await registry.currentVersion();
    const versionsAfter = await registry.versions();
    const held = result.status === r.expect && current === serving && versionsAfter.length === versionsBefore.length;
    ctx.report.fault(held);
    ctx.report.check(SECTION, r.name, `retrain job, ${r.expect} expected`, held,
      `status ${result.status}${'error' in result ? ` (${result.error.slice(0, 80)})` : ''}; serving ${current === serving ? 'unchanged' : `CHANGED to ${current}`}; versions ${versionsBefore.length} -> ${versionsAfter.length}`);
  }
  ctx.report.check(SECTION, 'the app answers throughout', `${answered + badAnswers} mood turns during the runs`, badAnswers === 0, `${answered} answered with picks, ${badAnswers} not`);

  // The app's own hook: MoodReel's retrain() with the run's MOODREEL_RETRAIN_TIMEOUT_MIN (0.01 = 600 ms), twice at once.
  const appRegistry = new ModelRegistry(path.join(ctx.sqlite.dir, 'models'), { logger: quiet });
  const versionsBefore = await appRegistry.versions();
  const servingBefore = app.recommendation.service.modelVersion;
  const first1 = app.recommendation.retrain();
  const first2 = app.recommendation.retrain();
  const answeredBefore = answered;
  const [r1, r2] = await Promise.all([first1, first2, serve(3)]);
  const servingAfter = app.recommendation.service.modelVersion;
  const versionsAfter = await appRegistry.versions();
  const appHeld = r1.status === 'timeout' && r1 === r2 && servingAfter === servingBefore && versionsAfter.length === versionsBefore.length && answered - answeredBefore === 3;
  ctx.report.fault(appHeld);
  ctx.report.check(SECTION, 'app.recommendation.retrain() past its time limit', 'two calls at once, 0.01 min limit', appHeld,
    `status ${r1.status}${'error' in r1 ? ` (${r1.error.slice(0, 60)})` : ''}; one run for both calls: ${r1 === r2}; serving ${servingAfter === servingBefore ? `unchanged (${servingAfter})` : `CHANGED ${servingBefore} -> ${servingAfter}`}; versions ${versionsBefore.length} -> ${versionsAfter.length}; ${answered - answeredBefore}/3 answered meanwhile`);
}
