/**
 * Opens MoodReel's database through Prisma with a driver adapter: a SQLite file
 * by default (WAL), PostgreSQL when the URL says so. Migrations are applied
 * first. Both generated clients share one data model, so the app types them as
 * one `Db`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as SqliteClient } from '../../generated/sqlite/index.js';
import { PrismaClient as PostgresClient } from '../../generated/postgres/index.js';
import { loadMigrations, migratePostgres, migrateSqlite, type Provider } from './migrator.js';

export type Db = SqliteClient;

export interface Database {
  readonly db: Db;
  readonly provider: Provider;
  close(): Promise<void>;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const migrationsFolder = (provider: Provider) => path.join(ROOT, 'prisma', 'migrations', provider);

export function providerOf(url: string): Provider {
  if (/^postgres(ql)?:\/\//i.test(url)) return 'postgres';
  if (/^file:/i.test(url)) return 'sqlite';
  throw new Error(`DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL); got "${url.split(':')[0]}:..."`);
}

/** Path of a SQLite file from a `file:` URL, relative paths resolved from the working directory. */
export function sqlitePath(url: string): string {
  const raw = url.replace(/^file:/i, '').split('?')[0]!;
  return raw === ':memory:' ? raw : path.resolve(raw);
}

/** Migrates, then connects. */
export async function openDatabase(url: string): Promise<Database> {
  const provider = providerOf(url);
  const migrations = loadMigrations(migrationsFolder(provider));
  if (provider === 'sqlite') {
    const file = sqlitePath(url);
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    migrateSqlite(file, migrations);
    const db = new SqliteClient({ adapter: new PrismaBetterSQLite3({ url: file }) });
    await db.$connect();
    // WAL is persistent in the file; these are per connection.
    await db.$queryRawUnsafe('PRAGMA busy_timeout = 5000');
    await db.$queryRawUnsafe('PRAGMA foreign_keys = ON');
    // Erased rows (/forget) are overwritten, not just unlinked.
    await db.$queryRawUnsafe('PRAGMA secure_delete = ON');
    return { db, provider, close: () => db.$disconnect() };
  }
  await migratePostgres(url, migrations);
  const client = new PostgresClient({ adapter: new PrismaPg({ connectionString: url }) });
  await client.$connect();
  const db = client as unknown as Db;
  return { db, provider, close: () => client.$disconnect() };
}

/**
 * True for errors that mean "the database cannot be reached right now" (server
 * down, connection dropped, pool exhausted, file locked) rather than a bug: the
 * conversation answers "temporarily unavailable" for these.
 */
export function isStorageUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let e: unknown = error;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const x = e as { code?: unknown; name?: unknown; message?: unknown; kind?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
    if (typeof x.code === 'string' && /^(P1001|P1002|P1008|P1017|P2024|P2037|ECONNREFUSED|ECONNRESET|ETIMEDOUT|57P01|57P03|53300|08006|08001|08003|SQLITE_BUSY|SQLITE_LOCKED)$/.test(x.code)) return true;
    if (x.name === 'PrismaClientInitializationError') return true;
    if (typeof x.kind === 'string' && /^(DatabaseNotReachable|ConnectionClosed|SocketTimeout|TooManyConnections|TransactionAlreadyClosed|DatabaseDoesNotExist|DatabaseAccessDenied)$/.test(x.kind)) return true;
    if (typeof x.message === 'string' && /ECONNREFUSED|Connection terminated|connection is closed|terminating connection|database system is (starting|shutting) up|Can't reach database|does not allow connections|not currently accepting connections|database is locked/i.test(x.message)) return true;
    e = x.meta?.driverAdapterError ?? x.cause;
  }
  return false;
}
