/**
 * The emotion-text corpora the text model learns from, each read in its published
 * format and mapped onto MoodReel's seven moods. Every row becomes a soft target
 * (a distribution over the moods), so a GoEmotions comment labelled both joy and
 * love teaches half of each instead of being dropped or forced into one.
 *
 * Label mappings (why, in docs/text-model.md):
 * - dair-ai: as is (its six labels are six of ours).
 * - GoEmotions: Google's own Ekman grouping (ekman_mapping.json), except that love
 *   and caring go to love (MoodReel has love as a mood; the Ekman grouping folds it
 *   into joy) and disgust goes to anger (MoodReel has no disgust). 27 = neutral.
 * - MELD, ISEAR, DailyDialog: disgust -> anger; DailyDialog "no emotion" -> neutral.
 *   ISEAR shame and guilt match none of the moods and are left out.
 * - CrowdFlower: worry -> fear, happiness/fun/enthusiasm/relief -> joy, hate -> anger;
 *   "empty" and "boredom" are left out (their tweets carry no consistent mood).
 *
 * Splits: a source's own dev split where it publishes one (dair-ai val, GoEmotions
 * dev, MELD dev); otherwise a seeded 10% (ISEAR, CrowdFlower) or 20% of dialogues
 * (DailyDialog, which has only its validation split here). The held-back test splits
 * are never read.
 *
 * A seventh source, "requests", is generated (scripts/lib/text-requests.ts): chat-bot
 * requests with no mood, alone or attached to an emotional dair-ai training sentence.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { MOODS, type MoodLabel } from '../../src/core/mood/mood-space.js';
import { requestRows } from './text-requests.js';

/** The model's classes, in logit order (config.json id2label). */
export const TEXT_LABELS = MOODS;
export const CLASSES = TEXT_LABELS.length;

export const SOURCE_NAMES = ['dair-ai', 'goemotions', 'meld', 'crowdflower', 'isear', 'dailydialog', 'requests'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export interface SourceRow {
  readonly text: string;
  /** Distribution over TEXT_LABELS (sums to 1). */
  readonly target: readonly number[];
  /** Present when the row has one label: its index in TEXT_LABELS. */
  readonly label?: number;
}

export interface SourceSplits {
  readonly name: SourceName;
  readonly train: readonly SourceRow[];
  readonly dev: readonly SourceRow[];
  /** Rows read but left out by the mapping (shame, guilt, empty, ...), for the docs. */
  readonly dropped: number;
}

const labelId = (label: MoodLabel): number => TEXT_LABELS.indexOf(label);

/** One row from the moods of its labels (repeats allowed); undefined when none maps. */
function row(text: string, moods: readonly (MoodLabel | undefined)[]): SourceRow | undefined {
  const kept = moods.filter((m): m is MoodLabel => m !== undefined);
  const clean = text.trim();
  if (!kept.length || !clean) return undefined;
  const target = new Array<number>(CLASSES).fill(0);
  for (const m of kept) target[labelId(m)]! += 1 / kept.length;
  const distinct = new Set(kept);
  return distinct.size === 1 ? { text: clean, target, label: labelId(kept[0]!) } : { text: clean, target };
}

function need(file: string, what: string): string {
  if (!existsSync(file)) {
    throw new Error(`${what} not found: ${file}. Get it from its official source (see ../shared/data/README.md) and point --data at the folder that holds text-emotion/.`);
  }
  return file;
}

const readText = (file: string): string => (file.endsWith('.gz') ? gunzipSync(readFileSync(file)).toString('utf8') : readFileSync(file, 'utf8'));

/** Deterministic split by a key's FNV-1a hash and a seed: the same row lands on the same side every run. */
export function inDev(key: string, share: number, seed: number): boolean {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 0x100000000 < share;
}

function splitByKey(rows: readonly { key: string; row: SourceRow }[], share: number, seed: number): { train: SourceRow[]; dev: SourceRow[] } {
  const train: SourceRow[] = [];
  const dev: SourceRow[] = [];
  for (const r of rows) (inDev(r.key, share, seed) ? dev : train).push(r.row);
  return { train, dev };
}

// ---- dair-ai -------------------------------------------------------------------------

const DAIR: Readonly<Record<string, MoodLabel>> = { sadness: 'sadness', joy: 'joy', love: 'love', anger: 'anger', fear: 'fear', surprise: 'surprise' };

/** A `text;label` file (dair-ai, chat-dev). `labels` maps the file's label names; others fail with the line number. */
export function readSemicolonFile(file: string, labels: Readonly<Record<string, MoodLabel>>): SourceRow[] {
  const out: SourceRow[] = [];
  readText(need(file, 'text;label file'))
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (!line.trim()) return;
      const cut = line.lastIndexOf(';');
      const label = cut >= 0 ? labels[line.slice(cut + 1).trim()] : undefined;
      const r = label ? row(line.slice(0, cut), [label]) : undefined;
      if (!r) throw new Error(`${file}:${i + 1}: expected "text;label" with a label in ${Object.keys(labels).join(', ')}`);
      out.push(r);
    });
  return out;
}

