/**
 * TensorFlow.js on the WebAssembly backend, loaded from node_modules (no CDN).
 * tfjs-node cannot install offline and the pure-JS cpu backend is 30x slower,
 * so every model in MoodReel runs here. The WASM backend lacks a few gradient
 * kernels; the replacements live in this module so every trainer shares them.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

let ready: Promise<typeof tf> | null = null;

/** Directory holding tfjs-backend-wasm's .wasm files, as a file:// URL with a trailing slash. */
export function wasmDirectory(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@tensorflow/tfjs-backend-wasm');
  // entry is .../tfjs-backend-wasm/dist/tf-backend-wasm.node.js; the .wasm files sit beside it.
  return `${pathToFileURL(path.dirname(entry)).href}/`;
}

/** Initialises the WASM backend once; later calls return the same promise. */
export function initTfjs(): Promise<typeof tf> {
  ready ??= (async () => {
    const dir = wasmDirectory();
    const local = (file: string) => new URL(file, dir).pathname;
    setWasmPaths(
      {
        'tfjs-backend-wasm.wasm': local('tfjs-backend-wasm.wasm'),
        'tfjs-backend-wasm-simd.wasm': local('tfjs-backend-wasm-simd.wasm'),
        'tfjs-backend-wasm-threaded-simd.wasm': local('tfjs-backend-wasm-threaded-simd.wasm'),
      },
      // false: let Emscripten read the files itself (Node's fetch cannot open paths).
      false,
    );
    await tf.setBackend('wasm');
    await tf.ready();
    return tf;
  })();
  return ready;
}

/**
 * `tf.gather(table, indices)` along axis 0 with a gradient the WASM backend can run.
 * The stock gradient needs UnsortedSegmentSum, which WASM lacks; scatterND sums
 * duplicate indices the same way.
 */
export function gatherRows(table: tf.Tensor2D, indices: tf.Tensor1D): tf.Tensor2D {
  const op = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const t = inputs[0] as tf.Tensor2D;
    return {
      value: tf.gather(t, indices),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.scatterND(indices.reshape([-1, 1]), dy as tf.Tensor, t.shape),
    };
  });
  return op(table) as tf.Tensor2D;
}

export { tf };
