/**
 * Small dense linear algebra on Float64Arrays for fold-in and blending: the
 * systems are (k+1)x(k+1) with k around 64, so plain loops beat any library
 * call and keep the core free of native dependencies.
 */

/**
 * Solves `A x = b` for a symmetric positive definite `A` (row-major n x n) by
 * Cholesky, in place on copies. Ridge terms keep the systems here positive
 * definite; a non-positive pivot means a caller forgot them, so it throws.
 */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j]!;
      const ri = i * n;
      const rj = j * n;
      for (let k = 0; k < j; k++) sum -= l[ri + k]! * l[rj + k]!;
      if (i === j) {
        if (!(sum > 0)) throw new Error(`matrix is not positive definite (pivot ${i} = ${sum})`);
        l[ri + i] = Math.sqrt(sum);
      } else {
        l[ri + j] = sum / l[rj + j]!;
      }
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * n + k]! * y[k]!;
    y[i] = sum / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * x[k]!;
    x[i] = sum / l[i * n + i]!;
  }
  return x;
}

/**
 * Ridge regression `min ||X w - y||^2 + sum_j ridge[j] w_j^2` via the normal
 * equations. `rows` are feature vectors of length `d`.
 */
export function ridgeSolve(rows: readonly ArrayLike<number>[], y: ArrayLike<number>, ridge: ArrayLike<number>): Float64Array {
  const d = ridge.length;
  const a = new Float64Array(d * d);
  const b = new Float64Array(d);
  for (let r = 0; r < rows.length; r++) {
    const x = rows[r]!;
    const yr = y[r]!;
    for (let i = 0; i < d; i++) {
      const xi = x[i]!;
      b[i]! += xi * yr;
      const row = i * d;
      for (let j = 0; j <= i; j++) a[row + j]! += xi * x[j]!;
    }
  }
  for (let i = 0; i < d; i++) {
    a[i * d + i]! += ridge[i]!;
    for (let j = 0; j < i; j++) a[j * d + i] = a[i * d + j]!;
  }
  return choleskySolve(a, b, d);
}

/** dot(a[ai..ai+len), b[bi..bi+len)) with four accumulators (about 2x faster than a plain loop in V8). */
function dot(a: Float64Array, ai: number, b: Float64Array, bi: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[ai + k]! * b[bi + k]!;
    s1 += a[ai + k + 1]! * b[bi + k + 1]!;
    s2 += a[ai + k + 2]! * b[bi + k + 2]!;
    s3 += a[ai + k + 3]! * b[bi + k + 3]!;
  }
  for (; k < len; k++) s0 += a[ai + k]! * b[bi + k]!;
  return s0 + s1 + s2 + s3;
}

/**
 * Inverse of a symmetric positive definite n x n matrix (row-major), via
 * Cholesky: L = chol(A), L^-1 by forward substitution, A^-1 = L^-T L^-1.
 * About n^3 flops with contiguous inner loops; `a` is overwritten.
 */
export function spdInverse(a: Float64Array, n: number): Float64Array {
  // Cholesky in place: lower triangle of `a` becomes L.
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    const s = a[rj + j]! - dot(a, rj, a, rj, j);
    if (!(s > 0)) throw new Error(`matrix is not positive definite (pivot ${j} = ${s})`);
    const d = Math.sqrt(s);
    a[rj + j] = d;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      a[ri + j] = (a[ri + j]! - dot(a, ri, a, rj, j)) / d;
    }
  }
  // Row c of `lit` holds column c of L^-1 (zero before index c).
  const lit = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const rc = c * n;
    for (let i = c; i < n; i++) {
      const ri = i * n;
      lit[rc + i] = ((i === c ? 1 : 0) - dot(a, ri + c, lit, rc + c, i - c)) / a[ri + i]!;
    }
  }
  // (A^-1)_pq = sum_k Linv[k][p] Linv[k][q] = dot(lit row p, lit row q) over k >= max(p, q).
  const inv = new Float64Array(n * n);
  for (let p = 0; p < n; p++) {
    const rp = p * n;
    for (let q = 0; q <= p; q++) {
      const v = dot(lit, rp + p, lit, q * n + p, n - p);
      inv[rp + q] = v;
      inv[q * n + p] = v;
    }
  }
  return inv;
}
