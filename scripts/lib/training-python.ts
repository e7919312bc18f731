/**
 * The Python that the model trainers (text CNN, face CNN) run their PyTorch scripts with.
 * Training only: MoodReel itself runs on Node alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const REQUIREMENTS = path.resolve('scripts/python/requirements.txt');

/**
 * A Python with PyTorch for training: `python` if given, else the project's virtual
 * environment `.venv-train`, created on first use from scripts/python/requirements.txt
 * (pip takes the wheels from the configured index or local mirror; about 3 minutes).
 */
export function ensureTrainingPython(python?: string): string {
  if (python) return python;
  const venv = path.resolve('.venv-train');
  const bin = path.join(venv, 'bin', 'python');
  const ok = (): boolean => existsSync(bin) && spawnSync(bin, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
  if (ok()) return bin;
  console.log(`setting up the training environment in ${venv} (PyTorch CPU, once; a few minutes)`);
  const run = (cmd: string, args: string[]): void => {
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}). Training needs Python 3.9+ with venv and a pip index that has torch; or pass --python <a python with torch and numpy>.`);
  };
  if (!existsSync(bin)) run('python3', ['-m', 'venv', venv]);
  run(bin, ['-m', 'pip', 'install', '--quiet', '-r', REQUIREMENTS]);
  if (!ok()) throw new Error(`PyTorch still does not import in ${venv}`);
  return bin;
}
