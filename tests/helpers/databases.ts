/**
 * Fresh databases for tests: a temporary SQLite file, and a new PostgreSQL
 * database on the local server (dropped afterwards). PostgreSQL is required in
 * CI; elsewhere set MOODREEL_TEST_PG=off to skip the PostgreSQL half.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/infra/db/database.js';

export const PG_ADMIN_URL = process.env.MOODREEL_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
export const pgEnabled = process.env.MOODREEL_TEST_PG !== 'off';

export interface TestDatabase {
  readonly database: Database;
  readonly url: string;
  dispose(): Promise<void>;
}

export async function sqliteDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moodreel-test-'));
  const url = `file:${path.join(dir, 'test.db')}`;
  const database = await openDatabase(url);
  return { database, url, dispose: async () => { await database.close(); rmSync(dir, { recursive: true, force: true }); } };
}

export async function postgresDatabase(): Promise<TestDatabase> {
  const name = `moodreel_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = PG_ADMIN_URL.replace(/\/[^/?]+(\?|$)/, `/${name}$1`);
  const database = await openDatabase(url);
  return {
    database,
    url,
    dispose: async () => {
      await database.close();
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** The providers to run a storage suite against. */
export const providers: { name: string; open: () => Promise<TestDatabase> }[] = [
  { name: 'sqlite', open: sqliteDatabase },
  ...(pgEnabled ? [{ name: 'postgres', open: postgresDatabase }] : []),
];
