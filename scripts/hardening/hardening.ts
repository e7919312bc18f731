/**
 * The hardening run: bad input, load, faults and a privacy audit against a
 * real MoodReel (tests/helpers/app.ts on a temporary SQLite database; a fresh
 * PostgreSQL database for the parts that need one). `npm run test:hardening`
 * calls it through run.ts; tests/hardening/hardening.test.ts runs a short
 * version. Sections are independent: one that throws is reported as failed and
 * the rest still run.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { DATA_DIR, startTestApp } from '../../tests/helpers/app.js';
import { Markers, scratchDir, type Context, type HardeningOptions, type SectionName } from './context.js';
import { buildImageCorpus, loadFaces, type ImageCase } from './fixtures/images.js';
import { installProcessGuard } from './lib/guard.js';
import { MemoryLog, divertStderrLogs } from './lib/logs.js';
import { postgresApp, seededPostgres } from './lib/pg.js';
import { Report } from './lib/report.js';
import { Rng } from './lib/rng.js';
import { apiFaults } from './sections/api-faults.js';
import { databaseDown } from './sections/db-down.js';
import { fuzzCore } from './sections/fuzz-core.js';
import { fuzzTelegram } from './sections/fuzz-telegram.js';
import { killDuringRatings } from './sections/kill.js';
import { lifecycle } from './sections/lifecycle.js';
import { multiInstance } from './sections/multi.js';
import { privacyAudit } from './sections/privacy.js';
import { retrainFaults } from './sections/retrain.js';
import { soak } from './sections/soak.js';

export type { HardeningOptions, SectionName } from './context.js';
export { SECTIONS } from './context.js';

/** Runs the chosen sections; never throws for a section's failure (it becomes a FAILED row). */
export async function runHardening(options: HardeningOptions): Promise<Report> {
  const report = new Report();
  const guard = installProcessGuard();
  const appLog = new MemoryLog();
  const restoreStderr = divertStderrLogs(appLog);
  const runStartedAt = Date.now();
  const has = (s: SectionName) => options.sections.has(s);
  const scratchDirs: string[] = [];
  let ctx: Context | null = null;
  const timed = async (name: string, work: () => Promise<void>) => {
    const started = performance.now();
    options.progress(`> ${name}`);
    try {
      await work();
    } catch (error) {
      report.check(name, 'section ran to the end', '-', false, `threw: ${error instanceof Error ? (error.stack ?? error.message).split('\n').slice(0, 3).join(' / ') : String(error)}`.slice(0, 400));
    }
    options.progress(`  ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  try {
    options.progress('> starting MoodReel on a temporary SQLite database');
    // Retraining gets 0.6 s, so the retraining fault can watch a real run time out (scheduled retraining is off).
    const sqlite = await startTestApp({ LOG_LEVEL: 'info', MOODREEL_RETRAIN_TIMEOUT_MIN: '0.01' });
    const pristineDir = scratchDir({ scratchDirs }, 'pristine');
    const pristineDb = path.join(pristineDir, 'app.db');
    await sqlite.app.database.db.$executeRawUnsafe(`VACUUM INTO '${pristineDb.replace(/'/g, "''")}'`);
    const faces = await loadFaces(path.join(DATA_DIR, 'faces', 'samples'));
    let images: Promise<ImageCase[]> | undefined;
    ctx = {
      options,
      report,
      guard,
      appLog,
      rng: new Rng(options.seed),
      sqlite,
      pristineDb,
      faces,
      images: () => (images ??= buildImageCorpus(faces, new Rng(options.seed + 1))),
      markers: new Markers(),
      scratchDirs,
      logTexts: [],
      sentImages: [],
      tokens: [],
    };
    const c = ctx;
    const fuzzCoreCount = Math.round(options.fuzz * 0.6);
    if (has('fuzz-core')) await timed('fuzz core', () => fuzzCore(c, fuzzCoreCount));
    if (has('fuzz-telegram')) await timed('fuzz telegram', () => fuzzTelegram(c, options.fuzz - fuzzCoreCount));
    if (has('soak')) await timed('soak', () => soak(c, { users: options.users, seconds: options.soakSeconds }));
    if (has('kill')) await timed('fault: kill -9', () => killDuringRatings(c));
    if (has('lifecycle')) await timed('lifecycle', () => lifecycle(c));

    // The PostgreSQL parts; the 429/5xx and retraining faults (SQLite) run while the parties there wait for their deadline.
    let sqliteFaultsRan = false;
    const sqliteFaults = async () => {
      sqliteFaultsRan = true;
      if (has('api-faults')) await timed('fault: Bot API 429/5xx', () => apiFaults(c));
      if (has('retrain')) await timed('fault: retraining', () => retrainFaults(c));
    };
    if (options.pg && (has('multi') || has('db-down'))) {
      await timed('PostgreSQL', async () => {
        options.progress('  seeding a fresh PostgreSQL database');
        const pgdb = await seededPostgres(c);
        let parent: Awaited<ReturnType<typeof postgresApp>> | null = null;
        try {
          parent = await postgresApp(pgdb.url, scratchDir(c, 'pg-models'));
          const p = parent;
          c.logTexts.push(() => p.log.text());
          await Promise.all([has('multi') ? timed('two instances', () => multiInstance(c, pgdb, p)) : Promise.resolve(), sqliteFaults()]);
          if (has('db-down')) await timed('fault: database down', () => databaseDown(c, pgdb, p.app, p.log));
        } finally {
          await parent?.app.close().catch(() => undefined);
          await pgdb.dispose();
        }
      });
    } else {
      for (const s of ['multi', 'db-down'] as const) if (has(s)) report.skip(s === 'multi' ? 'two instances (PostgreSQL)' : 'fault: database down', 'PostgreSQL', 'MOODREEL_TEST_PG=off or --pg off');
    }
    // Also when PostgreSQL could not be set up.
    if (!sqliteFaultsRan) await sqliteFaults();
    if (has('privacy')) await timed('privacy', () => privacyAudit(c, runStartedAt));
  } catch (error) {
    report.check('run', 'MoodReel started', 'startTestApp on SQLite', false, `threw: ${error instanceof Error ? error.message : String(error)}`.slice(0, 400));
  } finally {
    await ctx?.sqlite.dispose().catch(() => undefined);
    restoreStderr();
    // Late rejections of the last section still count, then the handlers go.
    await new Promise((resolve) => setTimeout(resolve, 200));
    report.counters.crashes += guard.count;
    report.check('run', 'no crash, no unhandled rejection', 'process handlers', guard.count === 0, guard.count === 0 ? 'none' : guard.unhandled.slice(0, 3).map((u) => `${u.kind}: ${u.message}`).join(' | '));
    guard.uninstall();
    for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
  }
  return report;
}
