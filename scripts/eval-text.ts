/**
 * Evaluates the text mood model on any file in the `text;label` format, labels among
 * the seven moods (joy, love, sadness, anger, fear, surprise, neutral): dair-ai's files,
 * chat-dev.txt, or your own. A label outside the seven fails with the line's number.
 *
 *   npm run eval:text -- ../shared/data/text-emotion/chat-dev.txt [--model models/text-emotion] [--out preds.jsonl]
 *
 * Rows of the table:
 * - model:    the transformers.js pipeline alone on the text as written, arg-max over
 *             its labels (latency: one sentence per call, tokenizer included); a neutral
 *             answer is right only on a line labelled neutral;
 * - model+norm: the same on the normalised text (emojis and emoticons as words);
 * - detector: what MoodReel serves (normaliser, language check, neutral safety net);
 * - afinn, polarity: lexicon baselines (see scripts/lib/text-baselines.ts).
 * Then the model's confusion matrix, and a final JSON line.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { env } from '@huggingface/transformers';
import { MOODS } from '../src/core/mood/mood-space.js';
import type { TextMoodReading } from '../src/core/ports.js';
import { createTextMoodDetector, loadTextClassifier, resolveModelSource } from '../src/infra/mood/text-mood.detector.js';
import { normaliseForMood } from '../src/core/agents/mood/text-normalise.js';
import { afinnLabel, polarityLabel } from './lib/text-baselines.js';
import { accuracy, confusionMatrix, macroF1, quantile } from './lib/text-metrics.js';
import { MOOD_NAMES, readSemicolonFile } from './lib/text-sources.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string', default: 'models/text-emotion' },
    out: { type: 'string' },
    batch: { type: 'string', default: '64' },
  },
});
const file = positionals[0];
if (!file) {
  console.error('usage: npm run eval:text -- <file in text;label format> [--model <folder or hub id>] [--out <file.jsonl>]');
  process.exit(2);
}
const rows = readSemicolonFile(path.resolve(file), MOOD_NAMES).map((r) => ({ text: r.text, label: MOODS[r.label!]! }));
const texts = rows.map((r) => r.text);
const batchSize = Number(args.batch);

// Label ids over MOODS (neutral included, so baselines and the detector can answer it).
const moodIndex = (label: string): number => (MOODS as readonly string[]).indexOf(label);
const truth = rows.map((r) => moodIndex(r.label));
const classes = MOODS.length;

// The detector first: it validates the folder and throws the friendly model_missing error.
const detector = await createTextMoodDetector({ model: String(args.model) });
const source = resolveModelSource(String(args.model));
if (source.local) env.allowRemoteModels = false;
const classifier = await loadTextClassifier(source.nameOrPath);
type Scores = { label: string; score: number }[];
const allLabels = { top_k: null as unknown as number };

// Warm-up (first calls allocate), not timed.
for (const t of texts.slice(0, 20)) await classifier(t, allLabels);

// model row: one sentence per call, timed.
const modelLatency: number[] = [];
const modelScores: Scores[] = [];
for (const t of texts) {
  const t0 = performance.now();
  const out = (await classifier(t, allLabels)) as unknown as Scores;
  modelLatency.push(performance.now() - t0);
  modelScores.push(out);
}
const modelPred = modelScores.map((s) => moodIndex(s[0]!.label));
const normalisedPred: number[] = [];
for (const t of texts) {
  const n = normaliseForMood(t);
  normalisedPred.push(n ? moodIndex(((await classifier(n)) as unknown as Scores)[0]!.label) : moodIndex('neutral'));
}

// Throughput: batches through the same pipeline.
const t0 = performance.now();
for (let i = 0; i < texts.length; i += batchSize) await classifier(texts.slice(i, i + batchSize), allLabels);
const throughputPerSec = texts.length / ((performance.now() - t0) / 1000);

// detector row.
const detectorLatency: number[] = [];
const readings: TextMoodReading[] = [];
for (const t of texts) {
  const s = performance.now();
  readings.push(await detector.detect(t));
  detectorLatency.push(performance.now() - s);
}
const detectorPred = readings.map((r) => moodIndex(r.label));

// Baselines.
const timed = (fn: (text: string) => string): { pred: number[]; latency: number[] } => {
  const latency: number[] = [];
  const pred = texts.map((t) => {
    const s = performance.now();
    const label = fn(t);
    latency.push(performance.now() - s);
    return moodIndex(label);
  });
  return { pred, latency };
};
const afinn = timed(afinnLabel);
const polarity = timed(polarityLabel);

interface Row {
  readonly name: string;
  readonly accuracy: number;
  readonly macroF1: number;
  readonly p50ms: number;
  readonly p95ms: number;
}
const row = (name: string, pred: number[], latency: number[]): Row => ({
  name,
  accuracy: accuracy(truth, pred),
  macroF1: macroF1(truth, pred, classes),
  p50ms: quantile(latency, 0.5),
  p95ms: quantile(latency, 0.95),
});
const table: Row[] = [
  row('model', modelPred, modelLatency),
  row('model+norm', normalisedPred, []),
  row('detector', detectorPred, detectorLatency),
  row('afinn', afinn.pred, afinn.latency),
  row('polarity', polarity.pred, polarity.latency),
];

console.log(`\n${rows.length} sentences from ${file}, model ${args.model}`);
console.log('system      accuracy  macroF1  p50 ms  p95 ms');
for (const r of table) {
  console.log(`${r.name.padEnd(10)}  ${r.accuracy.toFixed(4).padStart(8)}  ${r.macroF1.toFixed(4).padStart(7)}  ${r.p50ms.toFixed(3).padStart(6)}  ${r.p95ms.toFixed(3).padStart(6)}`);
}
console.log(`throughput (batches of ${batchSize}): ${throughputPerSec.toFixed(0)} sentences/s`);
const neutralAnswers = readings.filter((r) => r.label === 'neutral').length;
const neutralLines = rows.filter((r) => r.label === 'neutral').length;
console.log(`detector answered neutral for ${neutralAnswers} of ${rows.length} lines (${neutralLines} are labelled neutral)`);

// Confusion matrix of the model (rows truth, columns predicted), over the seven moods.
const labelIds = MOODS.map((l) => moodIndex(l));
const cm = confusionMatrix(truth, modelPred, classes);
console.log('\nconfusion (model; rows = truth, columns = predicted)');
console.log(`${''.padEnd(9)}${MOODS.map((l) => l.slice(0, 8).padStart(9)).join('')}`);
for (const t of labelIds) {
  console.log(`${MOODS[t]!.padEnd(9)}${labelIds.map((p) => String(cm[t]![p]!).padStart(9)).join('')}`);
}

if (args.out) {
  const lines = rows.map((r, i) => {
    const distribution = Object.fromEntries(modelScores[i]!.map((s) => [s.label, s.score]));
    const reading = readings[i]!;
    return JSON.stringify({
      text: r.text,
      label: r.label,
      predicted: modelScores[i]![0]!.label,
      distribution,
      detector: {
        label: reading.label,
        confidence: reading.confidence,
        distribution: reading.distribution,
        ...(reading.lowConfidenceReason ? { lowConfidenceReason: reading.lowConfidenceReason } : {}),
      },
    });
  });
  writeFileSync(path.resolve(args.out), `${lines.join('\n')}\n`);
  console.log(`\nper-sentence predictions written to ${args.out}`);
}

const [model, norm, det, af, pol] = table as [Row, Row, Row, Row, Row];
console.log(
  JSON.stringify({
    accuracy: model.accuracy,
    macroF1: model.macroF1,
    p50ms: model.p50ms,
    p95ms: model.p95ms,
    throughputPerSec,
    n: rows.length,
    normalisedModel: { accuracy: norm.accuracy, macroF1: norm.macroF1 },
    detector: { accuracy: det.accuracy, macroF1: det.macroF1, p95ms: det.p95ms, neutral: neutralAnswers },
    baselines: {
      afinn: { accuracy: af.accuracy, macroF1: af.macroF1, p95ms: af.p95ms },
      polarity: { accuracy: pol.accuracy, macroF1: pol.macroF1, p95ms: pol.p95ms },
    },
  }),
);
