/**
 * npm run eval:corrections [-- --database <url>]
 *
 * What users' "Not quite? I feel…" presses say about the mood detectors, read
 * from a MoodReel database (DATABASE_URL by default): the corrections as a
 * confusion matrix (model label -> chosen label), the correction rate per input
 * kind (text, photo), and how many donated sentences there are; and, from the
 * models folder (MOODREEL_MODELS_DIR, or --models), the detector's accuracy on
 * the held-out donated sentences before and after the latest text retrain
 * (last-run.json, written by the retrain job; "n/a" before the first run).
 * Prints a table, then one JSON line.
 *
 *   npm run eval:corrections [-- --database <url>] [--models <dir>]
 */
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../src/config.js';
import { MOODS, isMoodLabel, type MoodLabel } from '../src/core/mood/mood-space.js';
import { openDatabase, type Database } from '../src/infra/db/database.js';
import { latestTextRetrain } from '../src/infra/mood/text-model.registry.js';

export type InputKind = 'text' | 'photo';

export interface CorrectionsReport {
  readonly corrections: number;
  /** confusion[model][chosen] = count */
  readonly confusion: Record<MoodLabel, Record<MoodLabel, number>>;
  readonly byInput: Record<InputKind, { readonly readings: number; readonly corrections: number; readonly rate: number | null }>;
  readonly donatedSentences: number;
  /** The latest text retrain (docs/text-retraining.md): held-out donated sentences, before and after; nulls before the first run. */
  readonly retrain: {
    readonly available: boolean;
    readonly before: number | null;
    readonly after: number | null;
    readonly heldOut: number | null;
    readonly promoted: boolean | null;
    readonly version: string | null;
    readonly note: string;
  };
}

const NO_RETRAIN_NOTE = 'not available: no text retrain has run yet (npm run retrain:text)';

/** Same rule as the mood store: rows older than corrections have no input column. */
const inputOf = (input: string | null, source: string): InputKind =>
  input === 'text' || input === 'photo' ? input : source === 'text' ? 'text' : 'photo';

export async function evaluateCorrections(database: Database, modelsDir?: string): Promise<CorrectionsReport> {
  const { db } = database;
  const confusion = Object.fromEntries(MOODS.map((m) => [m, Object.fromEntries(MOODS.map((c) => [c, 0]))])) as Record<MoodLabel, Record<MoodLabel, number>>;
  const corrections = await db.moodCorrection.findMany({ select: { modelLabel: true, chosenLabel: true, inputKind: true } });
  const corrected: Record<InputKind, number> = { text: 0, photo: 0 };
  for (const c of corrections) {
    if (isMoodLabel(c.modelLabel) && isMoodLabel(c.chosenLabel)) confusion[c.modelLabel][c.chosenLabel] += 1;
    corrected[c.inputKind === 'photo' ? 'photo' : 'text'] += 1;
  }
  const groups = await db.moodObservation.groupBy({ by: ['input', 'source'], _count: { _all: true } });
  const readings: Record<InputKind, number> = { text: 0, photo: 0 };
  for (const g of groups) readings[inputOf(g.input, g.source)] += g._count._all;
  const byInput = Object.fromEntries(
    (['text', 'photo'] as const).map((k) => [k, { readings: readings[k], corrections: corrected[k], rate: readings[k] ? corrected[k] / readings[k] : null }]),
  ) as CorrectionsReport['byInput'];
  return {
    corrections: corrections.length,
    confusion,
    byInput,
    donatedSentences: await db.donatedSentence.count(),
    retrain: await retrainFigures(modelsDir),
  };
}

async function retrainFigures(modelsDir: string | undefined): Promise<CorrectionsReport['retrain']> {
  const run = modelsDir ? await latestTextRetrain(modelsDir) : null;
  if (!run) return { available: false, before: null, after: null, heldOut: null, promoted: null, version: null, note: NO_RETRAIN_NOTE };
  return {
    available: true,
    before: run.before.heldOut,
    after: run.after.heldOut,
    heldOut: run.heldOut.n,
    promoted: run.promoted,
    version: run.version,
    note: `${run.version} on ${run.createdAt.slice(0, 10)}, ${run.promoted ? 'promoted' : `not promoted (${run.reason})`}`,
  };
}

/** The human-readable part: matrix, rates, retrain column. */
export function formatReport(r: CorrectionsReport): string {
  const short: Record<MoodLabel, string> = { joy: 'joy', love: 'love', sadness: 'sad', anger: 'anger', fear: 'fear', surprise: 'surpr', neutral: 'neutr' };
  const cell = (s: string | number, w = 7) => String(s).padStart(w);
  const lines = [`Mood corrections: ${r.corrections} (rows: model label, columns: label the user chose)`, ''];
  lines.push(`${'model \\ chosen'.padEnd(14)}${MOODS.map((m) => cell(short[m])).join('')}${cell('total')}`);
  for (const m of MOODS) {
    const row = MOODS.map((c) => r.confusion[m][c]);
    lines.push(`${m.padEnd(14)}${row.map((n) => cell(n || '.')).join('')}${cell(row.reduce((a, b) => a + b, 0))}`);
  }
  lines.push('', `${'input'.padEnd(8)}${cell('readings', 10)}${cell('corrected', 11)}${cell('rate', 9)}`);
  for (const k of ['text', 'photo'] as const) {
    const x = r.byInput[k];
    lines.push(`${k.padEnd(8)}${cell(x.readings, 10)}${cell(x.corrections, 11)}${cell(x.rate === null ? 'n/a' : `${(100 * x.rate).toFixed(1)}%`, 9)}`);
  }
  lines.push('', `Donated sentences: ${r.donatedSentences}`);
  const pct = (v: number | null): string => (v === null ? 'n/a' : `${(100 * v).toFixed(1)}%`);
  const n = r.retrain.heldOut === null ? '' : `, ${r.retrain.heldOut} held-out sentences`;
  lines.push(`Detector accuracy on donated sentences, before / after the latest retrain: ${pct(r.retrain.before)} / ${pct(r.retrain.after)} (${r.retrain.note}${n})`);
  return lines.join('\n');
}

const USAGE = 'usage: npm run eval:corrections [-- --database <file:path | postgresql://...>] [--models <dir>]';

function option(argv: readonly string[], name: string): string | undefined {
  const k = argv.indexOf(name);
  if (k < 0) return undefined;
  const value = argv[k + 1];
  if (!value || value.startsWith('--')) throw new Error(USAGE);
  return value;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const config = loadConfig(process.env);
  const database = await openDatabase(option(argv, '--database') ?? config.DATABASE_URL);
  try {
    const report = await evaluateCorrections(database, option(argv, '--models') ?? config.MOODREEL_MODELS_DIR);
    process.stdout.write(`${formatReport(report)}\n${JSON.stringify(report)}\n`);
  } finally {
    await database.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`eval:corrections failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
