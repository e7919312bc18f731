import { describe, expect, it } from 'vitest';
import { createShutdown, DUPLICATE_WINDOW_MS, stopWithin, type StopStep } from '../../src/lifecycle/shutdown.js';
import type { Logger } from '../../src/core/ports.js';

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const recorder = () => {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: (fields, msg) => void lines.push({ level: 'info', msg, fields }),
    warn: (fields, msg) => void lines.push({ level: 'warn', msg, fields }),
    error: (fields, msg) => void lines.push({ level: 'error', msg, fields }),
    child: () => logger,
  };
  return { logger, lines };
};

const step = (name: string, ms: number, log: string[], fail = false): StopStep => ({
  name,
  async stop(budgetMs) {
    log.push(`${name} start (budget ${budgetMs > 0 ? '>0' : '0'})`);
    await wait(ms);
    if (fail) throw new Error(`${name} broke`);
    log.push(`${name} done`);
  },
});

describe('stopWithin', () => {
  it('given steps that finish in time, runs them in order and reports nothing left', async () => {
    const log: string[] = [];
    const result = await stopWithin([step('adapters', 5, log), step('storage', 5, log)], 1000);
    expect(log).toEqual(['adapters start (budget >0)', 'adapters done', 'storage start (budget >0)', 'storage done']);
    expect(result.notStopped).toEqual([]);
    expect(result.failed).toEqual([]);
  });

  it('given a step that hangs, returns at the deadline naming it and every step after it', async () => {
    const log: string[] = [];
    const started = performance.now();
    const result = await stopWithin([step('telegram', 5, log), step('face worker', 10_000, log), step('storage', 5, log)], 100);
    const ms = performance.now() - started;
    expect(result.notStopped).toEqual(['face worker', 'storage']);
    expect(ms).toBeGreaterThanOrEqual(95);
    expect(ms).toBeLessThan(1000);
    expect(log).not.toContain('storage start (budget >0)');
  });

  it('given a step that throws, records it and still runs the next ones', async () => {
    const log: string[] = [];
    const result = await stopWithin([step('schedules', 1, log, true), step('storage', 1, log)], 1000);
    expect(result.failed.map((f) => f.name)).toEqual(['schedules']);
    expect(log).toContain('storage done');
  });

  it('gives each step what is left of the deadline', async () => {
    const budgets: number[] = [];
    const record = (name: string, ms: number): StopStep => ({
      name,
      async stop(budgetMs) {
        budgets.push(budgetMs);
        await wait(ms);
      },
    });
    await stopWithin([record('a', 60), record('b', 0)], 1000);
    expect(budgets[0]).toBeGreaterThan(990);
    expect(budgets[1]).toBeLessThan(950);
  });
});

describe('createShutdown', () => {
  it('given SIGTERM, stops everything and exits 0', async () => {
    const { logger } = recorder();
    const codes: number[] = [];
    const log: string[] = [];
    const shutdown = createShutdown({ steps: () => [step('telegram', 5, log)], deadlineMs: 1000, logger, exit: (code) => codes.push(code) });
    shutdown.onSignal('SIGTERM');
    await shutdown.run(0, 'again');
    expect(codes).toEqual([0]);
    expect(log).toEqual(['telegram start (budget >0)', 'telegram done']);
  });

  it('given a part that does not stop, logs one line naming it and exits 1', async () => {
    const { logger, lines } = recorder();
    const codes: number[] = [];
    const shutdown = createShutdown({ steps: () => [step('discord', 10_000, [])], deadlineMs: 50, logger, exit: (code) => codes.push(code) });
    await shutdown.run(0, 'SIGTERM');
    expect(codes).toEqual([1]);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toContain('not stopped: discord');
  });

  it('given a second signal, exits at once; a copy of the first within the window is ignored', async () => {
    const { logger } = recorder();
    let now = 0;
    const codes: number[] = [];
    const shutdown = createShutdown({ steps: () => [step('telegram', 10_000, [])], deadlineMs: 20_000, logger, exit: (code) => codes.push(code), now: () => now });
    shutdown.onSignal('SIGTERM');
    now = DUPLICATE_WINDOW_MS - 1;
    shutdown.onSignal('SIGTERM');
    expect(codes).toEqual([]);
    now = DUPLICATE_WINDOW_MS + 500;
    shutdown.onSignal('SIGINT');
    expect(codes).toEqual([130]);
  });

  it('given a part added after the shutdown was set up, stops it too', async () => {
    const { logger } = recorder();
    const log: string[] = [];
    const steps: StopStep[] = [];
    const shutdown = createShutdown({ steps: () => steps, deadlineMs: 1000, logger, exit: () => undefined });
    steps.push(step('late adapter', 1, log));
    await shutdown.run(0, 'input ended');
    expect(log).toContain('late adapter done');
  });
});
