import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { MOODS, toDistribution } from '../../../src/core/mood/mood-space.js';
import type { FaceMood } from '../../../src/core/ports.js';
import { initTfjs } from '../../../src/infra/ml/tfjs.js';
import {
  createFaceMoodDetector,
  expressionsToMood,
  groupMood,
  padWithMean,
  suppressOverlaps,
  type FaceMoodAnalyser,
} from '../../../src/infra/mood/face-mood.detector.js';
import { closeUpCrops, nonFaceImages } from '../../../scripts/lib/face-closeups.js';
import { DATA_DIR } from '../../helpers/data.js';

const SAMPLES = ['angry.jpg', 'angry_cropped.jpg', 'disgusted.jpg', 'fearful.jpg', 'happy.jpg', 'neutral.jpg', 'sad.jpg', 'surprised.jpg', 'surprised_cropped.jpg'];
const sample = (name: string) => new Uint8Array(readFileSync(path.join(DATA_DIR, 'faces', 'samples', name)));
const demo = (name: string) =>
  new Uint8Array(readFileSync(path.join(path.dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo', name)));

const expressions = (p: Partial<Record<'angry' | 'disgust' | 'fear' | 'happy' | 'sad' | 'surprise' | 'neutral', number>>) => ({
  angry: 0, disgust: 0, fear: 0, happy: 0, sad: 0, surprise: 0, neutral: 0, ...p,
});

describe('expressionsToMood and groupMood', () => {
  it('given a sure disgusted face, reads anger with love at 0', () => {
    const mood = expressionsToMood(expressions({ disgust: 0.9, angry: 0.1 }), 1);
    expect(mood.label).toBe('anger');
    expect(mood.distribution.anger).toBeCloseTo(1);
    expect(mood.distribution.love).toBe(0);
    expect(mood.source).toBe('face');
  });

  it('given a uniform expression distribution, gives confidence near 0; a sure one scales with the detection score', () => {
    const uniform = expressionsToMood(expressions({ angry: 1, disgust: 1, fear: 1, happy: 1, sad: 1, surprise: 1, neutral: 1 }), 1);
    expect(uniform.confidence).toBeLessThan(1e-6);
    const sure = expressionsToMood(expressions({ happy: 1 }), 0.8);
    expect(sure.label).toBe('joy');
    expect(sure.confidence).toBeCloseTo(0.8);
  });

  it('given faces of different sizes, weights the group mood by box area', () => {
    const face = (side: number, label: 'joy' | 'sadness'): FaceMood => ({
      box: { x: 0, y: 0, width: side, height: side },
      detection: 1,
      mood: { label, distribution: toDistribution({ [label]: 1 }), confidence: 1, source: 'face' },
    });
    const group = groupMood([face(30, 'joy'), face(10, 'sadness')])!;
    expect(group.label).toBe('joy');
    expect(group.distribution.joy).toBeCloseTo(0.9);
    expect(groupMood([])).toBeNull();
  });
});

describe('suppressOverlaps', () => {
  it('given two boxes on one face and one elsewhere, keeps the better-scoring box of the pair', () => {
    const kept = suppressOverlaps([
      { x: 0, y: 0, width: 100, height: 100, score: 0.5 },
      { x: 10, y: 20, width: 90, height: 90, score: 0.7 },
      { x: 300, y: 0, width: 80, height: 80, score: 0.45 },
    ]);
    expect(kept.map((b) => b.score)).toEqual([0.7, 0.45]);
  });
});

describe('padWithMean', () => {
  it('given a two-colour image, adds a border of its mean colour and keeps the pixels inside', async () => {
    const t = await initTfjs();
    const image = t.tensor3d([10, 20, 30, 30, 40, 50], [1, 2, 3], 'int32');
    const padded = padWithMean(t, image, 2);
    expect(padded.shape).toEqual([5, 6, 3]);
    expect(padded.dtype).toBe('int32');
    const values = (await padded.array()) as number[][][];
    expect(values[0]![0]).toEqual([20, 30, 40]);
    expect(values[2]!.slice(2, 4)).toEqual([[10, 20, 30], [30, 40, 50]]);
    t.dispose([image, padded]);
  });
});

describe('createFaceMoodDetector', () => {
  let detector: FaceMoodAnalyser;
  beforeAll(async () => {
    detector = await createFaceMoodDetector();
  });

  it('given the happy sample photo, finds one face whose mood is joy', async () => {
    const result = await detector.detect(sample('happy.jpg'));
    expect(result.faces).toHaveLength(1);
    expect(result.faces[0]!.mood.label).toBe('joy');
    expect(result.group?.label).toBe('joy');
    expect(result.faces[0]!.mood.confidence).toBeGreaterThan(0.3);
    expect([result.imageWidth, result.imageHeight]).toEqual([500, 282]);
    const sum = MOODS.reduce((s, m) => s + result.faces[0]!.mood.distribution[m], 0);
    expect(sum).toBeCloseTo(1);
  });

  it('given the sad and surprised samples, reads sadness and surprise', async () => {
    expect((await detector.detect(sample('sad.jpg'))).group?.label).toBe('sadness');
    expect((await detector.detect(sample('surprised.jpg'))).group?.label).toBe('surprise');
  });

  it('given a plain gradient image, finds no face and no group mood', async () => {
    const ramp = Buffer.alloc(320 * 240 * 3);
    for (let i = 0; i < ramp.length; i++) ramp[i] = Math.floor((((i / 3) % 320) / 320) * 255);
    const jpeg = await sharp(ramp, { raw: { width: 320, height: 240, channels: 3 } }).jpeg().toBuffer();
    const result = await detector.detect(jpeg);
    expect(result.faces).toEqual([]);
    expect(result.group).toBeNull();
  });

  it('given a photo of three people, returns several faces largest first and a group mood', async () => {
    const result = await detector.detect(demo('sample1.jpg'));
    expect(result.faces.length).toBeGreaterThanOrEqual(2);
    const areas = result.faces.map((f) => f.box.width * f.box.height);
    expect([...areas].sort((a, b) => b - a)).toEqual(areas);
    expect(result.group).not.toBeNull();
    for (const [i, f] of result.faces.entries()) {
      for (const g of result.faces.slice(i + 1)) {
        const cx = g.box.x + g.box.width / 2;
        const cy = g.box.y + g.box.height / 2;
        const centreInside = cx > f.box.x && cx < f.box.x + f.box.width && cy > f.box.y && cy < f.box.y + f.box.height;
        expect(centreInside).toBe(false); // one box per face
      }
      expect(f.box.x + f.box.width).toBeLessThanOrEqual(result.imageWidth);
      expect(f.box.y + f.box.height).toBeLessThanOrEqual(result.imageHeight);
    }
  });

  it('given a photo stored sideways with an EXIF orientation, finds the face in original-image coordinates', async () => {
    // Stored rotated 90 degrees counter-clockwise; orientation 6 asks viewers to turn it back.
    const sideways = await sharp(sample('happy.jpg')).rotate(-90).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const result = await detector.detect(sideways);
    expect([result.imageWidth, result.imageHeight]).toEqual([500, 282]);
    expect(result.faces).toHaveLength(1);
    expect(result.faces[0]!.mood.label).toBe('joy');
    const box = result.faces[0]!.box;
    expect(box.x + box.width / 2).toBeGreaterThan(250); // the face sits right of centre in happy.jpg
  });

  it('given a truncated photo, refuses with image_unreadable', async () => {
    const bytes = sample('happy.jpg');
    const error = await detector.detect(bytes.subarray(0, bytes.length >> 1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('image_unreadable');
  });
});

describe('close-up selfies and photos without a face', () => {
  let detector: FaceMoodAnalyser;
  beforeAll(async () => {
    detector = await createFaceMoodDetector();
  });

  it('given crops of the face samples where the face fills 80-100% of the frame, finds the face in every one and reads the full photo\'s mood', async () => {
    const misses: string[] = [];
    const wrongMood: string[] = [];
    let crops = 0;
    for (const name of SAMPLES) {
      const photo = sample(name);
      const full = await detector.detect(photo);
      expect(full.faces.length, name).toBeGreaterThan(0);
      for (const crop of await closeUpCrops(photo, full.faces[0]!.box)) {
        crops += 1;
        const result = await detector.detect(crop.bytes);
        const top = result.faces[0];
        // The face, not a patch of it: the box spans most of the frame.
        if (!top || top.box.width < 0.5 * result.imageWidth) misses.push(`${name} ${crop.name}`);
        else if (top.mood.label !== full.faces[0]!.mood.label) wrongMood.push(`${name} ${crop.name}: ${top.mood.label}`);
      }
    }
    expect(crops).toBeGreaterThanOrEqual(60);
    expect(misses).toEqual([]);
    expect(wrongMood.length, wrongMood.join('; ')).toBeLessThanOrEqual(Math.floor(crops * 0.1));
  }, 120_000);

  it('given a close-up, maps the box of a padded detection pass back onto the photo', async () => {
    const photo = sample('happy.jpg');
    const plain = (await detector.detect(photo)).faces[0]!.box;
    const paddedOnly = await createFaceMoodDetector({ tinyPasses: [{ inputSize: 416, pad: 0.5 }] });
    const padded = (await paddedOnly.detect(photo)).faces[0]!.box;
    const overlap =
      Math.max(0, Math.min(plain.x + plain.width, padded.x + padded.width) - Math.max(plain.x, padded.x)) *
      Math.max(0, Math.min(plain.y + plain.height, padded.y + padded.height) - Math.max(plain.y, padded.y));
    expect(overlap / (plain.width * plain.height + padded.width * padded.height - overlap)).toBeGreaterThan(0.6);
  }, 60_000);

  it('given flat colours, gradients, noise, text, shapes, an object and a landscape, finds no face in any', async () => {
    const images = await nonFaceImages(42);
    expect(images.length).toBeGreaterThanOrEqual(19);
    const withFace: string[] = [];
    for (const image of images) {
      const result = await detector.detect(image.bytes);
      if (result.faces.length > 0 || result.group !== null) withFace.push(image.name);
    }
    expect(withFace).toEqual([]);
  }, 120_000);
});
