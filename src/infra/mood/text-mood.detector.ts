/**
 * TextMoodDetector over a transformers.js `text-classification` pipeline.
 *
 * The model setting names either a local folder in the transformers.js layout
 * (config.json, tokenizer.json, onnx/model.onnx: what `npm run train:text` writes)
 * or a model id on the Hugging Face hub for online users. Both go through the same
 * `pipeline('text-classification', nameOrPath)` call; a local folder is passed as an
 * absolute path with remote loading switched off, so a missing file is a clear
 * error here and never a silent download attempt.
 *
 * Around the model: messages are normalised first (emojis and emoticons to words:
 * src/core/agents/mood/text-normalise.ts), non-English text is reported as neutral
 * with lowConfidenceReason 'not_english' instead of being guessed. MoodReel's own model
 * has neutral as a learned class; as a safety net, a reading whose top probability is
 * below the folder's neutral threshold (moodreel.json) also becomes neutral, with
 * lowConfidenceReason 'unsure'.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { env, pipeline, type TextClassificationPipeline } from '@huggingface/transformers';
import { assessLanguage } from '../../core/agents/mood/text-language.js';
import { normaliseForMood } from '../../core/agents/mood/text-normalise.js';
import { UserError } from '../../core/errors.js';
import { MOODS, type MoodDistribution, type MoodLabel } from '../../core/mood/mood-space.js';
import type { Logger, TextMoodDetector, TextMoodReading } from '../../core/ports.js';

/** Token limit when none is given: chat messages rarely need more, and the CNN reads any length. */
export const DEFAULT_MAX_TOKENS = 128;
/** Neutral threshold for a model folder without moodreel.json (e.g. a hub model). */
export const DEFAULT_NEUTRAL_THRESHOLD = 0.5;
/**
 * Vocabulary ids below this count as common words for the language check. MoodReel's
 * tokenizer lists words by training frequency (then GloVe's commonest unseen words), and
 * the first 10,000 of its 43,000 hold the English a chat uses, but none of "estoy muy
 * triste y cansado hoy" except "y".
 */
export const COMMON_WORD_RANK = 10_000;
/** Confidence reported for text judged not English: near zero, so fusion all but ignores it. */
export const NOT_ENGLISH_CONFIDENCE = 0.05;

export interface TextMoodDetectorOptions {
  /** A local model folder, or a hub model id (online only). */
  readonly model: string;
  /** Texts longer than this many tokens (with [CLS]/[SEP]) are cut and flagged `truncated`. */
  readonly maxTokens?: number;
  /** Top probability below which the reading is neutral; default from the folder's moodreel.json. */
  readonly neutralThreshold?: number;
  /** The setting that named the model, quoted in the missing-model error. */
  readonly settingName?: string;
}

/** MoodReel's sidecar file in a model folder (written by scripts/train-text.ts). */
export interface TextModelCard {
  readonly neutralThreshold?: number;
  readonly [key: string]: unknown;
}

/** Label names other models use for MoodReel's moods (hub models differ in spelling). */
const LABEL_ALIASES: Readonly<Record<string, MoodLabel>> = {
  joy: 'joy', happy: 'joy', happiness: 'joy', love: 'love', sadness: 'sadness', sad: 'sadness',
  anger: 'anger', angry: 'anger', disgust: 'anger', fear: 'fear', fearful: 'fear', surprise: 'surprise',
  surprised: 'surprise', neutral: 'neutral',
};

interface ModelSource {
  readonly nameOrPath: string;
  readonly local: boolean;
}

/**
 * Local folder or hub id? A path that exists, or is written as one (./, ../, /, ~, C:\\),
 * is local. An `owner/name` whose first segment is not a local folder is a hub id.
 * Anything else is a local folder that does not exist (yet): so the default
 * `models/text-emotion` before training gives "train it first", not a download attempt.
 */
