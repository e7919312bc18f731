/**
 * `npm run eval:face -- <file-or-folder> [--limit N] [--out file]`
 * FER2013 Kaggle CSV (emotion,pixels,Usage; .gz or plain): the 48x48 crops go
 * straight to the expression net (no detection). A folder of photos (label =
 * file-name prefix, e.g. happy.jpg, sad_2.png, or a labels.csv `file,label`)
 * goes through the whole selfie pipeline. Prints accuracy, macro-F1 and a
 * confusion matrix over the 7 FER classes, then one JSON line.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadFaceApi } from '../src/infra/mood/face-api.loader.js';
import { createStockFaceMoodDetector } from '../src/infra/mood/stock-face.detector.js';
import { isUserError } from '../src/core/errors.js';
import type { MoodLabel } from '../src/core/mood/mood-space.js';

const CLASSES = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;
type Fer = (typeof CLASSES)[number];
/** face-api expression names, in FER order. */
const FACEAPI = ['angry', 'disgusted', 'fearful', 'happy', 'sad', 'surprised', 'neutral'] as const;
const LABEL_ALIASES: Record<string, Fer> = {
  angry: 'angry', anger: 'angry', disgust: 'disgust', disgusted: 'disgust', fear: 'fear', fearful: 'fear', happy: 'happy', joy: 'happy',
  sad: 'sad', sadness: 'sad', surprise: 'surprise', surprised: 'surprise', neutral: 'neutral',
};
/** For photos, the pipeline answers in the mood space (disgust folds into anger there). */
const MOOD_TO_FER: Record<MoodLabel, Fer> = { anger: 'angry', fear: 'fear', joy: 'happy', sadness: 'sad', surprise: 'surprise', neutral: 'neutral', love: 'happy' };

const args = process.argv.slice(2);
const flag = (name: string) => {
  const k = args.indexOf(name);
  return k >= 0 ? args[k + 1] : undefined;
};
const target = args.find((a, k) => !a.startsWith('--') && !['--limit', '--out'].includes(args[k - 1] ?? ''));
if (!target || !existsSync(target)) {
  console.error('usage: npm run eval:face -- <fer2013.csv[.gz] | folder of labelled photos> [--limit N] [--out file]');
  process.exit(2);
}
const limit = Number(flag('--limit') ?? Infinity);
const outFile = flag('--out');

interface Row { truth: Fer; predicted: Fer | null; faces: number; detail?: unknown }
const rows: Row[] = [];

async function evalFer(file: string) {
  const text = (file.endsWith('.gz') ? gunzipSync(readFileSync(file)) : readFileSync(file)).toString('utf8');
  const lines = text.split('\n').slice(1).filter(Boolean);
  const samples = lines.slice(0, Number.isFinite(limit) ? limit : undefined).map((line) => {
    const [emotion, pixels] = line.split(',');
    return { truth: CLASSES[Number(emotion)]!, pixels: Float32Array.from(pixels!.trim().split(' ').map(Number)) };
  });
  const { faceapi, tf } = await loadFaceApi();
  const BATCH = 64;
  for (let k = 0; k < samples.length; k += BATCH) {
    const batch = samples.slice(k, k + BATCH);
    const input = tf.tidy(() => {
      const grey = tf.tensor4d(Float32Array.from(batch.flatMap((s) => [...s.pixels])), [batch.length, 48, 48, 1]);
      return tf.image.resizeBilinear(grey.tile([1, 1, 1, 3]) as never, [112, 112]);
    });
    const tensors = tf.unstack(input);
    const out = (await faceapi.nets.faceExpressionNet.predictExpressions(tensors as never)) as unknown as Record<string, number>[] | Record<string, number>;
    const list = Array.isArray(out) ? out : [out];
    list.forEach((e, j) => {
      const probs = FACEAPI.map((n) => e[n] ?? 0);
      const best = probs.indexOf(Math.max(...probs));
      rows.push({ truth: batch[j]!.truth, predicted: CLASSES[best]!, faces: 1, detail: Object.fromEntries(CLASSES.map((c, i) => [c, Number(probs[i]!.toFixed(4))])) });
    });
    tf.dispose([input, ...tensors]);
  }
}

async function evalFolder(dir: string) {
  const labels = new Map<string, Fer>();
  const csv = path.join(dir, 'labels.csv');
  if (existsSync(csv)) {
    for (const line of readFileSync(csv, 'utf8').split('\n').slice(1)) {
      const [file, label] = line.split(',').map((s) => s?.trim());
      if (file && label && LABEL_ALIASES[label.toLowerCase()]) labels.set(file, LABEL_ALIASES[label.toLowerCase()]!);
    }
  }
  const detector = await createStockFaceMoodDetector({ maxBytes: 20e6, maxPixels: 60e6 });
  const files = readdirSync(dir).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort().slice(0, Number.isFinite(limit) ? limit : undefined);
  for (const f of files) {
    const truth = labels.get(f) ?? LABEL_ALIASES[f.toLowerCase().split(/[_\-.\d]/)[0] ?? ''];
    if (!truth) continue;
    try {
      const r = await detector.detect(new Uint8Array(readFileSync(path.join(dir, f))));
      rows.push({ truth, predicted: r.group ? MOOD_TO_FER[r.group.label] : null, faces: r.faces.length, detail: { file: f, faces: r.faces } });
    } catch (error) {
      if (!isUserError(error)) throw error;
      rows.push({ truth, predicted: null, faces: 0, detail: { file: f, error: error.code } });
    }
  }
}

if (statSync(target).isDirectory()) await evalFolder(target);
else await evalFer(target);

const n = rows.length;
const correct = rows.filter((r) => r.predicted === r.truth).length;
const noFace = rows.filter((r) => r.faces === 0).length;
const matrix = CLASSES.map((t) => CLASSES.map((p) => rows.filter((r) => r.truth === t && r.predicted === p).length));
const f1s = CLASSES.map((c, i) => {
  const tp = matrix[i]![i]!;
  const fp = CLASSES.reduce((s, _, t) => s + (t === i ? 0 : matrix[t]![i]!), 0);
  const fn = rows.filter((r) => r.truth === c).length - tp;
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
});
const present = CLASSES.map((c) => rows.some((r) => r.truth === c));
const macroF1 = f1s.reduce((s, f, i) => s + (present[i] ? f : 0), 0) / Math.max(1, present.filter(Boolean).length);
console.log(`face expressions: ${n} inputs from ${target}`);
console.log(`truth \\ predicted  ${CLASSES.map((c) => c.slice(0, 7).padStart(8)).join('')}`);
CLASSES.forEach((c, i) => console.log(`${c.padEnd(18)} ${matrix[i]!.map((v) => String(v).padStart(8)).join('')}`));
console.log(`\nclass      F1\n${CLASSES.map((c, i) => `${c.padEnd(10)} ${present[i] ? f1s[i]!.toFixed(3) : '—'}`).join('\n')}`);
if (outFile) writeFileSync(outFile, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
console.log(JSON.stringify({ accuracy: n ? correct / n : 0, macroF1, n, noFace }));
