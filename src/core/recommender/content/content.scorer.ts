/**
 * Content-based scorer: a movie is a TF-IDF vector over what is known about it
 * (genres, MovieLens tags and TMDB keywords, overview words, directors, lead
 * actors, original language, decade); a user is the rating-weighted sum of the
 * vectors of what they rated, plus what they said they like. It scores movies no
 * one has rated yet and users who have only stated preferences, which is what
 * collaborative filtering cannot do.
 *
 * Profile:   p = sum_j (r_j - c_u) v_j  +  pref_weight * unit(stated preferences)
 *            c_u = (sum_j r_j + k * mu) / (n + k)   (the user's mean, shrunk to the global mean mu)
 * Score:     s(u, i) = clamp(c_u + slope * cos(p, v_i), 0.5, 5)
 * The slope maps cosine (in -1..1, in practice -0.3..0.5) onto rating points. It
 * is fitted in `train` by least squares through the origin of (r_ui - c_u) on the
 * exact leave-one-out cosine (the profile without the rating being predicted),
 * so the content score is a calibrated rating prediction the hybrid can blend.
 */
import type { Movie, Preferences } from '../../ports.js';
import type { Dataset } from '../dataset.js';
import type { ScoreQuery, Scorer, ScorerParams, TrainOptions } from '../scorer.js';
import { TfidfIndex, normaliseName, tokenize, type FieldedDocument } from './tfidf.js';
import { positionsOf } from '../scorers/history.js';

export const CONTENT_FIELDS = ['genre', 'keyword', 'word', 'director', 'actor', 'language', 'era'] as const;
export type ContentField = (typeof CONTENT_FIELDS)[number];

/**
 * Default block weights. Genres lead (they carry mood and taste most reliably and
 * every movie has them); keywords/tags are precise but sparse; overview words
 * are noisy; people and era are strong but narrow signals.
 */
export const DEFAULT_FIELD_WEIGHTS: Readonly<Record<ContentField, number>> = Object.freeze({
  genre: 1.0,
  keyword: 0.8,
  word: 0.6,
  director: 0.5,
  actor: 0.6,
  language: 0.3,
  era: 0.3,
});

export interface ContentScorerOptions {
  readonly fieldWeights?: Partial<Record<ContentField, number>>;
  /** Pseudo-ratings pulling the user's centre towards the global mean (default 3). */
  readonly shrinkage?: number;
  /**
   * Length of the stated-preference part of the profile, in the same units as a
   * rated movie's weight (r - c_u): 1.5 makes "I like comedies" count like one
   * movie rated 1.5 stars above the user's mean (default 1.5).
   */
  readonly preferenceWeight?: number;
}

/** A ScoreQuery that may also carry what the user said they like. */
export interface ContentQuery extends ScoreQuery {
  readonly preferences?: Pick<Preferences, 'likedGenres' | 'likedActors'> | null;
}

/** A user's profile in content space. */
export interface ContentProfile {
  readonly vector: Float64Array;
  readonly norm: number;
  /** The user's shrunk mean rating: the score of a movie orthogonal to the profile. */
  readonly centre: number;
}

interface ContentData {
  readonly globalMean: number;
  readonly slope: number;
  readonly shrinkage: number;
  readonly preferenceWeight: number;
  readonly fieldWeights: Record<ContentField, number>;
  /** Leave-one-out fit diagnostics (ratings used, rmse of centre-only vs centre+slope*cos). */
  readonly fit: { readonly ratings: number; readonly rmseCentre: number; readonly rmseContent: number } | null;
}

const PARAMS_KIND = 'content';
const PARAMS_VERSION = 1;
/** Before training: MovieLens' global mean and a modest slope, so preference-only use still ranks sensibly. */
const UNTRAINED_MEAN = 3.5;
const UNTRAINED_SLOPE = 2;

const clampRating = (x: number) => (x < 0.5 ? 0.5 : x > 5 ? 5 : x);

/** Splits a movie into the fielded terms the TF-IDF index uses. */
export function movieDocument(m: Movie): FieldedDocument<ContentField> {
  return {
    genre: m.genres.map((g) => g.toLowerCase()),
    keyword: [...m.tags, ...m.keywords].map(normaliseName),
    word: m.overview ? tokenize(m.overview) : [],
    director: m.directors.map(normaliseName),
    actor: m.actors.map(normaliseName),
    language: m.language ? [m.language.toLowerCase()] : [],
    era: m.year !== null ? [`${Math.floor(m.year / 10) * 10}s`] : [],
  };
}

