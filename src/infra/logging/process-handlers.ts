/**
 * The process-level handlers (uncaughtException, unhandledRejection). They
 * never log their own logging failures: an error of a stream that is gone
 * (EPIPE on a closed stderr or stdout) is not logged at all, a failure inside
 * the handler is swallowed, and a handler running inside itself returns at
 * once. A storm of one error is thinned by the logger's storm limiter.
 */
import type { Logger } from '../../core/ports.js';
import { isStreamGoneError } from './log-stream-guard.js';

/** One handler: logs `error` under `message` unless that could only fail or loop. Never throws. */
export function crashReporter(logger: Logger, message: string): (error: unknown) => void {
  let inside = false;
  return (error) => {
    if (inside || isStreamGoneError(error)) return;
    inside = true;
    try {
      logger.error({ err: error }, message);
    } catch {
      // Nowhere left to say it.
    } finally {
      inside = false;
    }
  };
}

export function installProcessHandlers(logger: Logger): () => void {
  const onRejection = crashReporter(logger, 'unhandled rejection');
  const onException = crashReporter(logger, 'uncaught exception');
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
