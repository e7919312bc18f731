import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF, Reachability } from '../../../src/bots/shared/backoff.js';
import type { Logger } from '../../../src/core/ports.js';

const recorder = () => {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const logger: Logger = {
    debug: (fields, msg) => void lines.push({ level: 'debug', msg, fields }),
    info: (fields, msg) => void lines.push({ level: 'info', msg, fields }),
    warn: (fields, msg) => void lines.push({ level: 'warn', msg, fields }),
    error: (fields, msg) => void lines.push({ level: 'error', msg, fields }),
    child: () => logger,
  };
  return { logger, lines };
};

describe('back-off schedule', () => {
  it('given failures in a row, waits longer each time up to about a minute', () => {
    const waits = Array.from({ length: 40 }, (_, k) => backoffDelay(k + 1, DEFAULT_BACKOFF, () => 0));
    for (let k = 1; k < waits.length; k++) expect(waits[k]!).toBeGreaterThanOrEqual(waits[k - 1]!);
    expect(waits[0]).toBe(1250);
    expect(waits.at(-1)).toBe(60_000);
  });

  it('given jitter, shortens a wait by at most its share and never below the shortest pause', () => {
    for (const failures of [1, 5, 12, 30]) {
      const nominal = backoffDelay(failures, DEFAULT_BACKOFF, () => 0);
      const shortest = backoffDelay(failures, DEFAULT_BACKOFF, () => 1);
      expect(shortest).toBeGreaterThanOrEqual(Math.floor(nominal * 0.8));
      expect(shortest).toBeGreaterThanOrEqual(1000);
      expect(shortest).toBeLessThan(nominal);
    }
  });

  it('given a 30 s outage, the next attempt after the API returns is at most 8 s away, whatever the jitter', () => {
    for (const r of [0, 0.25, 0.5, 0.75, 1]) {
      let t = 0;
      let failures = 0;
      const attempts: number[] = [];
      while (t < 30_000) {
        failures++;
        t += backoffDelay(failures, DEFAULT_BACKOFF, () => r);
        attempts.push(t);
      }
      // The first attempt at or after 30 s.
      expect(attempts.at(-1)! - 30_000).toBeLessThanOrEqual(8_000);
      // Not hammered: about a dozen attempts in 30 s.
      expect(attempts.length).toBeLessThanOrEqual(15);
    }
  });
});

describe('reachability', () => {
  it('given an outage and a return, logs one warning and one info line, nothing in between', () => {
    let now = 0;
    const { logger, lines } = recorder();
    const reach = new Reachability('Bot API', logger, DEFAULT_BACKOFF, () => now, () => 0.5);
    reach.succeeded();
    for (let i = 0; i < 20; i++) {
      now += reach.failed('ECONNREFUSED');
    }
    expect(reach.lost).toBe(true);
    reach.succeeded();
    reach.succeeded();
    expect(lines.map((l) => `${l.level} ${l.fields.event}`)).toEqual(['warn api_unreachable', 'info api_reachable']);
    expect(lines[1]!.fields.attempts).toBe(20);
    expect(reach.lost).toBe(false);
    // The schedule starts over after a return.
    expect(reach.failed('ECONNRESET')).toBe(backoffDelay(1, DEFAULT_BACKOFF, () => 0.5));
  });
});
