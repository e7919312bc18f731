/**
 * How to start a node:worker_threads worker from a module of this project, both as
 * compiled JavaScript and under tsx (how MoodReel runs).
 *
 * Compiled: the .js file beside the caller. Under tsx: a tiny eval'd ES module that
 * registers tsx's loader in the worker thread (tsx/esm/api `register`), then imports
 * the .ts entry; passing `--import tsx` in execArgv is not enough on Node 20, whose
 * workers ignore it for .ts files.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface WorkerEntry {
  readonly target: URL | string;
  readonly eval: boolean;
}

/** `callerUrl` is the caller's import.meta.url; `name` the worker file's name without extension. */
export function workerEntry(callerUrl: string, name: string): WorkerEntry {
  const typescript = callerUrl.endsWith('.ts');
  const entry = new URL(`./${name}${typescript ? '.ts' : '.js'}`, callerUrl);
  if (!typescript) return { target: entry, eval: false };
  // The ESM build of tsx's API (require.resolve would pick the CJS one, which cannot register here).
  const tsxDir = path.dirname(createRequire(callerUrl).resolve('tsx/package.json'));
  const api = pathToFileURL(path.join(tsxDir, 'dist', 'esm', 'api', 'index.mjs')).href;
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return { target: code, eval: true };
}
