/**
 * A log destination that can never throw or loop. When the stream under it
 * fails (EPIPE after the reader of a pipe exited, ENOSPC, a closed file), the
 * guard switches that stream off for good, swallows every later error of it,
 * and says so once through `onOff` (main.ts writes that line to another
 * channel if one is left). Without it, a broken stderr turned each failed write
 * into an uncaught exception whose handler logged it again, to the same pipe.
 */

export interface GuardedStream {
  /** pino's destination interface. Never throws; drops the line once the stream is off. */
  write(line: string): boolean;
  /** True once the stream failed or was closed. */
  readonly off: boolean;
  /** The error that switched the stream off. */
  readonly reason: Error | null;
}

export interface LogStreamGuardOptions {
  /** A name for the one report ("stderr", "log file"). */
  readonly name: string;
  /** Called once, when the stream goes off; its own failures are swallowed. A second guard of the same stream adds its reporter to the first. */
  readonly onOff?: (name: string, error: Error) => void;
}

type Stream = NodeJS.WritableStream & { destroyed?: boolean; writableEnded?: boolean };

/** True for the failures of a stream that will not take writes any more. */
export const isStreamGoneError = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ['EPIPE', 'ENOSPC', 'EBADF', 'ECONNRESET', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END', 'EIO'].includes(code);
};

/** One guard per stream: loggers sharing process.stderr share its on/off state and its one error listener. */
const guards = new WeakMap<NodeJS.WritableStream, { guard: GuardedStream; reporters: Set<(name: string, error: Error) => void> }>();

export function guardLogStream(stream: NodeJS.WritableStream, options: LogStreamGuardOptions): GuardedStream {
  const existing = guards.get(stream);
  if (existing) {
    if (options.onOff) existing.reporters.add(options.onOff);
    return existing.guard;
  }
  const reporters = new Set<(name: string, error: Error) => void>(options.onOff ? [options.onOff] : []);
  const guard = createGuard(stream, options.name, reporters);
  guards.set(stream, { guard, reporters });
  return guard;
}

function createGuard(stream: NodeJS.WritableStream, name: string, reporters: ReadonlySet<(name: string, error: Error) => void>): GuardedStream {
  const s = stream as Stream;
  let reason: Error | null = null;
  const switchOff = (error: unknown) => {
    if (reason) return;
    reason = error instanceof Error ? error : new Error(String(error));
    for (const report of reporters) {
      try {
        report(name, reason);
      } catch {
        // The report has nowhere else to go.
      }
    }
  };
  // Stays attached for good: later errors of a dead stream are expected and swallowed.
  s.on('error', switchOff);
  return {
    write(line: string): boolean {
      if (reason) return true;
      if (s.destroyed === true || s.writableEnded === true) {
        switchOff(Object.assign(new Error(`${name} is closed`), { code: 'ERR_STREAM_DESTROYED' }));
        return true;
      }
      try {
        return s.write(line);
      } catch (error) {
        switchOff(error);
        return true;
      }
    },
    get off() {
      return reason !== null;
    },
    get reason() {
      return reason;
    },
  };
}
