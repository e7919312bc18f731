/**
 * Places a song in Russell's valence-arousal plane from its Spotify audio
 * features, so moods and songs can be compared in one space.
 *
 * - Valence is Spotify's own `valence` (musical positiveness), standardised.
 * - Arousal is the first principal component of the standardised energy,
 *   tempo, loudness, danceability and acousticness, oriented so that energy
 *   counts positively, and standardised again. The component is fitted
 *   without labels (on the calibration set's features), so the mood labels
 *   are used only to place the regions and to measure how well they separate.
 *
 * Standardisation uses the calibration set's means and spreads, not the
 * catalogue's: "calm" then means absolutely calm, and a catalogue of mostly
 * loud playlist songs correctly lands mostly on the high-arousal side.
 */

export const AUDIO_FEATURES = ['valence', 'energy', 'tempo', 'loudness', 'danceability', 'acousticness'] as const;
export type AudioFeature = (typeof AUDIO_FEATURES)[number];
export type AudioFeatures = Readonly<Record<AudioFeature, number>>;

export const AROUSAL_FEATURES = ['energy', 'tempo', 'loudness', 'danceability', 'acousticness'] as const;
export type ArousalFeature = (typeof AROUSAL_FEATURES)[number];

/** Standardised values are clipped here, so a tempo of 0 (a detection failure) or a freak loudness cannot dominate. */
export const Z_CLIP = 4;

export interface PlaneModel {
  readonly means: Readonly<Record<AudioFeature, number>>;
  readonly sds: Readonly<Record<AudioFeature, number>>;
  /** Unit-length weights of the standardised arousal features (the first principal component). */
  readonly arousalWeights: Readonly<Record<ArousalFeature, number>>;
  /** Mean and spread of the raw component on the calibration set, to standardise arousal. */
  readonly arousalMean: number;
  readonly arousalSd: number;
  /** Share of the arousal features' variance the component explains. */
  readonly explainedVariance: number;
}

export interface PlanePoint {
  readonly valence: number;
  readonly arousal: number;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const sd = (xs: readonly number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2))) || 1;
};
const clip = (z: number) => (z > Z_CLIP ? Z_CLIP : z < -Z_CLIP ? -Z_CLIP : Number.isFinite(z) ? z : 0);

/** Standardised feature value, clipped to ±Z_CLIP. */
export const zOf = (plane: PlaneModel, feature: AudioFeature, value: number): number =>
  clip((value - plane.means[feature]) / plane.sds[feature]);

/** The song's standardised features in AUDIO_FEATURES order (the space the taste profile lives in). */
export function standardise(plane: PlaneModel, f: AudioFeatures, out: Float32Array | Float64Array = new Float64Array(AUDIO_FEATURES.length)): Float32Array | Float64Array {
  AUDIO_FEATURES.forEach((name, k) => {
    out[k] = zOf(plane, name, f[name]);
  });
  return out;
}

const rawArousal = (plane: PlaneModel, f: AudioFeatures) =>
  AROUSAL_FEATURES.reduce((sum, name) => sum + plane.arousalWeights[name] * zOf(plane, name, f[name]), 0);

/** Where a song sits in the plane. */
export function place(plane: PlaneModel, f: AudioFeatures): PlanePoint {
  return { valence: zOf(plane, 'valence', f.valence), arousal: (rawArousal(plane, f) - plane.arousalMean) / plane.arousalSd };
}

/**
 * Fits the plane on a set of songs: feature means and spreads, and the
 * arousal component by power iteration on the correlation matrix (started
 * from all-ones, so the result is deterministic).
 */
export function fitPlane(rows: readonly AudioFeatures[]): PlaneModel {
  if (rows.length < 10) throw new Error(`fitPlane needs at least 10 songs, got ${rows.length}`);
  const means = {} as Record<AudioFeature, number>;
  const sds = {} as Record<AudioFeature, number>;
  for (const name of AUDIO_FEATURES) {
    const xs = rows.map((r) => r[name]);
    means[name] = mean(xs);
    sds[name] = sd(xs);
  }
  const z = rows.map((r) => AROUSAL_FEATURES.map((name) => clip((r[name] - means[name]) / sds[name])));
  const d = AROUSAL_FEATURES.length;
  const cov = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => mean(z.map((row) => row[i]! * row[j]!))));
  let w = new Array<number>(d).fill(1 / Math.sqrt(d));
  let eigen = 0;
  for (let it = 0; it < 500; it++) {
    const next = cov.map((row) => row.reduce((s, c, j) => s + c * w[j]!, 0));
    const norm = Math.hypot(...next);
    const delta = next.reduce((s, x, k) => s + Math.abs(x / norm - w[k]!), 0);
    w = next.map((x) => x / norm);
    eigen = norm;
    if (delta < 1e-12) break;
  }
  if (w[0]! < 0) w = w.map((x) => -x); // energy up = arousal up
  const trace = cov.reduce((s, row, i) => s + row[i]!, 0);
  const arousalWeights = Object.fromEntries(AROUSAL_FEATURES.map((name, k) => [name, w[k]!])) as Record<ArousalFeature, number>;
  const partial = { means, sds, arousalWeights, arousalMean: 0, arousalSd: 1, explainedVariance: eigen / trace };
  const raw = rows.map((r) => rawArousal(partial, r));
  return { ...partial, arousalMean: mean(raw), arousalSd: sd(raw) };
}
