/**
 * `npm run eval:face -- <file-or-folder> [--close-ups] [--limit N] [--out file] [--model-dir dir] [--tta identity,flip] [--detector tiny|ssd]`
 *
 * FER2013 Kaggle CSV (emotion,pixels,Usage; .gz or plain): the 48x48 crops go straight to
 * the expression model (no detection): as they are for the CNN, resized to 112 px for
 * face-api's backbone. The Kaggle
 * files are sorted by class, so --limit takes a seeded random sample, never the first rows.
 * A folder of photos (label = file-name prefix, e.g. happy.jpg, sad_2.png, or a
 * labels.csv `file,label`) goes through the whole selfie pipeline (decode, detect,
 * crop, classify); the largest face is scored and a photo with no face counts as wrong.
 * With --close-ups, each photo whose face is found is cut into close-ups (the face box
 * filling 80-100% of the frame, scripts/lib/face-closeups.ts) and those are scored instead,
 * and the generated photos without a face are run too; a line names both rates.
 * Scored in the 7 FER classes. Prints accuracy, macro-F1 and a confusion matrix, then
 * one JSON line {"accuracy","macroF1","n","noFace"}.
 * With --framing and a FER2013 file (use train, not public-test), measures instead how the CNN's
 * crop should sit around the detector's box (scripts/lib/face-framing.ts) on --limit crops
 * (default 400) and prints that as the JSON line.
 */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isUserError } from '../src/core/errors.js';
import { createFaceMoodDetector, type FaceDetectorKind } from '../src/infra/mood/face-mood.detector.js';
import { FER_EXPRESSIONS, loadFaceExpressionModel, type FaceExpressionManifest } from '../src/infra/mood/face-expression.model.js';
import { FER_SIZE, isFerCsv, loadFer, type FerRow } from './lib/face-fer.js';
import { ferCrops, sampleRows } from './lib/face-data.js';
import { closeUpCrops, nonFaceImages } from './lib/face-closeups.js';
import { measureFraming } from './lib/face-framing.js';
import { accuracy, argmax, confusionMatrix, macroF1, perClassF1 } from './lib/text-metrics.js';

const args = process.argv.slice(2);
const VALUE_FLAGS = ['--limit', '--out', '--model-dir', '--tta', '--detector', '--seed'];
const flag = (name: string) => {
  const k = args.indexOf(name);
  return k >= 0 ? args[k + 1] : undefined;
};
const target = args.find((a, k) => !a.startsWith('--') && !VALUE_FLAGS.includes(args[k - 1] ?? ''));
if (!target || !existsSync(target)) {
  console.error('usage: npm run eval:face -- <fer2013.csv[.gz] | folder of labelled photos> [--close-ups] [--limit N] [--out file] [--model-dir dir] [--tta identity,flip] [--detector tiny|ssd]');
  process.exit(2);
}
const limit = Number(flag('--limit') ?? Infinity);
const seed = Number(flag('--seed') ?? 42);
const outFile = flag('--out');
const modelDir = flag('--model-dir') ?? 'models/face-expression';
const tta = flag('--tta')?.split(',') as FaceExpressionManifest['tta'] | undefined;
const detector = (flag('--detector') ?? 'tiny') as FaceDetectorKind;
const closeUps = args.includes('--close-ups');

if (args.includes('--framing')) {
  const rows = sampleRows(await loadFer(target), Number(flag('--limit') ?? 400), seed);
  const result = await measureFraming(await createFaceMoodDetector({ modelDir, detector: 'tiny' }), rows.map((r) => r.pixels));
  console.log(`framing on ${result.crops} FER crops of ${target}: a face found in ${result.found}`);
  console.log(JSON.stringify(result));
  process.exit(0);
}

const LABEL_ALIASES: Record<string, number> = {
  angry: 0, anger: 0, disgust: 1, disgusted: 1, fear: 2, fearful: 2, scared: 2, happy: 3, happiness: 3, joy: 3,
  sad: 4, sadness: 4, surprise: 5, surprised: 5, neutral: 6,
};

