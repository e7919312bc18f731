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
    registerFastConcat();
    return tf;
  })();
  return ready;
}

/** The part of tfjs-backend-wasm's BackendWasm the Concat kernel below uses. */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(tensor: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * The WASM backend's Concat copies one `subarray` per input per outer index. Along the
 * channel axis of an image that is one tiny copy per pixel: face-api's input
 * normalisation concatenates three 1-channel planes of 320x320, 300k copies, measured
 * at 17 ms a call here against 2 ms with this kernel. This kernel copies element by
 * element when the inner runs are short and hands everything else (strings, long runs)
 * to the stock kernel, so results are identical.
 */
function registerFastConcat(): void {
  const stock = tf.getKernel('Concat', 'wasm');
  if (!stock || (stock as { fast?: boolean }).fast) return;
  const kernelFunc: tf.KernelFunc = (args) => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const backend = args.backend as unknown as WasmBackend;
    const first = inputs[0];
    if (!first || first.dtype === 'string' || first.dtype === 'complex64') return stock.kernelFunc(args);
    const axis = tf.util.parseAxisParam(args.attrs?.axis as number, first.shape)[0]!;
    const parts = inputs.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
    const inner = parts.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)));
    const outer = parts.length > 0 ? tf.util.sizeFromShape(parts[0]!.shape.slice(0, axis)) : 0;
    if (parts.length < 2 || Math.max(...inner) > 64 || outer < 256) return stock.kernelFunc(args);
    for (const t of parts) {
      if (t.dtype !== first.dtype || t.shape.length !== first.shape.length) return stock.kernelFunc(args);
    }
    const outShape = [...parts[0]!.shape];
    outShape[axis] = parts.reduce((sum, t) => sum + t.shape[axis]!, 0);
    const out = backend.makeOutput(outShape, first.dtype);
    const target = backend.typedArrayFromHeap(out);
    const sources = parts.map((t) => backend.typedArrayFromHeap(t));
    let o = 0;
    for (let b = 0; b < outer; b++) {
      for (let i = 0; i < sources.length; i++) {
        const source = sources[i]!;
        const n = inner[i]!;
        for (let j = b * n, end = j + n; j < end; j++) target[o++] = source[j]!;
      }
    }
    return out;
  };
  tf.unregisterKernel('Concat', 'wasm');
  tf.registerKernel({ ...stock, kernelFunc, fast: true } as tf.KernelConfig);
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
