/**
 * Creates the next migration for both providers from the change in
 * prisma/models.prisma, offline: `prisma migrate diff` between the schema as of
 * the last migration (a snapshot kept beside the migrations) and the new one.
 * Usage: npm run db:make-migration -- <name>
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROVIDERS, ROOT, migrationsDir, schemaFor } from './schemas.js';

const name = (process.argv[2] ?? '').replace(/[^a-z0-9_]+/gi, '_').toLowerCase();
if (!name) {
  console.error('usage: npm run db:make-migration -- <name>');
  process.exit(2);
}
const prismaBin = path.join(ROOT, 'node_modules', '.bin', 'prisma');

for (const provider of PROVIDERS) {
  const dir = migrationsDir(provider);
  mkdirSync(dir, { recursive: true });
  const snapshot = path.join(dir, 'schema.snapshot.prisma');
  const next = path.join(dir, 'schema.next.prisma');
  writeFileSync(next, schemaFor(provider));
  const from = existsSync(snapshot) ? ['--from-schema-datamodel', snapshot] : ['--from-empty'];
  const sql = execFileSync(prismaBin, ['migrate', 'diff', ...from, '--to-schema-datamodel', next, '--script'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PRISMA_TOOL_PROVIDER: provider, DATABASE_URL: provider === 'sqlite' ? 'file:unused.db' : 'postgresql://unused' },
  });
  if (!/\b(CREATE|ALTER|DROP)\b/.test(sql)) {
    console.log(`${provider}: no change`);
    execFileSync('rm', ['-f', next]);
    continue;
  }
  const count = readdirSync(dir).filter((f) => /^\d{4}_/.test(f)).length;
  const folder = path.join(dir, `${String(count + 1).padStart(4, '0')}_${name}`);
  mkdirSync(folder);
  writeFileSync(path.join(folder, 'migration.sql'), sql);
  execFileSync('mv', [next, snapshot]);
  console.log(`${provider}: wrote ${path.relative(ROOT, folder)}/migration.sql`);
}
