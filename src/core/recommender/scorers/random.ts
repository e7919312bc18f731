/**
 * Seeded pseudo-random numbers for training, splitting and tests. Every
 * stochastic step in the recommender takes a seed so runs are reproducible.
 */

/** Mulberry32: a tiny, fast 32-bit generator; good enough for shuffles and inits. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle in place, driven by `rand`. */
export function shuffleInPlace<T extends { length: number; [k: number]: number }>(arr: T, rand: () => number): T {
  for (let k = arr.length - 1; k > 0; k--) {
    const j = Math.floor(rand() * (k + 1));
    const tmp = arr[k]!;
    arr[k] = arr[j]!;
    arr[j] = tmp;
  }
  return arr;
}

/** A shuffled 0..n-1 permutation. */
export function permutation(n: number, rand: () => number): Int32Array {
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) out[k] = k;
  return shuffleInPlace(out, rand);
}

/** Standard normal draws (Box-Muller) from a uniform generator. */
export function gaussian(rand: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = rand();
    const v = rand();
    const mag = Math.sqrt(-2 * Math.log(u));
    spare = mag * Math.sin(2 * Math.PI * v);
    return mag * Math.cos(2 * Math.PI * v);
  };
}