export class ContentScorer implements Scorer {
  readonly name = 'content';
  private readonly movies: readonly Movie[];
  private readonly rowOf: Map<number, number>;
  private index: TfidfIndex<ContentField>;
  private data: ContentData;
  private scratchVector: Float64Array | null = null;
  private markVector: Uint8Array | null = null;

  /** `movies` is the catalogue: only these can be scored. */
  constructor(movies: readonly Movie[], options: ContentScorerOptions = {}) {
    this.movies = movies;
    this.rowOf = new Map(movies.map((m, k) => [m.id, k]));
    const fieldWeights = { ...DEFAULT_FIELD_WEIGHTS, ...options.fieldWeights };
    this.index = ContentScorer.buildIndex(movies, fieldWeights);
    this.data = {
      globalMean: UNTRAINED_MEAN,
      slope: UNTRAINED_SLOPE,
      shrinkage: options.shrinkage ?? 3,
      preferenceWeight: options.preferenceWeight ?? 1.5,
      fieldWeights,
      fit: null,
    };
  }

  private static buildIndex(movies: readonly Movie[], fieldWeights: Record<ContentField, number>): TfidfIndex<ContentField> {
    return TfidfIndex.build(movies.map(movieDocument), {
      fieldWeights,
      // A term seen in one movie only cannot relate two movies; it would only shrink the others' share.
      minDf: { word: 2, keyword: 2 },
      maxDfFraction: { word: 0.2 },
    });
  }

  /** The fitted cosine-to-rating slope and the leave-one-out fit figures. */
  get calibration(): Readonly<ContentData> {
    return this.data;
  }

  /** Fits the global mean and the cosine slope on `data` (exact leave-one-out; deterministic, no seed needed). */
  async train(data: Dataset, _options: TrainOptions): Promise<void> {
    const { globalMean, slope, fit } = this.fitSlope(data);
    this.data = { ...this.data, globalMean, slope, fit };
  }

  private fitSlope(data: Dataset): { globalMean: number; slope: number; fit: ContentData['fit'] } {
    const nRatings = data.size;
    if (nRatings === 0) return { globalMean: UNTRAINED_MEAN, slope: UNTRAINED_SLOPE, fit: null };
    let sum = 0;
    for (let k = 0; k < nRatings; k++) sum += data.r[k]!;
    const mu = sum / nRatings;
    const k0 = this.data.shrinkage;
    // Group ratings by user (counting sort over the dense user index).
    const nUsers = data.userIds.length;
    const start = new Int32Array(nUsers + 1);
    for (let k = 0; k < nRatings; k++) start[data.u[k]! + 1]!++;
    for (let u = 0; u < nUsers; u++) start[u + 1]! += start[u]!;
    const order = new Int32Array(nRatings);
    const fillAt = start.slice(0, nUsers);
    for (let k = 0; k < nRatings; k++) order[fillAt[data.u[k]!]!++] = k;
    const rowOfItem = Int32Array.from(data.itemIds, (id) => this.rowOf.get(id) ?? -1);

    const V = this.index.columns;
    const p = new Float64Array(V);
    const S = new Float64Array(V);
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    let used = 0;
    const rows: number[] = [];
    const rs: number[] = [];
    for (let u = 0; u < nUsers; u++) {
      rows.length = 0;
      rs.length = 0;
      let sumR = 0;
      for (let q = start[u]!; q < start[u + 1]!; q++) {
        const k = order[q]!;
        sumR += data.r[k]!;
        const row = rowOfItem[data.i[k]!]!;
        if (row >= 0 && !this.index.isEmpty(row)) {
          rows.push(row);
          rs.push(data.r[k]!);
        }
      }
      const n = start[u + 1]! - start[u]!;
      if (rows.length < 2) continue;
      const centre = (sumR + k0 * mu) / (n + k0);
      p.fill(0);
      S.fill(0);
      for (let j = 0; j < rows.length; j++) {
        this.index.addRow(p, rows[j]!, rs[j]! - centre);
        this.index.addRow(S, rows[j]!, 1);
      }
      let pp = 0;
      let ss = 0;
      let ps = 0;
      for (let c = 0; c < V; c++) {
        pp += p[c]! * p[c]!;
        ss += S[c]! * S[c]!;
        ps += p[c]! * S[c]!;
      }
      for (let j = 0; j < rows.length; j++) {
        const r = rs[j]!;
        const pv = this.index.dotDense(rows[j]!, p);
        const sv = this.index.dotDense(rows[j]!, S);
        // Without rating j the centre moves, shifting every other weight by delta.
        const centreJ = (sumR - r + k0 * mu) / (n - 1 + k0);
        const delta = centre - centreJ;
        const w = r - centre;
        const dot = pv - w + delta * (sv - 1);
        const aa = pp - 2 * w * pv + w * w;
        const ac = ps - pv - w * sv + w;
        const cc = ss - 2 * sv + 1;
        const norm2 = aa + 2 * delta * ac + delta * delta * cc;
        if (norm2 <= 1e-12) continue;
        const x = dot / Math.sqrt(norm2);
        const y = r - centreJ;
        sxy += x * y;
        sxx += x * x;
        syy += y * y;
        used++;
      }
    }
    if (used === 0 || sxx === 0) return { globalMean: mu, slope: UNTRAINED_SLOPE, fit: null };
    const slope = Math.max(0, sxy / sxx);
    // Residual sum of squares of y - slope*x = syy - 2 slope sxy + slope^2 sxx (before clamping to the scale).
    const rss = syy - 2 * slope * sxy + slope * slope * sxx;
    return {
      globalMean: mu,
      slope,
      fit: { ratings: used, rmseCentre: Math.sqrt(syy / used), rmseContent: Math.sqrt(Math.max(0, rss) / used) },
    };
  }

