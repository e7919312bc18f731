import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { DEFAULT_CALIBRATION_FILE, loadMusicCalibration, saveMusicCalibration } from '../../../src/infra/music/music-calibration.loader.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'moodreel-regions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('music calibration file', () => {
  it('given the committed regions.json, loads it and it separates the four labels well above chance', () => {
    const cal = loadMusicCalibration(DEFAULT_CALIBRATION_FILE);
    expect(cal.report.songs).toBe(686);
    expect(cal.report.looAccuracy).toBeGreaterThan(0.6);
    expect(cal.regions.joy.centre.valence).toBeGreaterThan(cal.regions.sadness.centre.valence);
  });

  it('given a save and a load, round-trips byte for byte', () => {
    const cal = loadMusicCalibration(DEFAULT_CALIBRATION_FILE);
    const file = path.join(dir, 'regions.json');
    saveMusicCalibration(file, cal);
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(DEFAULT_CALIBRATION_FILE, 'utf8'));
  });

  it('given no file, says how to rebuild it', () => {
    const error = (() => {
      try {
        loadMusicCalibration(path.join(dir, 'missing.json'));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/eval:music -- .*--write/);
  });

  it('given a truncated file, fails naming the file', () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{"version":1,"plane":{}}');
    expect(() => loadMusicCalibration(file)).toThrow(/broken\.json: music calibration: plane/);
  });
});