export function resolveModelSource(model: string): ModelSource {
  const trimmed = model.trim();
  const absolute = path.resolve(trimmed);
  const explicitPath = /^(\.{1,2}[\\/]|[\\/]|~|[a-zA-Z]:[\\/])/.test(trimmed);
  if (explicitPath || existsSync(absolute)) return { nameOrPath: absolute, local: true };
  const hubId = /^[\w.-]+\/[\w.-]+$/.test(trimmed) && !existsSync(path.resolve(trimmed.split('/')[0]!));
  return hubId ? { nameOrPath: trimmed, local: false } : { nameOrPath: absolute, local: true };
}

function missingModel(folder: string, settingName: string, missing: string): UserError {
  return new UserError(
    'model_missing',
    `The text mood model is missing (${missing} not found in ${folder}). Train it with \`npm run train:text\`, or point ${settingName} at a model folder or hub model id.`,
    { folder, missing, setting: settingName },
  );
}

function checkLocalFolder(folder: string, settingName: string): TextModelCard {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw missingModel(folder, settingName, 'the folder');
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', path.join('onnx', 'model.onnx')]) {
    if (!existsSync(path.join(folder, file))) throw missingModel(folder, settingName, file);
  }
  const cardFile = path.join(folder, 'moodreel.json');
  return existsSync(cardFile) ? (JSON.parse(readFileSync(cardFile, 'utf8')) as TextModelCard) : {};
}

/** Turns the pipeline's label scores into a distribution over MOODS (unknown labels dropped). */
export function toMoodScores(scores: readonly { label: string; score: number }[]): Record<MoodLabel, number> {
  const out = Object.fromEntries(MOODS.map((m) => [m, 0])) as Record<MoodLabel, number>;
  let total = 0;
  for (const { label, score } of scores) {
    const mood = LABEL_ALIASES[label.toLowerCase()];
    if (mood) {
      out[mood] += score;
      total += score;
    }
  }
  if (total <= 0) return { ...out, neutral: 1 };
  for (const m of MOODS) out[m] /= total;
  return out;
}

/**
 * Applies the neutral rule: when the top mood's probability is below `threshold`, the
 * reading becomes neutral, and the emotions keep a share of the mass in proportion to
 * how close they came (just below the threshold: half; a flat guess: none). Neutral is
 * then always the arg-max, so label and distribution agree.
 */
export function applyNeutralThreshold(scores: Record<MoodLabel, number>, threshold: number): { distribution: MoodDistribution; label: MoodLabel; confidence: number; unsure: boolean } {
  let top: MoodLabel = 'neutral';
  for (const m of MOODS) if (scores[m] > scores[top]) top = m;
  const p = scores[top];
  if (top === 'neutral' || p >= threshold) return { distribution: { ...scores }, label: top, confidence: p, unsure: false };
  const floor = 1 / (MOODS.length - 1);
  const neutralShare = Math.min(1, 0.5 + (0.5 * (threshold - p)) / Math.max(1e-9, threshold - floor));
  const distribution = Object.fromEntries(MOODS.map((m) => [m, scores[m] * (1 - neutralShare)])) as Record<MoodLabel, number>;
  distribution.neutral += neutralShare;
  return { distribution, label: 'neutral', confidence: p, unsure: true };
}

/**
 * The transformers.js pipeline with one ONNX Runtime thread: the model is a few small
 * matrix products, so thread hand-offs cost more than they save and, on a busy
 * 2-core host, they are what makes the latency tail (measured p95 16 ms -> ~1 ms).
 */
export async function loadTextClassifier(nameOrPath: string): Promise<TextClassificationPipeline> {
  // pipeline()'s overloads are too large a union for tsc to check; the task fixes the type.
  const load = pipeline as unknown as (task: 'text-classification', model: string, options: object) => Promise<TextClassificationPipeline>;
  return load('text-classification', nameOrPath, {
    dtype: 'fp32',
    session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 },
  });
}

const NOT_ENGLISH_DISTRIBUTION: MoodDistribution = Object.freeze(
  Object.fromEntries(MOODS.map((m) => [m, m === 'neutral' ? 1 : 0])) as Record<MoodLabel, number>,
);

