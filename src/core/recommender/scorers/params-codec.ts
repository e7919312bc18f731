/**
 * Typed arrays <-> base64 strings, so learned parameters fit in plain JSON
 * (ScorerParams.data) and round-trip bit for bit. Little-endian, as every
 * platform MoodReel runs on. External ids travel as float64 so any safe
 * integer id (database ids included) survives.
 */
type Typed = Float32Array<ArrayBuffer> | Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer>;

function encode(arr: Float32Array | Float64Array | Int32Array): string {
  return Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength).toString('base64');
}

function decode<T extends Typed>(text: string, make: (n: number) => T, width: number): T {
  const bytes = Buffer.from(text, 'base64');
  const out = make(bytes.byteLength / width);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export const encodeF32 = (arr: Float32Array): string => encode(arr);
export const decodeF32 = (text: string): Float32Array<ArrayBuffer> => decode(text, (n) => new Float32Array(n), 4);
export const encodeF64 = (arr: Float64Array): string => encode(arr);
export const decodeF64 = (text: string): Float64Array<ArrayBuffer> => decode(text, (n) => new Float64Array(n), 8);
export const encodeI32 = (arr: Int32Array): string => encode(arr);
export const decodeI32 = (text: string): Int32Array<ArrayBuffer> => decode(text, (n) => new Int32Array(n), 4);

/** External ids (users, movies) as base64 float64. */
export const encodeIds = (ids: readonly number[]): string => encodeF64(Float64Array.from(ids));
export const decodeIds = (text: string): number[] => Array.from(decodeF64(text));

/**
 * Checks a params blob is what a scorer expects before it is loaded; a
 * mismatch is a deployment bug (wrong file, old format), so it throws.
 */
export function expectParams(params: { kind: string; version: number }, kind: string, version: number): void {
  if (params.kind !== kind) throw new Error(`expected ${kind} params, got ${params.kind}`);
  if (params.version !== version) throw new Error(`${kind} params version ${params.version} is not supported (expected ${version})`);
}
