import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StormLimiter } from '../../../src/infra/logging/storm-limiter.js';
import { createLogger } from '../../../src/infra/logging/logger.js';

class Lines extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _e: BufferEncoding, callback: () => void): void {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    callback();
  }
}

describe('storm limiter', () => {
  it('given the same key many times in one interval, admits the first and counts the rest on the next interval', () => {
    let now = 0;
    const limiter = new StormLimiter({ intervalMs: 1000, now: () => now });
    expect(limiter.admit('EPIPE')).toBe(0);
    for (let i = 0; i < 199; i++) expect(limiter.admit('EPIPE')).toBeNull();
    now = 999;
    expect(limiter.admit('EPIPE')).toBeNull();
    now = 1000;
    expect(limiter.admit('EPIPE')).toBe(200);
    now = 5000;
    expect(limiter.admit('EPIPE')).toBe(0);
  });

  it('given different keys, limits each on its own', () => {
    const limiter = new StormLimiter({ intervalMs: 1000, now: () => 0 });
    expect(limiter.admit('a')).toBe(0);
    expect(limiter.admit('b')).toBe(0);
    expect(limiter.admit('a')).toBeNull();
  });

  it('given more keys than it remembers, forgets the oldest', () => {
    const limiter = new StormLimiter({ intervalMs: 1000, now: () => 0, maxKeys: 2 });
    limiter.admit('a');
    limiter.admit('b');
    limiter.admit('c');
    expect(limiter.admit('a')).toBe(0);
    expect(limiter.admit('c')).toBeNull();
  });

  it('given a logger, writes a storm of one error once per interval with the count, and lets info through', () => {
    let now = 0;
    const out = new Lines();
    const logger = createLogger('info', out, { stormIntervalMs: 10_000, now: () => now });
    for (let i = 0; i < 50; i++) logger.error({ err: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), attempt: i }, 'poll failed');
    for (let i = 0; i < 3; i++) logger.info({ i }, 'turn answered');
    logger.error({ err: new Error('another') }, 'poll failed');
    now = 10_000;
    logger.error({ err: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }, 'poll failed');
    const failed = out.lines.filter((l) => l.msg === 'poll failed');
    expect(failed).toHaveLength(3);
    expect(failed[0]!.repeated).toBeUndefined();
    expect(failed[2]!.repeated).toBe(49);
    expect(out.lines.filter((l) => l.msg === 'turn answered')).toHaveLength(3);
  });

  it('given a storm logged with an Error or a bare message, still adds the count', () => {
    let now = 0;
    const out = new Lines();
    const logger = createLogger('info', out, { stormIntervalMs: 1_000, now: () => now }) as unknown as { warn(...args: unknown[]): void };
    for (let i = 0; i < 3; i++) logger.warn(new Error('EPIPE'), 'write failed');
    for (let i = 0; i < 3; i++) logger.warn('bare warning');
    now = 1_000;
    logger.warn(new Error('EPIPE'), 'write failed');
    logger.warn('bare warning');
    expect(out.lines.map((l) => [l.msg, l.repeated])).toEqual([['write failed', undefined], ['bare warning', undefined], ['write failed', 2], ['bare warning', 2]]);
    expect((out.lines[2]!.err as { message?: string }).message).toBe('EPIPE');
  });
});