/** Hot reload: where to look for a newly promoted model, and how often. */
export interface TextModelReload {
  /** A file that changes exactly when the serving model does (the registry's current.json; may be absent). */
  readonly watchFile: string;
  /** The folder to serve now (the registry's current version, or the shipped folder). */
  readonly resolveFolder: () => Promise<string>;
  /** A turn checks the file at most this often; the check and the load run beside the turn. Default 5000. */
  readonly checkEveryMs?: number;
  readonly logger?: Logger;
}

/** A detector whose model can change under it (a promoted retrain), with no restart and no failed turn. */
export interface ReloadingTextMoodDetector extends TextMoodDetector {
  /** The folder (or hub id) serving now. */
  readonly servingFrom: () => string;
  /** Checks the watched file now; resolves true when a new model was loaded and swapped in. */
  checkForUpdate(): Promise<boolean>;
}

/** One loaded model and everything derived from it, swapped as a whole. */
interface Served {
  readonly from: string;
  readonly classifier: TextClassificationPipeline;
  readonly threshold: number;
  readonly isKnownWord: (word: string) => boolean;
  readonly isCommonWord: (word: string) => boolean;
  readonly tokenCount: (text: string) => number;
  inFlight: number;
  retired: boolean;
}

async function loadServed(source: ModelSource, card: TextModelCard, options: TextMoodDetectorOptions, maxTokens: number): Promise<Served> {
  const threshold = options.neutralThreshold ?? card.neutralThreshold ?? DEFAULT_NEUTRAL_THRESHOLD;
  const classifier = await loadTextClassifier(source.nameOrPath);
  const tokenizer = classifier.tokenizer;
  tokenizer.model_max_length = maxTokens;
  // Whole-word vocabulary check for the language test. A tokenizer whose vocabulary is not
  // whole lower-case words (byte-level BPE on a hub model) gets the script check only.
  const vocab = (tokenizer as unknown as { model?: { tokens_to_ids?: Map<string, number> } }).model?.tokens_to_ids;
  const wordLevel = !!vocab && ['the', 'and', 'you', 'feel'].every((w) => vocab.has(w));
  return {
    from: source.nameOrPath,
    classifier,
    threshold,
    isKnownWord: (word) => (wordLevel ? vocab!.has(word) : true),
    // The language test counts only common words: MoodReel's vocabulary is in frequency order, and its
    // rarer entries include foreign words from the tweets ("muy", "triste"), which would let Spanish pass.
    isCommonWord: (word) => (wordLevel ? (vocab!.get(word) ?? Infinity) < COMMON_WORD_RANK : true),
    tokenCount: (text) => (tokenizer(text, { truncation: false }).input_ids as { dims: number[] }).dims.at(-1) ?? 0,
    inFlight: 0,
    retired: false,
  };
}

function releaseIfDone(served: Served): void {
  if (served.retired && served.inFlight === 0) void served.classifier.dispose().catch(() => undefined);
}

/**
 * Loads the pipeline once and returns the detector. Throws UserError('model_missing')
 * when a local model folder (or one of its files) is absent. transformers.js settings
 * are process-wide: a local folder switches remote loading off for the whole process.
 *
 * With `reload`, the detector serves `reload.resolveFolder()` (falling back to `model`), and
 * a turn that finds the watched file changed loads the new folder in the background: turns
 * keep using the old model until the new one is ready, then the new one serves and the old
 * one is released once its last turn is done. A folder that fails to load is logged and the
 * old model keeps serving.
 */
