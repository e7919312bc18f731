/**
 * Log capture: a writable stream that keeps every pino line in memory (to
 * count errors and to search for tokens and message texts), and a hook that
 * diverts the app's own pino lines from stderr into such a stream.
 */
import { Writable } from 'node:stream';

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly raw: string;
  readonly fields: Record<string, unknown>;
}

/** pino's numeric levels. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

export class MemoryLog extends Writable {
  private readonly chunks: string[] = [];
  private partial = '';
  readonly lines: LogLine[] = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.take(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    callback();
  }

  /** Accepts text written directly (the stderr hook). */
  take(text: string): void {
    this.chunks.push(text);
    const all = this.partial + text;
    const parts = all.split('\n');
    this.partial = parts.pop() ?? '';
    for (const raw of parts) {
      if (!raw.trim()) continue;
      try {
        const fields = JSON.parse(raw) as Record<string, unknown>;
        this.lines.push({ level: Number(fields.level ?? 0), msg: String(fields.msg ?? ''), raw, fields });
      } catch {
        this.lines.push({ level: 0, msg: raw, raw, fields: {} });
      }
    }
  }

  /** Everything written so far, as one string (for searching secrets and texts). */
  text(): string {
    return this.chunks.join('');
  }

  atLeast(level: number, from = 0): LogLine[] {
    return this.lines.slice(from).filter((l) => l.level >= level);
  }

  get length(): number {
    return this.lines.length;
  }
}

/** A short description of an error log line: message, module, and the error's message if any. */
export const describeLogLine = (line: LogLine): string => {
  const err = line.fields.err as { message?: string; type?: string } | undefined;
  const where = [line.fields.module, line.fields.event].filter(Boolean).join('/');
  return `${where ? `${where}: ` : ''}${line.msg}${err?.message ? ` (${err.type ?? 'Error'}: ${String(err.message).split('\n')[0]!.slice(0, 200)})` : ''}`;
};

/**
 * Diverts pino JSON lines written to process.stderr (the app's logger writes
 * there) into `into`; anything else still reaches the terminal. Returns undo.
 */
export function divertStderrLogs(into: MemoryLog): () => void {
  const original = process.stderr.write.bind(process.stderr);
  const patched = (chunk: unknown, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
    if (text.startsWith('{"level":')) {
      into.take(text);
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }
    return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
  };
  process.stderr.write = patched as typeof process.stderr.write;
  return () => {
    process.stderr.write = original as typeof process.stderr.write;
  };
}
