/**
 * `npm run bench:face [-- --runs N] [--detector tiny|ssd] [--model-dir dir]`: JPEG bytes to mood through the
 * shipped pipeline (decode, detect, crop, classify with flip averaging, map to moods).
 * Inputs are built in memory: a one-face 1280x960 JPEG (a sample face scaled up onto a
 * 1280x960 canvas), face-api's multi-face demo photos, and a photo with no face (every
 * detection pass runs, scripts/lib/face-closeups.ts). Prints a table, then one JSON
 * line with the one-face figures: {"p50ms","p95ms","rssMB"}.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createFaceMoodDetector, type FaceDetectorKind } from '../src/infra/mood/face-mood.detector.js';
import { nonFaceImages } from './lib/face-closeups.js';
import { quantile } from './lib/text-metrics.js';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const k = args.indexOf(name);
  return k >= 0 ? args[k + 1] : undefined;
};
const runs = Number(flag('--runs') ?? 60);
const detectorKind = (flag('--detector') ?? 'tiny') as FaceDetectorKind;
const dataDir = process.env.MOODREEL_DATA_DIR ?? path.resolve('..', 'shared', 'data');

const face = await sharp(readFileSync(path.join(dataDir, 'faces', 'samples', 'happy.jpg'))).resize({ width: 1280 }).toBuffer();
const oneFace = new Uint8Array(
  await sharp({ create: { width: 1280, height: 960, channels: 3, background: { r: 200, g: 190, b: 180 } } })
    .composite([{ input: face, left: 0, top: 119 }])
    .jpeg({ quality: 90 })
    .toBuffer(),
);
const demoDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');
const multi = ['sample1.jpg', 'sample5.jpg'].map((f) => path.join(demoDir, f)).filter(existsSync);

const detector = await createFaceMoodDetector({ detector: detectorKind, ...(flag('--model-dir') ? { modelDir: flag('--model-dir')! } : {}) });
await detector.detect(oneFace); // warm-up: WASM kernels and weights

async function time(bytes: Uint8Array, n: number) {
  const ms: number[] = [];
  let faces = 0;
  let label = '';
  for (let k = 0; k < n; k++) {
    const t = performance.now();
    const r = await detector.detect(bytes);
    ms.push(performance.now() - t);
    faces = r.faces.length;
    label = r.group?.label ?? '-';
  }
  return { p50: quantile(ms, 0.5), p95: quantile(ms, 0.95), faces, label };
}

const single = await time(oneFace, runs);
const rssMB = process.memoryUsage().rss / 1e6;
console.log(`detector ${detectorKind}, model ${detector.modelVersion}, ${runs} runs, load average ${os.loadavg()[0]!.toFixed(1)}`);
console.log('photo                        faces  group      p50 ms   p95 ms');
console.log(`one face 1280x960 JPEG     ${String(single.faces).padStart(7)}  ${single.label.padEnd(9)} ${single.p50.toFixed(1).padStart(8)} ${single.p95.toFixed(1).padStart(8)}`);
for (const file of multi) {
  const r = await time(new Uint8Array(readFileSync(file)), Math.max(5, Math.round(runs / 4)));
  console.log(`${path.basename(file).padEnd(26)} ${String(r.faces).padStart(7)}  ${r.label.padEnd(9)} ${r.p50.toFixed(1).padStart(8)} ${r.p95.toFixed(1).padStart(8)}`);
}
const landscape = (await nonFaceImages()).find((image) => image.name.startsWith('landscape'))!;
const none = await time(landscape.bytes, Math.max(5, Math.round(runs / 4)));
console.log(`${'no face (landscape 640x480)'.padEnd(26)} ${String(none.faces).padStart(7)}  ${none.label.padEnd(9)} ${none.p50.toFixed(1).padStart(8)} ${none.p95.toFixed(1).padStart(8)}`);
console.log(JSON.stringify({ p50ms: Number(single.p50.toFixed(1)), p95ms: Number(single.p95.toFixed(1)), rssMB: Math.round(rssMB), faces: single.faces, runs }));
