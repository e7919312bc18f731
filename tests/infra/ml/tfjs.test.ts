import { describe, expect, it } from 'vitest';
import { initTfjs } from '../../../src/infra/ml/tfjs.js';

describe('WASM Concat kernel', () => {
  it('given image planes joined along channels, matches an element-by-element reference', async () => {
    const tf = await initTfjs();
    const h = 20;
    const w = 17;
    const planes = [1, 2, 1].map((c, p) => tf.tensor4d(Array.from({ length: h * w * c }, (_, i) => p * 1000 + i), [1, h, w, c], 'float32'));
    const got = (await tf.concat(planes, 3).data()) as Float32Array;
    const values = await Promise.all(planes.map((t) => t.data()));
    const expected: number[] = [];
    for (let px = 0; px < h * w; px++) {
      expected.push(values[0]![px]!, values[1]![2 * px]!, values[1]![2 * px + 1]!, values[2]![px]!);
    }
    expect(Array.from(got)).toEqual(expected);
    expect(tf.concat(planes, 3).shape).toEqual([1, h, w, 4]);
  });

  it('given int32 and the other axes, gives the same as the stock kernel would', async () => {
    const tf = await initTfjs();
    const a = tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32');
    expect(tf.concat([a, a], 0).arraySync()).toEqual([[1, 2], [3, 4], [1, 2], [3, 4]]);
    expect(tf.concat([a, a], 1).arraySync()).toEqual([[1, 2, 1, 2], [3, 4, 3, 4]]);
    const rows = tf.tensor2d(Array.from({ length: 600 }, (_, i) => i), [300, 2], 'int32');
    const joined = tf.concat([rows, rows.add(1000)], 1);
    expect(joined.dtype).toBe('int32');
    expect((joined.arraySync() as number[][])[299]).toEqual([598, 599, 1598, 1599]);
  });
});
