/**
 * Runs the text model's retraining from donated sentences once (what the nightly
 * schedule runs; docs/text-retraining.md), or rolls back, or shows the state.
 *
 *   npm run retrain:text                       donated sentences from DATABASE_URL
 *   npm run retrain:text -- --donated file.txt  `text;label` lines instead (trials; the file is not copied)
 *   npm run retrain:text -- --status            serving version and the latest run
 *   npm run retrain:text -- --rollback          back one version (or to the shipped model)
 *
 * Options: --data <text-emotion folder> (default MOODREEL_DATA_DIR/text-emotion, else
 * ../shared/data/text-emotion), --models <dir> (MOODREEL_MODELS_DIR), --model <shipped folder>
 * (MOODREEL_TEXT_MODEL), --shipped-sample N, --donated-weight W, --distill D (0..1), --l2 L, --steps S, --lr R.
 * Prints a table and ends with one JSON line. Exit code 0 unless the run failed or timed out.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { normaliseForMood } from '../src/core/agents/mood/text-normalise.js';
import { MOOD_NAMES, readSemicolonFile, TEXT_LABELS } from './lib/text-sources.js';
import { defaultTextDataDir } from './lib/text-paths.js';
import { TextModelRegistry } from '../src/infra/mood/text-model.registry.js';
import { retrainText } from '../src/infra/mood/text-retrain.job.js';
import type { DonatedRow, RetrainSettings } from '../src/infra/mood/text-retrain.settings.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    models: { type: 'string' },
    model: { type: 'string' },
    donated: { type: 'string' },
    status: { type: 'boolean', default: false },
    rollback: { type: 'boolean', default: false },
    'shipped-sample': { type: 'string' },
    'donated-weight': { type: 'string' },
    l2: { type: 'string' },
    steps: { type: 'string' },
    lr: { type: 'string' },
    distill: { type: 'string' },
  },
});

const config = loadConfig();
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
const registry = new TextModelRegistry(values.models ?? config.MOODREEL_MODELS_DIR, { logger });
const shipped = path.resolve(values.model ?? config.MOODREEL_TEXT_MODEL);

if (values.status || values.rollback) {
  if (values.rollback) {
    const now = await registry.rollback();
    console.log(`rolled back; serving ${now ?? 'the shipped model'}`);
  }
  const serving = await registry.servingFolder(shipped);
  const last = await import('node:fs/promises').then((fs) => fs.readFile(registry.lastRunPath, 'utf8')).then((t) => JSON.parse(t) as unknown, () => null);
  console.log(`serving: ${serving.version ?? 'shipped'} (${serving.folder})`);
  console.log(JSON.stringify({ serving: serving.version ?? 'shipped', folder: serving.folder, lastRun: last }));
  process.exit(0);
}

const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
const settings: Partial<RetrainSettings> = Object.fromEntries(
  Object.entries({ shippedSample: num(values['shipped-sample']), donatedWeight: num(values['donated-weight']), l2: num(values.l2), steps: num(values.steps), learningRate: num(values.lr), distill: num(values.distill) }).filter(([, v]) => v !== undefined),
);

async function loadDonated(): Promise<DonatedRow[]> {
  // A file holds raw sentences: normalise them as the bots do before storing a donation.
  if (values.donated) return readSemicolonFile(values.donated, MOOD_NAMES).flatMap((r) => (r.label === undefined ? [] : [{ text: normaliseForMood(r.text), label: TEXT_LABELS[r.label]! }]));
  const { openDatabase } = await import('../src/infra/db/database.js');
  const { createPrismaStores } = await import('../src/infra/db/prisma-stores.js');
  const database = await openDatabase(config.DATABASE_URL);
  try {
    return (await createPrismaStores(database).corrections.donatedSentences()).map((d) => ({ text: d.text, label: d.label }));
  } finally {
    await database.close();
  }
}

const result = await retrainText({
  shippedModel: shipped,
  registry,
  dataDir: values.data ?? (process.env.MOODREEL_DATA_DIR ? path.join(config.MOODREEL_DATA_DIR, 'text-emotion') : defaultTextDataDir()),
  loadDonated,
  logger,
  timeoutMs: config.MOODREEL_RETRAIN_TIMEOUT_MIN * 60_000,
  seed: config.MOODREEL_SEED,
  settings,
});

if (result.status === 'promoted' || result.status === 'rejected') {
  const r = result.record;
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`.padStart(7);
  console.log(`\nversion ${r.version} (serving before: ${r.servingBefore}); ${r.train.shippedRows} shipped rows + ${r.train.donatedRows} donated x${r.train.donatedWeight}; ${r.seconds} s`);
  console.log('set                    n   before    after   lost  won  margin  pass');
  for (const [name, key] of [['held-out donated', 'heldOut'], ['chat-dev', 'chatDev'], ['dair-ai val', 'dairAiVal']] as const) {
    const m = r.margins[key];
    console.log(`${name.padEnd(18)} ${String(m.n).padStart(5)} ${pct(r.before[key])}  ${pct(r.after[key])}  ${String(m.lost).padStart(5)} ${String(m.won).padStart(4)}  ${String(m.margin).padStart(6)}  ${m.pass ? 'yes' : 'no'}`);
  }
  console.log(`${r.promoted ? 'PROMOTED' : 'not promoted'} (${r.reason}); record: ${path.join(registry.versionDir(r.version), 'retrain.json')}`);
} else if ('error' in result) {
  console.log(`${result.status}: ${result.error}; the serving model is unchanged`);
} else if ('reason' in result) {
  console.log(`skipped: ${result.reason}`);
}
console.log(JSON.stringify(result.status === 'promoted' || result.status === 'rejected' ? { status: result.status, ...result.record } : result));
process.exit(result.status === 'failed' || result.status === 'timeout' ? 1 : 0);
