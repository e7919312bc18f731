/**
 * Where the text scripts look for the emotion corpora when no --data is given: the
 * text-emotion folder of MOODREEL_DATA_DIR (the README's data setting), else ../shared/data.
 */
import path from 'node:path';

export function defaultTextDataDir(): string {
  // Scripts are developer tools run beside the app, not part of it, so they read this one setting directly.
  const base = process.env.MOODREEL_DATA_DIR ?? path.join('..', 'shared', 'data');
  return path.join(base, 'text-emotion');
}
