/**
 * Worker-thread entry for photo mood: face detection and the expression model run
 * here, so their 40-100 ms of synchronous TensorFlow.js work per photo never blocks
 * the event loop that answers text turns and buttons. Started by face-worker.detector.ts;
 * receives decoded pixels (transferred, never copied to disk) and posts back the
 * faces with their FER expressions.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isUserError } from '../../core/errors.js';
import type { DecodedImage } from '../media/image-decode.js';
import { createFaceMoodDetector, type FaceMoodAnalyser, type FaceMoodDetectorOptions } from './face-mood.detector.js';
import type { FaceWorkerReply, FaceWorkerRequest } from './face-worker.detector.js';

const port = parentPort;
if (port === null) throw new Error('face.worker.ts must run in a worker thread');
const options = workerData as FaceMoodDetectorOptions;
// This thread keeps the process's priority. At a lower one (nice 10) any other busy process on
// the machine took the core from it: under one spinning process the bots benchmark's photo
// p95 went from about 0.3 s to 3.5 s (issue 12). Photos are what the user is waiting for.

let loading: Promise<FaceMoodAnalyser> | null = null;
const analyser = (): Promise<FaceMoodAnalyser> => {
  loading ??= createFaceMoodDetector(options).catch((error: unknown) => {
    loading = null; // a missing model may be restored; the next photo tries again
    throw error;
  });
  return loading;
};

// Load the models now: the first photo should not wait for them.
analyser().then(
  () => port.postMessage({ id: 0, loaded: true } satisfies FaceWorkerReply),
  (error: unknown) => port.postMessage({ id: 0, error: { message: error instanceof Error ? error.message : String(error) } } satisfies FaceWorkerReply),
);

// One photo at a time: tfjs runs synchronously anyway, and the queue stays visible to the caller.
let chain: Promise<void> = Promise.resolve();
port.on('message', (request: FaceWorkerRequest) => {
  chain = chain.then(async () => {
    let reply: FaceWorkerReply;
    try {
      const image: DecodedImage = { ...request.image, data: new Uint8Array(request.image.data) };
      reply = { id: request.id, analysis: await (await analyser()).analyseDecoded(image) };
    } catch (error) {
      reply = {
        id: request.id,
        error: isUserError(error)
          ? { message: error.message, code: error.code, details: error.details }
          : { message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? (error.stack ?? '') : '' },
      };
    }
    port.postMessage(reply);
  });
});