interface Scored {
  readonly input: string;
  readonly truth: number;
  /** -1 when no face was found. */
  readonly predicted: number;
  readonly detail: Record<string, unknown>;
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4;
const named = (p: ArrayLike<number>) => Object.fromEntries(FER_EXPRESSIONS.map((c, i) => [c, round4(p[i]!)]));

async function evalFer(file: string): Promise<Scored[]> {
  const all = await loadFer(file);
  const rows: FerRow[] = sampleRows(all, limit, seed);
  const model = await loadFaceExpressionModel({ modelDir, ...(tta ? { tta } : {}) });
  const scored: Scored[] = [];
  const BATCH = 64;
  for (let k = 0; k < rows.length; k += BATCH) {
    const batch = rows.slice(k, k + BATCH);
    const crops = ferCrops(model.faceApi.tf, batch.map((r) => r.pixels), model.inputSize);
    const probs = await model.classify(crops).finally(() => crops.dispose());
    probs.forEach((p, j) => {
      scored.push({ input: `${path.basename(file)}#${k + j}`, truth: batch[j]!.label, predicted: argmax(p), detail: { expressions: named(p) } });
    });
  }
  console.log(`FER2013 ${file}: ${rows.length} of ${all.length} crops (${FER_SIZE}x${FER_SIZE}), model ${model.manifest.version}, views ${(tta ?? model.manifest.tta).join('+')}`);
  return scored;
}

function folderLabels(dir: string): Map<string, number> {
  const labels = new Map<string, number>();
  const csv = path.join(dir, 'labels.csv');
  if (!existsSync(csv)) return labels;
  for (const line of readFileSync(csv, 'utf8').split(/\r?\n/)) {
    const [file, label] = line.split(',').map((s) => s.trim());
    const id = LABEL_ALIASES[(label ?? '').toLowerCase()];
    if (file && id !== undefined) labels.set(file, id);
  }
  return labels;
}

async function evalPhotos(targetPath: string): Promise<Scored[]> {
  const isDir = statSync(targetPath).isDirectory();
  const dir = isDir ? targetPath : path.dirname(targetPath);
  const labels = folderLabels(dir);
  const files = (isDir ? readdirSync(dir) : [path.basename(targetPath)]).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort();
  const labelled = files
    .map((f) => ({ f, truth: labels.get(f) ?? LABEL_ALIASES[f.toLowerCase().split(/[_\-.\d\s]/)[0] ?? ''] }))
    .filter((x): x is { f: string; truth: number } => x.truth !== undefined);
  const picked = sampleRows(labelled, limit, seed);
  const faces = await createFaceMoodDetector({ modelDir, detector, decode: { maxBytes: 20e6, maxPixels: 60e6 } });
  const scored: Scored[] = [];
  const score = async (input: string, truth: number, bytes: Uint8Array) => {
    try {
      const r = await faces.analyse(bytes);
      const top = r.faces[0];
      const predicted = top ? argmax(FER_EXPRESSIONS.map((e) => top.expressions[e])) : -1;
      scored.push({ input, truth, predicted, detail: { faces: r.faces.map((x) => ({ ...x, expressions: named(FER_EXPRESSIONS.map((e) => x.expressions[e])) })) } });
      return r;
    } catch (error) {
      if (!isUserError(error)) throw error;
      scored.push({ input, truth, predicted: -1, detail: { error: error.code } });
      return null;
    }
  };
  let skipped = 0;
  for (const { f, truth } of picked) {
    const bytes = new Uint8Array(readFileSync(path.join(dir, f)));
    if (!closeUps) {
      await score(f, truth, bytes);
      continue;
    }
    const box = (await faces.analyse(bytes).catch(() => null))?.faces[0]?.box;
    if (!box) skipped += 1;
    else for (const crop of await closeUpCrops(bytes, box)) await score(`${f} ${crop.name}`, truth, crop.bytes);
  }
  console.log(`photos ${targetPath}: ${picked.length} labelled of ${files.length}, detector ${detector}, model ${faces.modelVersion}`);
  if (closeUps) {
    const found = scored.filter((s) => s.predicted >= 0).length;
    let falseFaces = 0;
    const others = await nonFaceImages(seed);
    for (const image of others) if ((await faces.analyse(image.bytes)).faces.length > 0) falseFaces += 1;
    console.log(
      `close-ups (face box 80-100% of the frame): ${scored.length} from ${picked.length - skipped} photos (${skipped} without a face in full), ` +
        `a face found in ${found} (${((100 * found) / Math.max(1, scored.length)).toFixed(1)}%); photos without a face that gave one: ${falseFaces} of ${others.length}`,
    );
  }
  return scored;
}

const scored = isFerCsv(target) && statSync(target).isFile() ? await evalFer(target) : await evalPhotos(target);
const truth = scored.map((s) => s.truth);
const predicted = scored.map((s) => s.predicted);
const k = FER_EXPRESSIONS.length;
const matrix = confusionMatrix(truth, predicted, k);
const f1 = perClassF1(truth, predicted, k);
const support = FER_EXPRESSIONS.map((_, c) => truth.filter((t) => t === c).length);
const noFace = predicted.filter((p) => p < 0).length;

console.log(`\ntruth \\ predicted ${FER_EXPRESSIONS.map((c) => c.slice(0, 8).padStart(9)).join('')}   no face`);
FER_EXPRESSIONS.forEach((c, i) =>
  console.log(`${c.padEnd(17)} ${matrix[i]!.map((v) => String(v).padStart(9)).join('')} ${String(scored.filter((s) => s.truth === i && s.predicted < 0).length).padStart(9)}`),
);
console.log(`\nclass      support  recall  F1`);
FER_EXPRESSIONS.forEach((c, i) => {
  const recall = support[i] ? matrix[i]![i]! / support[i]! : 0;
  console.log(`${c.padEnd(10)} ${String(support[i]).padStart(7)}  ${support[i] ? recall.toFixed(3) : '  —  '}  ${support[i] ? f1[i]!.toFixed(3) : '—'}`);
});
if (outFile) {
  writeFileSync(outFile, scored.map((s) => JSON.stringify({ input: s.input, truth: FER_EXPRESSIONS[s.truth], predicted: FER_EXPRESSIONS[s.predicted] ?? null, ...s.detail })).join('\n') + '\n');
}
console.log(JSON.stringify({ accuracy: round4(accuracy(truth, predicted)), macroF1: round4(macroF1(truth, predicted, k)), n: scored.length, noFace }));
