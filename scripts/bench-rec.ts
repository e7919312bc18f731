/**
 * Speed and memory of the CF model MoodReel serves.
 *
 *   npm run bench:rec -- [--data <MovieLens dir>] [--users 300] [--seed 42]
 *
 * - trainSeconds: full training of the CF blend on every rating in the folder
 *   (what the retrain job's worker does), in this thread.
 * - recommendP95Ms: one top-10 request = rank every catalogue item for a user
 *   (history folded in) and take the best 10 not yet rated; p95 over users.
 * - foldInP95Ms: a user's MF state re-solved from a 1-200 rating history
 *   (what happens when someone rates a film); p95 over random new users.
 * - peakRssMB: the process's peak resident set size (getrusage maxRSS).
 *
 * Wall-clock figures suffer when other processes share the CPU, so the table
 * also gives CPU time (this process) and the load average at the start.
 *
 * Prints a table, then one JSON line: {"trainSeconds","recommendP95Ms","foldInP95Ms","peakRssMB"}.
 */
import os from 'node:os';
import { Dataset } from '../src/core/recommender/dataset.js';
import { groupByUser } from '../src/core/recommender/evaluation/evaluate.js';
import { mulberry32 } from '../src/core/recommender/scorers/random.js';
import { topN } from '../src/core/recommender/scorers/select.js';
import { CfScorer } from '../src/infra/recommender/cf.scorer.js';
import { loadMovieLensRatings } from '../src/infra/recommender/movielens-ratings.loader.js';
import { DEFAULT_DATA_DIR, log, parseArgs, printTable, round4 } from './lib/rec-eval.js';

const args = parseArgs(process.argv.slice(2), { data: 'string', users: 'number', seed: 'number' });
const dataDir = (args['data'] as string | undefined) ?? DEFAULT_DATA_DIR;
const nUsers = (args['users'] as number | undefined) ?? 300;
const seed = (args['seed'] as number | undefined) ?? 42;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const stats = (values: number[]) => ({ p50: percentile(values, 50), p95: percentile(values, 95), max: Math.max(...values) });

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const loadAverage = os.loadavg()[0]!;

const rows = await loadMovieLensRatings(dataDir);
const data = Dataset.from(rows);
log(`${rows.length} ratings, ${data.userIds.length} users, ${data.itemIds.length} items from ${dataDir}`);

const model = new CfScorer();
let lastPct = -1;
const cpuStarted = cpuMs();
const started = performance.now();
await model.train(data, {
  seed,
  onProgress: (f) => {
    const pct = Math.floor(f * 10);
    if (pct !== lastPct) log(`  training ${pct * 10}% (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    lastPct = pct;
  },
});
const trainSeconds = (performance.now() - started) / 1000;
const trainCpuSeconds = (cpuMs() - cpuStarted) / 1000;
log(`trained in ${trainSeconds.toFixed(1)} s: ${JSON.stringify(model.report)}`);

const catalogue = [...data.itemIds];
const position = new Map(catalogue.map((id, k) => [id, k]));
const byUser = groupByUser(rows);
const rand = mulberry32(seed);
const users = [...byUser.keys()];
const sample = Array.from({ length: Math.min(nUsers, users.length) }, () => users[Math.floor(rand() * users.length)]!);

/** Wall and CPU milliseconds of one call. */
function timed(fn: () => void): { wall: number; cpu: number } {
  const c0 = cpuMs();
  const t0 = performance.now();
  fn();
  return { wall: performance.now() - t0, cpu: cpuMs() - c0 };
}

function recommend(user: number, useRank: boolean): { wall: number; cpu: number } {
  const history = byUser.get(user)!.map((r) => ({ item: r.item, rating: r.rating }));
  const rated = new Uint8Array(catalogue.length);
  for (const h of history) rated[position.get(h.item)!] = 1;
  const query = { userId: user, history };
  return timed(() => {
    const scores = useRank ? model.rank(query, catalogue) : model.score(query, catalogue);
    topN(scores, 10, (k) => rated[k] === 1);
  });
}
for (const u of sample.slice(0, 20)) recommend(u, true); // warm-up (JIT)
const rankTimes = sample.map((u) => recommend(u, true));
for (const u of sample.slice(0, 20)) recommend(u, false);
const scoreTimes = sample.map((u) => recommend(u, false));

const mf = model.mf.params;
const foldInTimes: { wall: number; cpu: number }[] = [];
for (let k = 0; k < Math.max(300, nUsers); k++) {
  const size = 1 + Math.floor(rand() * 200);
  const history = Array.from({ length: size }, () => ({ item: catalogue[Math.floor(rand() * catalogue.length)]!, rating: 0.5 + Math.floor(rand() * 10) / 2 }));
  const t = timed(() => mf.userState({ userId: -1 - k, history }));
  if (k >= 20) foldInTimes.push(t);
}

const peakRssMB = process.resourceUsage().maxRSS / 1024;
const rec = stats(rankTimes.map((t) => t.wall));
const fold = stats(foldInTimes.map((t) => t.wall));
const row = (measure: string, times: { wall: number; cpu: number }[]) => {
  const wall = stats(times.map((t) => t.wall));
  return { measure, p50: wall.p50, p95: wall.p95, max: wall.max, cpuP95: percentile(times.map((t) => t.cpu), 95), n: times.length };
};
log(`load average at start: ${loadAverage.toFixed(2)} on ${os.cpus().length} cores`);
printTable([
  { measure: 'train (s)', p50: trainSeconds, p95: trainSeconds, max: trainSeconds, cpuP95: trainCpuSeconds, n: 1 },
  row('top-10 by rank() (ms)', rankTimes),
  row('score() all items + top-10 (ms)', scoreTimes),
  row('MF fold-in 1-200 ratings (ms)', foldInTimes),
  { measure: 'peak RSS (MB)', p50: peakRssMB, p95: peakRssMB, max: peakRssMB, cpuP95: NaN, n: 1 },
]);
console.log(JSON.stringify({ trainSeconds: round4(trainSeconds), recommendP95Ms: round4(rec.p95), foldInP95Ms: round4(fold.p95), peakRssMB: round4(peakRssMB) }));
