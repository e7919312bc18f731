import { describe, expect, it } from 'vitest';
import { crashReporter } from '../../../src/infra/logging/process-handlers.js';
import type { Logger } from '../../../src/core/ports.js';

const logger = (error: (fields: Record<string, unknown>, msg: string) => void): Logger => {
  const l: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error, child: () => l };
  return l;
};

describe('crash reporter', () => {
  it('given an ordinary uncaught error, logs it once', () => {
    const lines: string[] = [];
    crashReporter(logger((_f, msg) => void lines.push(msg)), 'uncaught exception')(new Error('boom'));
    expect(lines).toEqual(['uncaught exception']);
  });

  it('given the EPIPE of a closed stderr, does not try to log it', () => {
    const lines: string[] = [];
    const report = crashReporter(logger((_f, msg) => void lines.push(msg)), 'uncaught exception');
    report(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    report(Object.assign(new Error('Cannot call write after a stream was destroyed'), { code: 'ERR_STREAM_DESTROYED' }));
    expect(lines).toEqual([]);
  });

  it('given a logger that throws, swallows it', () => {
    const report = crashReporter(logger(() => { throw new Error('log write failed'); }), 'uncaught exception');
    expect(() => report(new Error('boom'))).not.toThrow();
  });

  it('given a logger that raises the same error while reporting, does not report it again inside itself', () => {
    let calls = 0;
    let report: (error: unknown) => void = () => undefined;
    report = crashReporter(logger(() => {
      calls++;
      report(new Error('raised while logging'));
    }), 'uncaught exception');
    report(new Error('boom'));
    expect(calls).toBe(1);
  });
});
