/**
 * Structured logs (pino) to stderr, so the terminal chat keeps stdout for the
 * conversation. Known secret fields are redacted; callers never pass message
 * text or image bytes.
 *
 * Two guards sit in front of pino's output: the destination is wrapped by
 * guardLogStream (a broken pipe or a full disk switches it off instead of
 * throwing), and warnings and errors pass a StormLimiter (the same line at
 * most once per STORM_INTERVAL_MS, with `repeated: n` for the ones left out).
 */
import pino from 'pino';
import type { Logger } from '../../core/ports.js';
import { guardLogStream, type GuardedStream } from './log-stream-guard.js';
import { StormLimiter } from './storm-limiter.js';

const REDACT = ['token', '*.token', 'secret', '*.secret', 'authorization', '*.authorization', 'headers.authorization'];

/** The same warning or error is written at most once per this interval. */
export const STORM_INTERVAL_MS = 10_000;
const WARN = 40;

export interface LoggerOptions {
  /** A name for the destination in the one line that reports it failed. */
  readonly name?: string;
  /** Called once when the destination fails for good (main.ts reports it on another channel). */
  readonly onOff?: (name: string, error: Error) => void;
  readonly stormIntervalMs?: number;
  readonly now?: () => number;
}

/** What makes two lines "the same" for the storm limiter: level, message, event, and the error's kind. */
const stormKey = (args: unknown[], level: number): string => {
  const [first, second] = args;
  const fields = typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : {};
  const msg = typeof first === 'string' ? first : typeof second === 'string' ? second : '';
  const err = (fields.err ?? (first instanceof Error ? first : undefined)) as { name?: unknown; code?: unknown; message?: unknown } | string | undefined;
  const errKey = typeof err === 'object' && err !== null ? `${String(err.name)}|${String(err.code)}|${String(err.message).slice(0, 200)}` : String(err ?? '');
  return `${level}|${msg}|${String(fields.event ?? '')}|${String(fields.method ?? '')}|${errKey}`;
};

/** The same call with `repeated: n` among its fields (pino's first argument is fields, an Error, or the message). */
const withRepeated = (args: unknown[], repeated: number): unknown[] => {
  const [first, ...rest] = args;
  if (first instanceof Error) return [{ err: first, repeated }, ...rest];
  if (typeof first === 'object' && first !== null) return [{ ...first, repeated }, ...rest];
  return [{ repeated }, ...args];
};

export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr, options: LoggerOptions = {}): Logger {
  const guarded: GuardedStream = guardLogStream(destination, { name: options.name ?? 'log stream', ...(options.onOff ? { onOff: options.onOff } : {}) });
  const limiter = new StormLimiter({ intervalMs: options.stormIntervalMs ?? STORM_INTERVAL_MS, ...(options.now ? { now: options.now } : {}) });
  const logger = pino(
    {
      level,
      redact: { paths: REDACT, censor: '[redacted]' },
      base: { app: 'moodreel' },
      hooks: {
        logMethod(args, method, lineLevel) {
          if (lineLevel < WARN) return method.apply(this, args);
          const repeated = limiter.admit(stormKey(args, lineLevel));
          if (repeated === null) return;
          return method.apply(this, (repeated > 0 ? withRepeated(args, repeated) : args) as Parameters<typeof method>);
        },
      },
    },
    guarded as unknown as pino.DestinationStream,
  );
  return logger as unknown as Logger;
}
