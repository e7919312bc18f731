/**
 * A fresh PostgreSQL database for the parts that need one (tests/helpers
 * databases.ts postgresDatabase()), seeded with the catalogue and the movie
 * emotion profiles of the SQLite app so a MoodReel on it starts without
 * recomputing them; and the admin statements that take it down and up.
 */
import pg from 'pg';
import { loadConfig, type Config } from '../../../src/config.js';
import { createApp, type App } from '../../../src/app.js';
import type { Logger } from '../../../src/core/ports.js';
import { importCatalog } from '../../../src/infra/catalog/catalog.importer.js';
import { createPrismaStores } from '../../../src/infra/db/prisma-stores.js';
import { createLogger } from '../../../src/infra/logging/logger.js';
import { DATA_DIR } from '../../../tests/helpers/app.js';
import { PG_ADMIN_URL, postgresDatabase, type TestDatabase } from '../../../tests/helpers/databases.js';
import type { Context } from '../context.js';
import { MemoryLog } from './logs.js';

export interface SeededPostgres {
  readonly test: TestDatabase;
  readonly url: string;
  readonly name: string;
  /** Runs SQL on the server as the admin (on the `test` database, not this one). */
  admin(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  /** Refuses new connections and ends the existing ones: the database is "down". */
  takeDown(): Promise<number>;
  bringUp(): Promise<void>;
  dispose(): Promise<void>;
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

export async function seededPostgres(ctx: Context): Promise<SeededPostgres> {
  const test = await postgresDatabase();
  await importCatalog(test.database, DATA_DIR, silent);
  const profiles = await ctx.sqlite.app.stores.catalog.emotionProfiles();
  await createPrismaStores(test.database).catalog.saveEmotionProfiles(profiles);
  const name = new URL(test.url).pathname.slice(1);
  const admin = async (sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL });
    await client.connect();
    try {
      return await client.query(sql, params);
    } finally {
      await client.end();
    }
  };
  return {
    test,
    url: test.url,
    name,
    admin,
    async takeDown() {
      await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      const ended = await admin('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      return ended.rowCount ?? 0;
    },
    async bringUp() {
      await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    },
    async dispose() {
      await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => undefined);
      await test.dispose();
    },
  };
}

/** The settings startTestApp uses, on another database URL. */
export const appConfig = (url: string, modelsDir: string, extra: Record<string, string> = {}): Config =>
  loadConfig({
    DATABASE_URL: url,
    MOODREEL_DATA_DIR: DATA_DIR,
    MOODREEL_MODELS_DIR: modelsDir,
    MOODREEL_RETRAIN_CRON: 'off',
    MOODREEL_TRAIN_ON_START: 'false',
    MOODREEL_PHOTO_COOLDOWN_S: '0',
    LOG_LEVEL: 'info',
    ...extra,
  });

/** A MoodReel app on PostgreSQL in this process, its logs kept in memory. */
export async function postgresApp(url: string, modelsDir: string): Promise<{ app: App; log: MemoryLog }> {
  const log = new MemoryLog();
  const config = appConfig(url, modelsDir);
  const app = await createApp(config, createLogger(config.LOG_LEVEL, log));
  return { app, log };
}