function dairAi(dir: string): SourceSplits {
  return {
    name: 'dair-ai',
    train: readSemicolonFile(path.join(dir, 'dair-ai', 'train.txt'), DAIR),
    dev: readSemicolonFile(path.join(dir, 'dair-ai', 'val.txt'), DAIR),
    dropped: 0,
  };
}

// ---- GoEmotions ----------------------------------------------------------------------

/** GoEmotions label -> mood: the Ekman grouping with love/caring as love and disgust as anger. */
export const GOEMOTIONS_MAP: Readonly<Record<string, MoodLabel>> = {
  admiration: 'joy', amusement: 'joy', approval: 'joy', desire: 'joy', excitement: 'joy', gratitude: 'joy',
  joy: 'joy', optimism: 'joy', pride: 'joy', relief: 'joy',
  love: 'love', caring: 'love',
  sadness: 'sadness', disappointment: 'sadness', embarrassment: 'sadness', grief: 'sadness', remorse: 'sadness',
  anger: 'anger', annoyance: 'anger', disapproval: 'anger', disgust: 'anger',
  fear: 'fear', nervousness: 'fear',
  surprise: 'surprise', realization: 'surprise', confusion: 'surprise', curiosity: 'surprise',
  neutral: 'neutral',
};

/** Reads a GoEmotions tsv (text, comma-separated label ids, id; no header, no CSV quoting). */
export function readGoEmotions(file: string, emotions: readonly string[]): SourceRow[] {
  const out: SourceRow[] = [];
  readText(need(file, 'GoEmotions file'))
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (!line.trim()) return;
      const fields = line.split('\t');
      if (fields.length !== 3) throw new Error(`${file}:${i + 1}: expected 3 tab-separated fields, got ${fields.length}`);
      const names = fields[1]!.split(',').map((id) => {
        const name = emotions[Number(id)];
        if (name === undefined) throw new Error(`${file}:${i + 1}: unknown label id ${id}`);
        return name;
      });
      const r = row(fields[0]!, names.map((n) => GOEMOTIONS_MAP[n]));
      if (r) out.push(r);
    });
  return out;
}

function goEmotions(dir: string): SourceSplits {
  const base = path.join(dir, 'goemotions');
  const emotions = readText(need(path.join(base, 'emotions.txt'), 'GoEmotions emotions.txt')).split(/\r?\n/).filter(Boolean);
  return {
    name: 'goemotions',
    train: readGoEmotions(path.join(base, 'train.tsv.gz'), emotions),
    dev: readGoEmotions(path.join(base, 'dev.tsv'), emotions),
    dropped: 0,
  };
}

// ---- MELD ----------------------------------------------------------------------------

const MELD: Readonly<Record<string, MoodLabel>> = {
  neutral: 'neutral', joy: 'joy', surprise: 'surprise', anger: 'anger', sadness: 'sadness', disgust: 'anger', fear: 'fear',
};

