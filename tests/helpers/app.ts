/**
 * A real MoodReel app on a temporary SQLite database over the real catalogue
 * (MOODREEL_DATA_DIR, default ../shared/data), for end-to-end tests. Scheduled
 * retraining is off; everything else is what `npm start` builds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createApp, type App } from '../../src/app.js';
import type { Clock } from '../../src/core/ports.js';
import { createLogger } from '../../src/infra/logging/logger.js';

import { DATA_DIR } from './data.js';

export { DATA_DIR };

export interface TestApp {
  readonly app: App;
  readonly dir: string;
  dispose(): Promise<void>;
}

/** Builds the app; `env` overrides settings. The first build imports the catalogue (~10 s). */
export async function startTestApp(env: Record<string, string> = {}, clock?: Clock): Promise<TestApp> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moodreel-app-'));
  const config = loadConfig({
    DATABASE_URL: `file:${path.join(dir, 'app.db')}`,
    MOODREEL_DATA_DIR: DATA_DIR,
    MOODREEL_MODELS_DIR: path.join(dir, 'models'),
    MOODREEL_RETRAIN_CRON: 'off',
    MOODREEL_TRAIN_ON_START: 'false',
    MOODREEL_PHOTO_COOLDOWN_S: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const app = await createApp(config, createLogger(config.LOG_LEVEL), clock ? { clock } : {});
  return {
    app,
    dir,
    async dispose() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A clock tests can move forward (watch-party deadlines). */
export class TestClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
