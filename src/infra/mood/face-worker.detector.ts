/**
 * FaceMoodDetector that runs the face models in a worker thread (face.worker.ts).
 *
 * The main thread only decodes (sharp works on libuv's pool, and the size, pixel and
 * format limits are checked there with their UserErrors) and hands the decoded pixels
 * to the worker by transfer. Detection and the expression net, 40-100 ms of
 * synchronous TensorFlow.js per photo, then run beside the event loop instead of on
 * it, so text turns and rating buttons are not held up behind photos.
 *
 * The worker starts with the first photo (most chats are text, and loading face-api
 * costs a few seconds). If it dies or a photo passes the time limit, the waiting
 * photos fail with an error, the worker is stopped, and the next photo starts a fresh one.
 */
import { Worker } from 'node:worker_threads';
import { UserError, type UserErrorCode } from '../../core/errors.js';
import type { FaceMoodDetector, FaceMoodResult, Logger } from '../../core/ports.js';
import { decodeImage, type DecodedImage } from '../media/image-decode.js';
import { workerEntry } from '../workers/worker-entry.js';
import { FACE_MOOD_DEFAULTS, toMoodResult, type FaceAnalysis, type FaceMoodDetectorOptions } from './face-mood.detector.js';

export interface FaceWorkerRequest {
  readonly id: number;
  readonly image: Omit<DecodedImage, 'data'> & { readonly data: ArrayBuffer };
}

/** id 0 is the worker's own report that its models have loaded (or failed to). */
export type FaceWorkerReply =
  | { readonly id: 0; readonly loaded: true }
  | { readonly id: number; readonly analysis: FaceAnalysis }
  | {
      readonly id: number;
      readonly error: { readonly message: string; readonly code?: UserErrorCode; readonly details?: Readonly<Record<string, unknown>>; readonly stack?: string };
    };

export interface FaceWorkerDetectorOptions {
  readonly modelDir: string;
  readonly maxBytes: number;
  readonly maxPixels: number;
  /** A photo still unanswered after this long stops the worker (default 30 s). */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
  /** Passed to the worker's createFaceMoodDetector (tests: another detector, weights folder). */
  readonly detector?: Omit<FaceMoodDetectorOptions, 'decode' | 'modelDir'>;
}

export interface FaceWorkerDetector extends FaceMoodDetector {
  /** Photos sent to the worker and not answered yet. */
  readonly pending: number;
  /** Starts the worker and loads the models now; resolves when they are loaded (rejects if they cannot be). */
  warmUp(): Promise<void>;
  close(): Promise<void>;
}

interface Waiting {
  resolve(analysis: FaceAnalysis): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export function createFaceWorkerDetector(options: FaceWorkerDetectorOptions): FaceWorkerDetector {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const waiting = new Map<number, Waiting>();
  let worker: Worker | null = null;
  let nextId = 1;
  let closed = false;
  let loaded: { promise: Promise<void>; resolve(): void; reject(error: Error): void } | null = null;

  const failAll = (error: Error) => {
    for (const [id, w] of waiting) {
      clearTimeout(w.timer);
      w.reject(error);
      waiting.delete(id);
    }
  };

  /** Ends the current worker: waiting photos and a pending warm-up fail with `reason`. */
  const stop = async (reason: Error): Promise<void> => {
    const current = worker;
    worker = null;
    loaded?.reject(reason);
    loaded = null;
    failAll(reason);
    if (current) await current.terminate();
  };

  const start = (): Worker => {
    const entry = workerEntry(import.meta.url, 'face.worker');
    const workerOptions: FaceMoodDetectorOptions = { ...options.detector, modelDir: options.modelDir };
    const started = new Worker(entry.target, { eval: entry.eval, workerData: workerOptions });
    let settle: { resolve(): void; reject(error: Error): void } = { resolve: () => undefined, reject: () => undefined };
    const promise = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    promise.catch(() => undefined);
    loaded = { promise, ...settle };
    started.on('message', (reply: FaceWorkerReply) => {
      if (reply.id === 0) {
        if ('error' in reply) loaded?.reject(new Error(`face models did not load: ${reply.error.message}`));
        else loaded?.resolve();
        return;
      }
      const w = waiting.get(reply.id);
      if (!w) return;
      waiting.delete(reply.id);
      clearTimeout(w.timer);
      if ('analysis' in reply) w.resolve(reply.analysis);
      else if ('error' in reply) {
        const { message, code, details, stack } = reply.error;
        w.reject(code ? new UserError(code, message, details) : Object.assign(new Error(`face worker: ${message}`), { workerStack: stack }));
      }
    });
    started.on('error', (error) => {
      if (worker !== started) return;
      options.logger?.error({ err: error }, 'face worker failed; the next photo starts a new one');
      void stop(new Error(`face worker failed: ${error.message}`));
    });
    started.on('exit', (code) => {
      if (worker !== started) return;
      options.logger?.warn({ code }, 'face worker exited; the next photo starts a new one');
      void stop(new Error(`face worker exited with code ${code}`));
    });
    // Waiting for photos should not keep a finished process alive.
    started.unref();
    return started;
  };

  const analyse = async (bytes: Uint8Array): Promise<FaceAnalysis> => {
    if (closed) throw new Error('face detector is closed');
    const decoded = await decodeImage(bytes, { maxBytes: options.maxBytes, maxPixels: options.maxPixels, maxSide: FACE_MOOD_DEFAULTS.maxSide });
    // Transfer a buffer of our own: sharp's output may share its ArrayBuffer with other data.
    const data = decoded.data.byteOffset === 0 && decoded.data.byteLength === decoded.data.buffer.byteLength
      ? (decoded.data.buffer as ArrayBuffer)
      : decoded.data.slice().buffer;
    worker ??= start();
    const target = worker;
    const id = nextId++;
    const request: FaceWorkerRequest = { id, image: { ...decoded, data } };
    return new Promise<FaceAnalysis>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (worker === target) {
          options.logger?.error({ timeoutMs, pending: waiting.size }, 'face worker did not answer in time; restarting it');
          void stop(new Error(`face analysis did not finish within ${timeoutMs} ms`));
        }
      }, timeoutMs);
      waiting.set(id, { resolve, reject, timer });
      target.ref();
      target.postMessage(request, [data]);
    }).finally(() => {
      if (waiting.size === 0) worker?.unref();
    });
  };

  return {
    get pending() {
      return waiting.size;
    },
    detect: async (bytes): Promise<FaceMoodResult> => toMoodResult(await analyse(bytes)),
    async warmUp() {
      if (closed) throw new Error('face detector is closed');
      worker ??= start();
      const target = worker;
      // An unref'd worker would let the process exit while this waits.
      target.ref();
      try {
        await loaded!.promise;
      } finally {
        if (waiting.size === 0) target.unref();
      }
    },
    async close() {
      closed = true;
      await stop(new Error('face detector is closed'));
    },
  };
}
