/**
 * Structured logs (pino) to stderr, so the terminal chat keeps stdout for the
 * conversation. Known secret fields are redacted; callers never pass message
 * text or image bytes.
 */
import pino from 'pino';
import type { Logger } from '../../core/ports.js';

const REDACT = ['token', '*.token', 'secret', '*.secret', 'authorization', '*.authorization', 'headers.authorization'];

export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { app: 'moodreel' } }, destination as pino.DestinationStream) as unknown as Logger;
}
