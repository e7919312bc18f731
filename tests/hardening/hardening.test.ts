/**
 * A short hardening run, so CI exercises the harness (scripts/hardening/):
 * 100 fuzzed inputs through the core and the Telegram adapter, then the
 * privacy audit (disk, logs, webhook secret). No soak, no kill -9, no
 * PostgreSQL: `npm run test:hardening` runs those.
 */
import { describe, expect, it } from 'vitest';
import { runHardening } from '../../scripts/hardening/hardening.js';

describe('hardening harness, short run', () => {
  it('given 100 fuzzed inputs and a privacy audit, nothing crashes and every check holds', async () => {
    const report = await runHardening({
      seed: 7,
      fuzz: 100,
      soakSeconds: 5,
      users: 1,
      sections: new Set(['fuzz-core', 'fuzz-telegram', 'privacy']),
      pg: false,
      progress: () => undefined,
    });
    const summary = report.summary();
    const failed = report.checks.filter((c) => c.held === false).map((c) => `${c.section} / ${c.name}: ${c.detail}`);
    expect(failed).toEqual([]);
    expect(summary.crashes).toBe(0);
    expect(summary.inputsTried).toBeGreaterThanOrEqual(100);
  }, 300_000);
});
