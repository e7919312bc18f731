/**
 * Applies the checked-in SQL migrations (prisma/migrations/<provider>/NNNN_name)
 * in order, once each, recording them in `_moodreel_migrations`. Prisma's own
 * `migrate deploy` cannot run here: its WebAssembly engine fails on PostgreSQL
 * (prisma#27403) and its native engine cannot be downloaded offline.
 * On PostgreSQL an advisory lock makes concurrent starts safe.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

export type Provider = 'sqlite' | 'postgres';

export interface Migration {
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export function loadMigrations(dir: string): Migration[] {
  if (!existsSync(dir)) throw new Error(`No migrations folder at ${dir}`);
  return readdirSync(dir)
    .filter((f) => /^\d{4}_/.test(f))
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const TABLE = '_moodreel_migrations';
const LOCK_KEY = 727_001; // arbitrary, stable advisory-lock key for migrations

/** Applies pending migrations to a SQLite file; returns the names applied. */
export function migrateSqlite(file: string, migrations: readonly Migration[]): string[] {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.exec(`CREATE TABLE IF NOT EXISTS ${TABLE} (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`);
    const applied = new Map(
      (db.prepare(`SELECT name, checksum FROM ${TABLE}`).all() as { name: string; checksum: string }[]).map((r) => [r.name, r.checksum]),
    );
    const done: string[] = [];
    for (const m of migrations) {
      if (checkApplied(applied, m)) continue;
      db.transaction(() => {
        db.exec(m.sql);
        db.prepare(`INSERT INTO ${TABLE} (name, checksum, applied_at) VALUES (?, ?, ?)`).run(m.name, m.checksum, new Date().toISOString());
      })();
      done.push(m.name);
    }
    return done;
  } finally {
    db.close();
  }
}

/** Applies pending migrations to PostgreSQL under an advisory lock; returns the names applied. */
export async function migratePostgres(url: string, migrations: readonly Migration[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`);
    const rows = (await client.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM ${TABLE}`)).rows;
    const applied = new Map(rows.map((r) => [r.name, r.checksum]));
    const done: string[] = [];
    for (const m of migrations) {
      if (checkApplied(applied, m)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query(`INSERT INTO ${TABLE} (name, checksum, applied_at) VALUES ($1, $2, now())`, [m.name, m.checksum]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${m.name} failed: ${(error as Error).message}`, { cause: error });
      }
      done.push(m.name);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

function checkApplied(applied: ReadonlyMap<string, string>, m: Migration): boolean {
  const checksum = applied.get(m.name);
  if (checksum === undefined) return false;
  if (checksum !== m.checksum) {
    throw new Error(`Migration ${m.name} was changed after it was applied. Add a new migration instead (npm run db:make-migration).`);
  }
  return true;
}