function readMeld(file: string): SourceRow[] {
  const records = parse(readText(need(file, 'MELD file')), { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
  return records.flatMap((r, i) => {
    const mood = MELD[r.Emotion ?? ''];
    if (!mood) throw new Error(`${file}: row ${i + 2}: unknown emotion "${r.Emotion}"`);
    const out = row(r.Utterance ?? '', [mood]);
    return out ? [out] : [];
  });
}

function meld(dir: string): SourceSplits {
  const base = path.join(dir, 'meld');
  return { name: 'meld', train: readMeld(path.join(base, 'train_sent_emo.csv')), dev: readMeld(path.join(base, 'dev_sent_emo.csv')), dropped: 0 };
}

// ---- CrowdFlower ---------------------------------------------------------------------

const CROWDFLOWER: Readonly<Record<string, MoodLabel | null>> = {
  neutral: 'neutral', worry: 'fear', happiness: 'joy', sadness: 'sadness', love: 'love', surprise: 'surprise',
  fun: 'joy', relief: 'joy', hate: 'anger', enthusiasm: 'joy', anger: 'anger', empty: null, boredom: null,
};

function crowdFlower(dir: string, seed: number): SourceSplits {
  const file = path.join(dir, 'crowdflower', 'text_emotion.csv.gz');
  const records = parse(readText(need(file, 'CrowdFlower file')), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  let dropped = 0;
  const rows: { key: string; row: SourceRow }[] = [];
  records.forEach((r, i) => {
    const mood = CROWDFLOWER[r.sentiment ?? ''];
    if (mood === undefined) throw new Error(`${file}: row ${i + 2}: unknown sentiment "${r.sentiment}"`);
    const out = mood ? row(r.content ?? '', [mood]) : undefined;
    if (out) rows.push({ key: r.tweet_id ?? String(i), row: out });
    else dropped++;
  });
  return { name: 'crowdflower', ...splitByKey(rows, 0.1, seed), dropped };
}

// ---- ISEAR ---------------------------------------------------------------------------

const ISEAR: Readonly<Record<string, MoodLabel | null>> = {
  joy: 'joy', fear: 'fear', anger: 'anger', sadness: 'sadness', disgust: 'anger', shame: null, guilt: null,
};

function isear(dir: string, seed: number): SourceSplits {
  const file = path.join(dir, 'isear', 'isear.csv');
  const lines = readText(need(file, 'ISEAR file')).split(/\r?\n/);
  let dropped = 0;
  const rows: { key: string; row: SourceRow }[] = [];
  lines.slice(1).forEach((line, i) => {
    if (!line.trim()) return;
    // As SOURCE.txt says: 163 texts contain '|', so the text is everything from field 40 to the last two.
    const f = line.split('|');
    const mood = ISEAR[f[36] ?? ''];
    if (mood === undefined) throw new Error(`${file}:${i + 2}: unknown emotion "${f[36]}"`);
    const text = f.slice(40, -2).join(' ').replace(/á/g, ' ');
    const out = mood ? row(text, [mood]) : undefined;
    if (out) rows.push({ key: f[39] ?? String(i), row: out });
    else dropped++;
  });
  return { name: 'isear', ...splitByKey(rows, 0.1, seed), dropped };
}

// ---- DailyDialog ---------------------------------------------------------------------

const DAILYDIALOG: readonly MoodLabel[] = ['neutral', 'anger', 'anger', 'fear', 'joy', 'sadness', 'surprise'];

/** Reads DailyDialog's dialogue and emotion files (one dialogue a line, utterances ended by __eou__). */
export function readDailyDialog(textFile: string, emotionFile: string): SourceRow[][] {
  const dialogues = readText(need(textFile, 'DailyDialog dialogues file')).split(/\r?\n/).filter((l) => l.trim());
  const emotions = readText(need(emotionFile, 'DailyDialog emotion file')).split(/\r?\n/).filter((l) => l.trim());
  if (dialogues.length !== emotions.length) throw new Error(`${textFile}: ${dialogues.length} dialogues but ${emotions.length} emotion lines`);
  return dialogues.map((d, i) => {
    const utterances = d.split('__eou__').map((u) => u.trim()).filter(Boolean);
    const labels = emotions[i]!.trim().split(/\s+/).map(Number);
    if (utterances.length !== labels.length) throw new Error(`${textFile}:${i + 1}: ${utterances.length} utterances but ${labels.length} labels`);
    return utterances.flatMap((u, k) => {
      const mood = DAILYDIALOG[labels[k]!];
      if (!mood) throw new Error(`${emotionFile}:${i + 1}: unknown emotion id ${labels[k]}`);
      // The published text puts spaces around punctuation ("Good morning , sir ."): undo that.
      const r = row(u.replace(/\s+([,.!?;:])/g, '$1').replace(/\s+'\s*/g, "'"), [mood]);
      return r ? [r] : [];
    });
  });
}

function dailyDialog(dir: string, seed: number): SourceSplits {
  const base = path.join(dir, 'dailydialog', 'validation');
  const dialogues = readDailyDialog(path.join(base, 'dialogues_validation.txt'), path.join(base, 'dialogues_emotion_validation.txt'));
  const train: SourceRow[] = [];
  const dev: SourceRow[] = [];
  dialogues.forEach((rows, i) => (inDev(`dialogue-${i}`, 0.2, seed) ? dev : train).push(...rows));
  return { name: 'dailydialog', train, dev, dropped: 0 };
}

// ---- generated chat-bot requests (scripts/lib/text-requests.ts) -----------------------

/** Rows of each kind (neutral requests; emotional sentences with a request attached). */
export const REQUEST_ROWS = 3000;

function requests(dir: string, seed: number): SourceSplits {
  const pool = readSemicolonFile(path.join(dir, 'dair-ai', 'train.txt'), DAIR);
  const rows = requestRows(dir, pool, { count: REQUEST_ROWS, seed }).map((row, i) => ({ key: `request-${i}`, row }));
  return { name: 'requests', ...splitByKey(rows, 0.1, seed), dropped: 0 };
}

// ---- all -----------------------------------------------------------------------------

/** Reads one source from a folder laid out like ../shared/data/text-emotion. */
export function readSource(name: SourceName, dir: string, seed: number): SourceSplits {
  switch (name) {
    case 'dair-ai':
      return dairAi(dir);
    case 'goemotions':
      return goEmotions(dir);
    case 'meld':
      return meld(dir);
    case 'crowdflower':
      return crowdFlower(dir, seed);
    case 'isear':
      return isear(dir, seed);
    case 'dailydialog':
      return dailyDialog(dir, seed);
    case 'requests':
      return requests(dir, seed);
  }
}

/** Parses a comma list of source names, failing on an unknown one. */
export function parseSourceList(list: string): SourceName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(SOURCE_NAMES as readonly string[]).includes(n)) throw new Error(`unknown text source "${n}" (known: ${SOURCE_NAMES.join(', ')})`);
  }
  return names as SourceName[];
}

/** The 7 labels of chat-dev.txt and eval files: the moods by name. */
export const MOOD_NAMES: Readonly<Record<string, MoodLabel>> = Object.fromEntries(TEXT_LABELS.map((m) => [m, m]));
