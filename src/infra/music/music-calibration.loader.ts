/**
 * Reads and writes the music calibration (models/music/regions.json): the
 * valence-arousal plane and the mood regions fitted on data_moods.csv by
 * `npm run eval:music -- --write`. A few dozen numbers, committed, so a
 * server needs no calibration data to run.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { parseCalibration, type MusicCalibration } from '../../core/music/mood-regions.js';

export const DEFAULT_CALIBRATION_FILE = 'models/music/regions.json';

export function loadMusicCalibration(file: string = DEFAULT_CALIBRATION_FILE): MusicCalibration {
  if (!existsSync(file)) {
    throw new UserError(
      'model_missing',
      `Music calibration not found at ${file}. Rebuild it with: npm run eval:music -- --data <data dir> --write ${file} (it needs music/data_moods.csv).`,
    );
  }
  try {
    return parseCalibration(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** Rounded to 6 decimals so reruns on the same data give the same file byte for byte. */
export function saveMusicCalibration(file: string, calibration: MusicCalibration): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const json = JSON.stringify(calibration, (_key, value: unknown) => (typeof value === 'number' ? Math.round(value * 1e6) / 1e6 : value), 2);
  writeFileSync(file, `${json}\n`);
}
