/**
 * The dependency rule (domain-driven-hexagon's .dependency-cruiser.js, as a
 * test): the core imports no platform, database or ML library and nothing from
 * adapters or infra; adapters never import infra.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const importsOf = (file: string) =>
  [...readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);

const FORBIDDEN_IN_CORE = [/^discord\.js/, /^telegraf/, /^@prisma\//, /generated\//, /^@tensorflow\//, /^@huggingface\//, /^@vladmandic\//, /^sharp$/, /^pg$/, /^better-sqlite3$/, /^node:fs/, /^fs$/, /^node-cron$/, /^pino$/];

describe('dependency rule', () => {
  it('given any file in src/core, imports no platform, database or ML library, nor adapters or infra', () => {
    const violations: string[] = [];
    for (const file of files('src/core')) {
      for (const spec of importsOf(file)) {
        const resolved = spec.startsWith('.') ? path.relative('src', path.resolve(path.dirname(file), spec)) : spec;
        if (FORBIDDEN_IN_CORE.some((re) => re.test(spec)) || /^(bots|infra|adapters)\//.test(resolved)) violations.push(`${file} -> ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('given any platform adapter, imports no infra module', () => {
    const violations: string[] = [];
    for (const file of files('src/bots')) {
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const resolved = path.relative('src', path.resolve(path.dirname(file), spec));
        if (resolved.startsWith('infra/')) violations.push(`${file} -> ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