export async function createTextMoodDetector(options: TextMoodDetectorOptions & { readonly reload?: TextModelReload }): Promise<ReloadingTextMoodDetector> {
  const settingName = options.settingName ?? 'MOODREEL_TEXT_MODEL';
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (!Number.isInteger(maxTokens) || maxTokens < 3) throw new Error(`maxTokens must be an integer >= 3 (got ${maxTokens})`);
  const open = async (model: string): Promise<Served> => {
    const source = resolveModelSource(model);
    let card: TextModelCard = {};
    if (source.local) {
      card = checkLocalFolder(source.nameOrPath, settingName);
      env.allowLocalModels = true;
      env.allowRemoteModels = false;
    }
    return loadServed(source, card, options, maxTokens);
  };
  const reload = options.reload;
  const signature = (): string => {
    try {
      const s = statSync(reload!.watchFile);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      return 'absent';
    }
  };
  let seen = reload ? signature() : '';
  let served: Served;
  if (reload) {
    const wanted = await reload.resolveFolder().catch(() => options.model);
    try {
      served = await open(wanted);
    } catch (error) {
      if (wanted === options.model) throw error;
      reload.logger?.error({ folder: wanted, err: error }, 'retrained text model failed to load; serving the configured one');
      served = await open(options.model);
    }
  } else {
    served = await open(options.model);
  }

  let lastCheck = Date.now();
  let checking: Promise<boolean> | null = null;
  const checkForUpdate = (): Promise<boolean> => {
    if (!reload) return Promise.resolve(false);
    lastCheck = Date.now();
    return (checking ??= (async () => {
      const now = signature();
      if (now === seen) return false;
      seen = now;
      const folder = resolveModelSource(await reload.resolveFolder()).nameOrPath;
      if (folder === served.from) return false;
      let next: Served;
      try {
        next = await open(folder);
      } catch (error) {
        reload.logger?.error({ folder, err: error }, 'new text model failed to load; the old one keeps serving');
        return false;
      }
      const old = served;
      served = next;
      old.retired = true;
      releaseIfDone(old);
      reload.logger?.info({ from: old.from, to: next.from }, 'text model reloaded');
      return true;
    })().finally(() => {
      checking = null;
    }));
  };

  async function detectBatch(texts: readonly string[]): Promise<TextMoodReading[]> {
    if (reload && Date.now() - lastCheck >= (reload.checkEveryMs ?? 5000)) void checkForUpdate().catch((error: unknown) => reload.logger?.warn({ err: error }, 'text model reload check failed'));
    const s = served;
    s.inFlight++;
    try {
      return await detectWith(s, texts);
    } finally {
      s.inFlight--;
      releaseIfDone(s);
    }
  }

  async function detectWith(s: Served, texts: readonly string[]): Promise<TextMoodReading[]> {
    const prepared = texts.map((text) => {
      if (typeof text !== 'string' || !text.trim()) throw new UserError('empty_text', 'There is no text to read a mood from.');
      const language = assessLanguage(text, s.isCommonWord);
      const normalised = normaliseForMood(text, { isKnownWord: s.isKnownWord });
      return { language, normalised, truncated: normalised ? s.tokenCount(normalised) > maxTokens : false };
    });
    const toRun = prepared.map((p, i) => ({ p, i })).filter(({ p }) => p.language.isEnglish && p.normalised);
    const outputs = toRun.length
      ? ((await s.classifier(
          toRun.map(({ p }) => p.normalised),
          // top_k null = every label (documented; the typings only say number).
          { top_k: null as unknown as number },
        )) as unknown as { label: string; score: number }[][])
      : [];
    const readings: TextMoodReading[] = prepared.map((p) => ({
      label: 'neutral',
      distribution: NOT_ENGLISH_DISTRIBUTION,
      confidence: NOT_ENGLISH_CONFIDENCE,
      source: 'text',
      truncated: p.truncated,
      lowConfidenceReason: p.language.isEnglish ? 'unsure' : 'not_english',
    }));
    toRun.forEach(({ p, i }, k) => {
      const decided = applyNeutralThreshold(toMoodScores(outputs[k] ?? []), s.threshold);
      readings[i] = {
        label: decided.label,
        distribution: decided.distribution,
        confidence: decided.confidence,
        source: 'text',
        truncated: p.truncated,
        ...(decided.unsure ? { lowConfidenceReason: 'unsure' as const } : {}),
      };
    });
    return readings;
  }

  return {
    maxTokens,
    detectBatch,
    servingFrom: () => served.from,
    checkForUpdate,
    async detect(text: string): Promise<TextMoodReading> {
      const [reading] = await detectBatch([text]);
      return reading!;
    },
  };
}
