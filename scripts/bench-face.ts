/**
 * `npm run bench:face`: JPEG bytes to mood, for a one-face 1280x960 photo (a
 * sample face placed on a 1280x960 canvas, encoded in memory) and for the
 * multi-face demo photos shipped with face-api. Prints a table, then one JSON
 * line with the one-face figures: {"p50ms","p95ms","rssMB"}.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { createStockFaceMoodDetector } from '../src/infra/mood/stock-face.detector.js';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 0) || 40;
const dataDir = process.env.MOODREEL_DATA_DIR ?? path.resolve('..', 'shared', 'data');

const face = await sharp(readFileSync(path.join(dataDir, 'faces', 'samples', 'happy.jpg'))).resize({ height: 600 }).toBuffer();
const oneFace = new Uint8Array(
  await sharp({ create: { width: 1280, height: 960, channels: 3, background: { r: 200, g: 190, b: 180 } } })
    .composite([{ input: face, left: 400, top: 180 }])
    .jpeg({ quality: 90 })
    .toBuffer(),
);
const demoDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');
const multi = ['sample1.jpg', 'sample2.jpg'].map((f) => path.join(demoDir, f)).filter(existsSync).map((f) => new Uint8Array(readFileSync(f)));

const detector = await createStockFaceMoodDetector({ maxBytes: 20e6, maxPixels: 60e6 });
await detector.detect(oneFace); // warm-up: WASM kernels and weights
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function time(bytes: Uint8Array, n: number) {
  const ms: number[] = [];
  let faces = 0;
  for (let k = 0; k < n; k++) {
    const t = performance.now();
    faces = (await detector.detect(bytes)).faces.length;
    ms.push(performance.now() - t);
  }
  return { p50: pct(ms, 50), p95: pct(ms, 95), faces };
}

const single = await time(oneFace, runs);
const rssMB = process.memoryUsage().rss / 1e6;
console.log('photo                      faces   p50 ms   p95 ms');
console.log(`one face 1280x960 JPEG   ${String(single.faces).padStart(7)} ${single.p50.toFixed(1).padStart(8)} ${single.p95.toFixed(1).padStart(8)}`);
for (const [k, bytes] of multi.entries()) {
  const r = await time(bytes, Math.max(5, Math.round(runs / 4)));
  console.log(`face-api demo sample${k + 1}    ${String(r.faces).padStart(7)} ${r.p50.toFixed(1).padStart(8)} ${r.p95.toFixed(1).padStart(8)}`);
}
console.log(JSON.stringify({ p50ms: Number(single.p50.toFixed(1)), p95ms: Number(single.p95.toFixed(1)), rssMB: Math.round(rssMB), faces: single.faces, runs }));
