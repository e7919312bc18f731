/**
 * Writes prisma/<provider>/schema.prisma from prisma/models.prisma and generates
 * a Prisma client for each provider. `--if-needed` (postinstall) skips a
 * provider whose client was generated from the same schema text.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROVIDERS, ROOT, clientDir, hashOf, schemaFor, schemaPath } from './schemas.js';

const ifNeeded = process.argv.includes('--if-needed');
const prismaBin = path.join(ROOT, 'node_modules', '.bin', 'prisma');

for (const provider of PROVIDERS) {
  const schema = schemaFor(provider);
  const file = schemaPath(provider);
  mkdirSync(path.dirname(file), { recursive: true });
  if (!existsSync(file) || readFileSync(file, 'utf8') !== schema) writeFileSync(file, schema);
  const stamp = path.join(clientDir(provider), '.schema-hash');
  if (ifNeeded && existsSync(stamp) && readFileSync(stamp, 'utf8') === hashOf(schema)) continue;
  execFileSync(prismaBin, ['generate', '--schema', file], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    // Without a DATABASE_URL to resolve, the CLI falls back to fetching a native engine (offline: fails).
    env: {
      ...process.env,
      DATABASE_URL: provider === 'sqlite' ? 'file:./unused.db' : 'postgresql://127.0.0.1:5432/unused',
      PRISMA_TOOL_PROVIDER: provider,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      CHECKPOINT_DISABLE: '1',
    },
  });
  writeFileSync(stamp, hashOf(schema));
}
