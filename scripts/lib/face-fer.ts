/**
 * Reader for FER2013 in its Kaggle CSV form (`emotion,pixels,Usage`, gzip or plain).
 * Every face script (evaluation, training) reads the data set through here, so the
 * class order and the 48x48 layout are written down once.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { UserError } from '../../src/core/errors.js';
import { access } from 'node:fs/promises';

/** FER2013 class order (emotion column 0..6); face-api's 7 expressions are the same classes. */
export const FER_CLASSES = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;
export type FerClass = (typeof FER_CLASSES)[number];

/** Side of a FER2013 crop in pixels. */
export const FER_SIZE = 48;

export interface FerRow {
  /** Index into FER_CLASSES. */
  readonly label: number;
  /** 48x48 grey values, row-major. */
  readonly pixels: Uint8Array;
  readonly usage: string;
}

/** True when a path looks like a FER2013 CSV file (by name). */
export const isFerCsv = (file: string): boolean => /\.csv(\.gz)?$/i.test(file);

/** Streams the rows of a FER2013 CSV file; stops after `limit` rows when given. */
export async function* readFer(file: string, limit = Infinity): AsyncGenerator<FerRow> {
  try {
    await access(file);
  } catch {
    throw new UserError('data_missing', `FER2013 file not found: ${file} (expected the Kaggle CSV, e.g. ../shared/data/faces/fer2013/train.csv.gz)`);
  }
  const raw = createReadStream(file);
  const input = file.toLowerCase().endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input, crlfDelay: Infinity });
  let header = true;
  let count = 0;
  try {
    for await (const line of lines) {
      if (header) {
        header = false;
        if (!/^emotion,pixels/i.test(line)) throw new UserError('data_missing', `${file} is not a FER2013 CSV (header ${line.slice(0, 40)})`);
        continue;
      }
      if (!line.trim()) continue;
      if (count >= limit) break;
      const [label, pixelText, usage] = line.split(',');
      const values = (pixelText ?? '').trim().split(' ');
      const emotion = Number(label);
      if (values.length !== FER_SIZE * FER_SIZE || !Number.isInteger(emotion) || emotion < 0 || emotion > 6) {
        throw new UserError('data_missing', `${file}: malformed row ${count + 2}`);
      }
      yield { label: emotion, pixels: Uint8Array.from(values, Number), usage: (usage ?? '').trim() };
      count += 1;
    }
  } finally {
    lines.close();
    raw.destroy();
  }
}

/** Reads a whole FER2013 file into memory (28k rows are about 66 MB of pixels). */
export async function loadFer(file: string, limit = Infinity): Promise<FerRow[]> {
  const rows: FerRow[] = [];
  for await (const row of readFer(file, limit)) rows.push(row);
  return rows;
}
