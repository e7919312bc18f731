/**
 * Child-process entry of a text retrain: builds the candidate in its own process, at a
 * lower CPU priority, so the bots keep answering. A child, not a worker thread: ONNX
 * Runtime's Node binding keeps process-wide state tied to the first thread that loads
 * it, and a second thread (the serving detector is the first) aborts the whole process
 * ("Entering the V8 API without proper locking"). Started by buildCandidateInChild
 * (text-retrain.job.ts); receives its input over IPC (never argv: it holds sentences).
 */
import { setPriority } from 'node:os';
import { buildCandidate, type CandidateInput } from './text-retrain.candidate.js';
import type { CandidateChildMessage } from './text-retrain.job.js';

if (!process.send) throw new Error('text-retrain.child.ts must run as a forked child process');
try {
  setPriority(10);
} catch {
  // not permitted here: run at the inherited priority
}
const post = (message: CandidateChildMessage): void => {
  process.send!(message, undefined, {}, () => process.exit(0));
};

// The parent gone (crashed, killed): stop rather than burn the cores for a result nobody reads.
process.once('disconnect', () => process.exit(1));

process.once('message', (input: CandidateInput) => {
  buildCandidate(input).then(
    (result) => post({ type: 'done', result }),
    (error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      post({ type: 'error', message: e.message, stack: e.stack ?? '' });
    },
  );
});
