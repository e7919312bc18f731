/**
 * How a face crop for the CNN is framed around the detector's box, so that a selfie's
 * face fills the 48x48 input the way FER2013's faces fill theirs.
 *
 * Measured, not guessed: FER crops are enlarged (48 -> 192 px, Lanczos) onto a canvas of
 * their mean grey (384 px), run through the shipped pipeline's detector, and the crop's
 * known square is compared with the detector's box after the tiny-to-SSD alignment the
 * pipeline applies (face-mood.detector.ts CROP_ALIGNMENT). The medians become the
 * manifest's cropScale and cropShiftY. `npm run eval:face -- <fer.csv.gz> --framing`
 * repeats the measurement.
 */
import sharp from 'sharp';
import { CROP_ALIGNMENT, type FaceMoodAnalyser } from '../../src/infra/mood/face-mood.detector.js';
import { median } from './face-data.js';
import { FER_SIZE } from './face-fer.js';

/**
 * The CNN's framing relative to the aligned tiny-detector box: crop side = cropScale x
 * the box's longer side, centre moved down by cropShiftY x the box's height.
 * Measured on 400 seeded crops of train.csv.gz (a face found in 365): 1.096 and 0.027, and
 * the crop centre 0.03 box widths right of the box centre, left as it is (flips average it out).
 */
export const CNN_FRAMING = { cropScale: 1.1, cropShiftY: 0.03 } as const;

const FACE = 192;
const CANVAS = 384;

export interface FramingMeasurement {
  readonly crops: number;
  readonly found: number;
  readonly cropScale: number;
  readonly cropShiftY: number;
  /** Horizontal offset of the crop's centre from the box's, in box widths (about 0 expected). */
  readonly shiftX: number;
}

/** Measures the framing on FER crops with the given analyser (the tiny detector). */
export async function measureFraming(analyser: FaceMoodAnalyser, crops: readonly Uint8Array[]): Promise<FramingMeasurement> {
  const align = CROP_ALIGNMENT.tiny;
  const scales: number[] = [];
  const shifts: number[] = [];
  const shiftsX: number[] = [];
  const at = (CANVAS - FACE) / 2;
  for (const pixels of crops) {
    const mean = Math.round(pixels.reduce((a, b) => a + b, 0) / pixels.length);
    const face = await sharp(Buffer.from(pixels), { raw: { width: FER_SIZE, height: FER_SIZE, channels: 1 } })
      .resize(FACE, FACE, { kernel: 'lanczos3' })
      .toColourspace('srgb')
      .png()
      .toBuffer();
    const photo = await sharp({ create: { width: CANVAS, height: CANVAS, channels: 3, background: { r: mean, g: mean, b: mean } } })
      .composite([{ input: face, left: at, top: at }])
      .png()
      .toBuffer();
    const box = (await analyser.analyse(new Uint8Array(photo))).faces[0]?.box;
    if (!box) continue;
    const side = Math.max(box.width, box.height) * align.scale;
    const alignedCy = box.y + box.height / 2 + align.shiftY * box.height;
    scales.push(FACE / side);
    shifts.push((at + FACE / 2 - alignedCy) / box.height / align.scale);
    shiftsX.push((at + FACE / 2 - (box.x + box.width / 2)) / box.width);
  }
  return { crops: crops.length, found: scales.length, cropScale: median(scales), cropShiftY: median(shifts), shiftX: median(shiftsX) };
}
