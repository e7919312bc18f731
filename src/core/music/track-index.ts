/**
 * The song catalogue laid out for fast scoring: every track placed in the
 * plane once, features and categories in typed arrays, so one request scans
 * ~28k songs in a few milliseconds with no allocation per song.
 */
import type { TrackRecord } from './ports.js';
import { AUDIO_FEATURES, place, standardise, type PlaneModel } from './valence-arousal.js';

export const FEATURE_DIMS = AUDIO_FEATURES.length;

/** Cells per axis: ~2,300 cells, about a dozen songs each on the full catalogue. */
export const GRID = 48;

export interface PlaneGrid {
  readonly valenceMin: number;
  readonly valenceStep: number;
  readonly arousalMin: number;
  readonly arousalStep: number;
  /** GRID*GRID + 1 offsets into cellTracks; cell = valenceCell * GRID + arousalCell. */
  readonly cellStart: Int32Array;
  readonly cellTracks: Int32Array;
}

function buildGrid(valence: Float32Array, arousal: Float32Array): PlaneGrid {
  const n = valence.length;
  const range = (xs: Float32Array) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of xs) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    return n === 0 ? { lo: 0, step: 1 } : { lo, step: Math.max(1e-6, (hi - lo) / GRID) };
  };
  const v = range(valence);
  const a = range(arousal);
  const cellOf = new Int32Array(n);
  const counts = new Int32Array(GRID * GRID + 1);
  for (let i = 0; i < n; i++) {
    const cv = Math.min(GRID - 1, Math.floor((valence[i]! - v.lo) / v.step));
    const ca = Math.min(GRID - 1, Math.floor((arousal[i]! - a.lo) / a.step));
    cellOf[i] = cv * GRID + ca;
    counts[cellOf[i]! + 1]!++;
  }
  for (let c = 1; c < counts.length; c++) counts[c]! += counts[c - 1]!;
  const cellStart = Int32Array.from(counts);
  const fill = Int32Array.from(counts);
  const cellTracks = new Int32Array(n);
  for (let i = 0; i < n; i++) cellTracks[fill[cellOf[i]!]!++] = i;
  return { valenceMin: v.lo, valenceStep: v.step, arousalMin: a.lo, arousalStep: a.step, cellStart, cellTracks };
}

export class TrackIndex {
  readonly size: number;
  /** Sorted by id, so ties break the same way whatever order the store returns. */
  readonly tracks: readonly TrackRecord[];
  readonly valence: Float32Array;
  readonly arousal: Float32Array;
  /** Standardised features, FEATURE_DIMS per track (AUDIO_FEATURES order). */
  readonly features: Float32Array;
  /** Popularity / 100. */
  readonly popularity: Float32Array;
  readonly genre: Int32Array;
  readonly genres: readonly string[];
  readonly subgenre: Int32Array;
  readonly subgenres: readonly string[];
  readonly artist: Int32Array;
  readonly artistCount: number;
  /**
   * A grid over the plane (GRID × GRID cells spanning the songs' range), the
   * songs of each cell listed together: cellStart[c]..cellStart[c+1] in
   * cellTracks. The ranking visits only cells near the target.
   */
  readonly grid: PlaneGrid;
  private readonly byId: ReadonlyMap<string, number>;

  private constructor(tracks: readonly TrackRecord[], plane: PlaneModel) {
    const sorted = [...tracks].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const n = sorted.length;
    this.size = n;
    this.tracks = sorted;
    this.valence = new Float32Array(n);
    this.arousal = new Float32Array(n);
    this.features = new Float32Array(n * FEATURE_DIMS);
    this.popularity = new Float32Array(n);
    this.genre = new Int32Array(n);
    this.subgenre = new Int32Array(n);
    this.artist = new Int32Array(n);
    const genres = new Map<string, number>();
    const subgenres = new Map<string, number>();
    const artists = new Map<string, number>();
    const code = (map: Map<string, number>, key: string) => {
      let c = map.get(key);
      if (c === undefined) map.set(key, (c = map.size));
      return c;
    };
    const z = new Float64Array(FEATURE_DIMS);
    sorted.forEach((t, i) => {
      const p = place(plane, t);
      this.valence[i] = p.valence;
      this.arousal[i] = p.arousal;
      standardise(plane, t, z);
      this.features.set(z, i * FEATURE_DIMS);
      this.popularity[i] = Math.min(100, Math.max(0, t.popularity)) / 100;
      this.genre[i] = code(genres, t.genre.toLowerCase());
      this.subgenre[i] = code(subgenres, (t.subgenre ?? '').toLowerCase());
      this.artist[i] = code(artists, t.artist.trim().toLowerCase());
    });
    this.genres = [...genres.keys()];
    this.subgenres = [...subgenres.keys()];
    this.artistCount = artists.size;
    this.byId = new Map(sorted.map((t, i) => [t.id, i]));
    this.grid = buildGrid(this.valence, this.arousal);
  }

  static build(tracks: readonly TrackRecord[], plane: PlaneModel): TrackIndex {
    return new TrackIndex(tracks, plane);
  }

  /** Position of a track id, or undefined for a song not in the catalogue. */
  indexOf(id: string): number | undefined {
    return this.byId.get(id);
  }
}
