/** Worker for thread-priority.test.ts: lowers its own priority and reports the nice value. */
import { parentPort } from 'node:worker_threads';
import { lowerThreadPriority } from '../../../src/infra/workers/thread-priority.js';

parentPort!.postMessage(lowerThreadPriority(10));
