/**
 * Prisma CLI configuration, for tooling only (client generation and offline SQL
 * diffs). The JS schema engine with a driver adapter avoids the native schema
 * engine download, which fails offline. PRISMA_TOOL_PROVIDER picks the
 * provider the CLI works on (scripts/db/*.ts set it). The app applies
 * migrations with its own migrator (src/infra/db/migrator.ts).
 */
import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

const provider = process.env.PRISMA_TOOL_PROVIDER === 'postgres' ? 'postgres' : 'sqlite';

export default defineConfig({
  experimental: { adapter: true },
  schema: path.join('prisma', provider, 'schema.prisma'),
  engine: 'js',
  // PostgreSQL diffs open a connection (to a scratch database is fine) though they read nothing from it.
  adapter: async () =>
    provider === 'postgres'
      ? new PrismaPg({ connectionString: process.env.PRISMA_TOOL_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test' })
      : new PrismaBetterSQLite3({ url: ':memory:' }),
});
