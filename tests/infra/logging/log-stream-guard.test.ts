import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { guardLogStream } from '../../../src/infra/logging/log-stream-guard.js';
import { createLogger } from '../../../src/infra/logging/logger.js';

/** A stream whose writes fail the way a pipe does once its reader has gone. */
class BrokenPipe extends Writable {
  writes = 0;
  override _write(_chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writes++;
    callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('log stream guard', () => {
  it('given a stream that fails with EPIPE, switches it off, reports once and swallows the rest', async () => {
    const stream = new BrokenPipe();
    const reports: string[] = [];
    const guard = guardLogStream(stream, { name: 'stderr', onOff: (name, error) => reports.push(`${name}: ${(error as NodeJS.ErrnoException).code}`) });
    guard.write('one\n');
    await tick();
    expect(guard.off).toBe(true);
    for (let i = 0; i < 100; i++) guard.write('more\n');
    await tick();
    expect(stream.writes).toBe(1);
    expect(reports).toEqual(['stderr: EPIPE']);
  });

  it('given a stream that throws on write, never lets the throw out', () => {
    const throwing = new PassThrough();
    throwing.write = () => {
      throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
    };
    const reports: Error[] = [];
    const guard = guardLogStream(throwing, { name: 'log file', onOff: (_name, error) => reports.push(error) });
    expect(() => guard.write('line\n')).not.toThrow();
    expect(() => guard.write('line\n')).not.toThrow();
    expect(reports.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['ENOSPC']);
  });

  it('given a closed stream, drops the line and reports it closed', () => {
    const closed = new PassThrough();
    closed.destroy();
    const reports: string[] = [];
    const guard = guardLogStream(closed, { name: 'log file', onOff: (name) => reports.push(name) });
    expect(guard.write('line\n')).toBe(true);
    expect(guard.off).toBe(true);
    expect(reports).toEqual(['log file']);
  });

  it('given a reporter that throws, still switches off quietly', async () => {
    const guard = guardLogStream(new BrokenPipe(), { name: 'stderr', onOff: () => { throw new Error('nowhere to report'); } });
    guard.write('x\n');
    await tick();
    expect(guard.off).toBe(true);
  });

  it('given two loggers on one stream, they share one guard and one error listener', async () => {
    const stream = new BrokenPipe();
    const reports: string[] = [];
    const a = createLogger('info', stream, { name: 'stderr', onOff: (name) => reports.push(`a ${name}`) });
    createLogger('info', stream, { name: 'stderr', onOff: (name) => reports.push(`b ${name}`) });
    expect(stream.listenerCount('error')).toBe(1);
    a.info({}, 'hello');
    await tick();
    a.error({ err: new Error('after') }, 'still quiet');
    await tick();
    expect(reports).toEqual(['a stderr', 'b stderr']);
  });
});