  /** The user's content profile, or null when neither history nor stated preferences say anything. */
  profile(query: ContentQuery): ContentProfile | null {
    const vector = new Float64Array(this.index.columns);
    const built = this.accumulate(query, vector, query.preferences ?? null, true);
    return built && { vector, norm: built.norm, centre: built.centre };
  }

  /**
   * Adds the history part (when `withHistory`) and the stated-preference part of
   * the profile into `vector` (all zeros on entry) and returns its norm and the
   * user's centre, or null when nothing was added. Only the touched columns are
   * visited for the norm, so a reused scratch vector stays cheap.
   */
  private accumulate(
    query: ContentQuery,
    vector: Float64Array,
    prefs: ContentQuery['preferences'],
    withHistory: boolean,
  ): { norm: number; centre: number; touched: number[] } | null {
    const { globalMean, shrinkage, preferenceWeight } = this.data;
    let sumR = 0;
    for (const h of query.history) sumR += h.rating;
    const centre = (sumR + shrinkage * globalMean) / (query.history.length + shrinkage);
    const touched: number[] = [];
    const rows: number[] = [];
    if (withHistory) {
      for (const h of query.history) {
        const row = this.rowOf.get(h.item);
        if (row === undefined || this.index.isEmpty(row)) continue;
        const w = h.rating - centre;
        if (w === 0) continue;
        this.index.addRow(vector, row, w);
        rows.push(row);
      }
      for (const row of rows) for (const c of this.index.row(row).indices) touched.push(c);
    }
    if (prefs && preferenceWeight > 0) {
      const cols: number[] = [];
      for (const g of prefs.likedGenres) {
        const c = this.index.column('genre', g.toLowerCase());
        if (c !== undefined) cols.push(c);
      }
      for (const a of prefs.likedActors) {
        const c = this.index.column('actor', normaliseName(a)) ?? this.index.column('director', normaliseName(a));
        if (c !== undefined) cols.push(c);
      }
      let sq = 0;
      const unique = [...new Set(cols)];
      for (const c of unique) sq += this.index.columnWeight[c]! ** 2;
      if (sq > 0) {
        const scale = preferenceWeight / Math.sqrt(sq);
        for (const c of unique) vector[c]! += scale * this.index.columnWeight[c]!;
        for (const c of unique) touched.push(c);
      }
    }
    if (touched.length === 0) return null;
    // Each touched column once (marked in a reusable byte array).
    let sq = 0;
    const unique: number[] = [];
    const mark = this.markScratch();
    for (const c of touched) {
      if (mark[c]) continue;
      mark[c] = 1;
      unique.push(c);
      sq += vector[c]! * vector[c]!;
    }
    for (const c of unique) mark[c] = 0;
    const norm = Math.sqrt(sq);
    if (norm <= 1e-12) {
      for (const c of unique) vector[c] = 0;
      return null;
    }
    return { norm, centre, touched: unique };
  }

  /**
   * `slope * cos` against a profile built in the reusable scratch vector, which is
   * zeroed again before returning (scoring allocates no profile-sized array).
   */
  private scaledCosines(query: ContentQuery, items: readonly number[], prefs: ContentQuery['preferences'], withHistory: boolean, scale: number): Float32Array | null {
    const vector = this.scratch();
    const built = this.accumulate(query, vector, prefs, withHistory);
    if (!built) return null;
    const out = this.cosines({ vector, norm: built.norm, centre: built.centre }, items);
    for (let k = 0; k < out.length; k++) out[k] = scale * out[k]!;
    for (const c of built.touched) vector[c] = 0;
    return out;
  }

  private markScratch(): Uint8Array {
    if (!this.markVector || this.markVector.length !== this.index.columns) this.markVector = new Uint8Array(this.index.columns);
    return this.markVector;
  }

  private scratch(): Float64Array {
    if (!this.scratchVector || this.scratchVector.length !== this.index.columns) this.scratchVector = new Float64Array(this.index.columns);
    return this.scratchVector;
  }

  /** Cosine of the profile with each item (NaN for items outside the catalogue or without content). */
  cosines(profile: ContentProfile, items: readonly number[]): Float32Array {
    const out = new Float32Array(items.length);
    const rows = positionsOf(this.rowOf, items);
    for (let k = 0; k < items.length; k++) {
      const row = rows[k]!;
      out[k] = row < 0 || this.index.isEmpty(row) ? NaN : this.index.dotDense(row, profile.vector) / profile.norm;
    }
    return out;
  }

  /**
   * The content term alone, `slope * cos(p, v_i)`, with p built from the history
   * only: how far above or below the user's own mean their rated movies put each
   * movie (NaN where it cannot say). This, not the full score, is what the hybrid
   * blends: the full score's centre duplicates the baseline's user mean and knows
   * nothing of item quality, and stated preferences get their own term
   * (`preferenceCosines`) because MovieLens has no ground truth to fit them on.
   */
  deviations(query: ScoreQuery, items: readonly number[]): Float32Array {
    return this.scaledCosines(query, items, null, true, this.data.slope) ?? new Float32Array(items.length).fill(NaN);
  }

  /** Cosine of each movie with the stated preferences alone (liked genres, actors, directors); NaN when none is known. */
  preferenceCosines(prefs: ContentQuery['preferences'], items: readonly number[]): Float32Array {
    const empty = { userId: 0, history: [] };
    return this.scaledCosines(empty, items, prefs, false, 1) ?? new Float32Array(items.length).fill(NaN);
  }

  score(query: ContentQuery, items: readonly number[]): Float32Array {
    const out = this.scaledCosines(query, items, query.preferences ?? null, true, this.data.slope);
    if (!out) return new Float32Array(items.length).fill(NaN);
    const { centre } = this.centreOf(query);
    for (let k = 0; k < out.length; k++) if (!Number.isNaN(out[k])) out[k] = clampRating(centre + out[k]!);
    return out;
  }

  private centreOf(query: ScoreQuery): { centre: number } {
    let sumR = 0;
    for (const h of query.history) sumR += h.rating;
    return { centre: (sumR + this.data.shrinkage * this.data.globalMean) / (query.history.length + this.data.shrinkage) };
  }

  /** Content cosine of two catalogue movies (0 when either is unknown or has no content). */
  similarity(a: number, b: number): number {
    const ra = this.rowOf.get(a);
    const rb = this.rowOf.get(b);
    return ra === undefined || rb === undefined ? 0 : this.index.dotRows(ra, rb);
  }

  has(movieId: number): boolean {
    return this.rowOf.has(movieId);
  }

  /** The catalogue's movie ids, in catalogue order. */
  get catalogueIds(): number[] {
    return this.movies.map((m) => m.id);
  }

  save(): ScorerParams {
    return { kind: PARAMS_KIND, version: PARAMS_VERSION, data: { ...this.data, catalogueSize: this.movies.length } };
  }

  load(params: ScorerParams): void {
    if (params.kind !== PARAMS_KIND || params.version !== PARAMS_VERSION) {
      throw new Error(`ContentScorer cannot load ${params.kind} v${params.version}`);
    }
    const d = params.data as ContentData;
    const sameWeights = CONTENT_FIELDS.every((f) => d.fieldWeights[f] === this.data.fieldWeights[f]);
    if (!sameWeights) {
      this.index = ContentScorer.buildIndex(this.movies, { ...d.fieldWeights });
      this.scratchVector = null;
    }
    this.data = {
      globalMean: d.globalMean,
      slope: d.slope,
      shrinkage: d.shrinkage,
      preferenceWeight: d.preferenceWeight,
      fieldWeights: { ...d.fieldWeights },
      fit: d.fit,
    };
  }
}
