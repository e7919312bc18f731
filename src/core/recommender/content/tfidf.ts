/**
 * Sparse TF-IDF vectors over fielded documents (genres, keywords, overview
 * words, people, language, era), stored row-compressed so that scoring the whole
 * catalogue against a dense profile is one pass over a few hundred thousand
 * floats (a few milliseconds for ~9.7k movies).
 *
 * Weighting, per field block (after Salton & Buckley 1988; sublinear tf as in
 * Manning et al., "Introduction to IR", 6.4.1):
 *   w(t, d) = (1 + ln tf) * idf(t),  idf(t) = ln((1 + N) / (1 + df)) + 1
 * Each field's block is L2-normalised on its own, multiplied by the field's
 * weight, and the whole row is then L2-normalised. Normalising per block keeps a
 * field's share of the vector stable: a long overview cannot drown the two or
 * three genre terms, which is what "genres carry a strong weight" needs.
 */

/** A document as lists of raw terms per field; a repeated term counts as tf > 1. */
export type FieldedDocument<F extends string> = Partial<Record<F, readonly string[]>>;

export interface TfidfOptions<F extends string> {
  /** Relative weight of each field's block; a field missing here is ignored. */
  readonly fieldWeights: Readonly<Record<F, number>>;
  /** Terms occurring in fewer documents than this are dropped (per field; default 1). */
  readonly minDf?: Partial<Readonly<Record<F, number>>>;
  /** Terms occurring in more than this fraction of documents are dropped (per field; default 1). */
  readonly maxDfFraction?: Partial<Readonly<Record<F, number>>>;
}

/** One sparse row: parallel, index-sorted arrays (views into the index's storage). */
export interface SparseRow {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

const featureKey = (field: string, term: string) => `${field}:${term}`;

/**
 * An immutable TF-IDF index. Rows are unit-length (or empty when a document has
 * no usable term), so the dot product of two rows is their cosine.
 */
export class TfidfIndex<F extends string> {
  /** Feature key ("field:term") to column. */
  readonly vocabulary: ReadonlyMap<string, number>;
  /** Per column: idf times the field weight (before block normalisation). */
  readonly columnWeight: Float32Array;
  /** Per column: the field it belongs to. */
  readonly columnField: readonly F[];
  readonly offsets: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;

  private constructor(
    vocabulary: Map<string, number>,
    columnWeight: Float32Array,
    columnField: F[],
    offsets: Int32Array,
    indices: Int32Array,
    values: Float32Array,
  ) {
    this.vocabulary = vocabulary;
    this.columnWeight = columnWeight;
    this.columnField = columnField;
    this.offsets = offsets;
    this.indices = indices;
    this.values = values;
  }

  /** Builds the index; row k of the result is `documents[k]`. Deterministic for the same input. */
  static build<F extends string>(documents: readonly FieldedDocument<F>[], options: TfidfOptions<F>): TfidfIndex<F> {
    const fields = (Object.keys(options.fieldWeights) as F[]).filter((f) => options.fieldWeights[f] > 0);
    const n = documents.length;
    // Term frequencies per document per field.
    const tfs: Map<string, number>[][] = documents.map((doc) =>
      fields.map((f) => {
        const counts = new Map<string, number>();
        for (const raw of doc[f] ?? []) {
          const term = raw.trim();
          if (term) counts.set(term, (counts.get(term) ?? 0) + 1);
        }
        return counts;
      }),
    );
    const df = fields.map(() => new Map<string, number>());
    for (const docTfs of tfs) docTfs.forEach((counts, fi) => {
      for (const term of counts.keys()) df[fi]!.set(term, (df[fi]!.get(term) ?? 0) + 1);
    });

    const vocabulary = new Map<string, number>();
    const weights: number[] = [];
    const columnField: F[] = [];
    fields.forEach((f, fi) => {
      const minDf = options.minDf?.[f] ?? 1;
      const maxDf = (options.maxDfFraction?.[f] ?? 1) * n;
      // Sorted so that column order (and so every float sum) is reproducible.
      for (const [term, count] of [...df[fi]!.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
        if (count < minDf || count > maxDf) continue;
        vocabulary.set(featureKey(f, term), weights.length);
        weights.push(Math.log((1 + n) / (1 + count)) + 1);
        columnField.push(f);
      }
    });

    const offsets = new Int32Array(n + 1);
    const idx: number[] = [];
    const val: number[] = [];
    for (let d = 0; d < n; d++) {
      const row = new Map<number, number>();
      fields.forEach((f, fi) => {
        const block: [number, number][] = [];
        let sq = 0;
        for (const [term, tf] of tfs[d]![fi]!) {
          const col = vocabulary.get(featureKey(f, term));
          if (col === undefined) continue;
          const w = (1 + Math.log(tf)) * weights[col]!;
          block.push([col, w]);
          sq += w * w;
        }
        if (sq === 0) return;
        const scale = options.fieldWeights[f] / Math.sqrt(sq);
        for (const [col, w] of block) row.set(col, w * scale);
      });
      let sq = 0;
      for (const w of row.values()) sq += w * w;
      const norm = Math.sqrt(sq);
      for (const col of [...row.keys()].sort((a, b) => a - b)) {
        idx.push(col);
        val.push(row.get(col)! / norm);
      }
      offsets[d + 1] = idx.length;
    }
    const columnWeight = Float32Array.from(weights, (w, col) => w * options.fieldWeights[columnField[col]!]);
    return new TfidfIndex(vocabulary, columnWeight, columnField, offsets, Int32Array.from(idx), Float32Array.from(val));
  }

  get rows(): number {
    return this.offsets.length - 1;
  }

  get columns(): number {
    return this.columnWeight.length;
  }

  row(r: number): SparseRow {
    const a = this.offsets[r]!;
    const b = this.offsets[r + 1]!;
    return { indices: this.indices.subarray(a, b), values: this.values.subarray(a, b) };
  }

  /** True when the row has no term (its cosine with anything is undefined). */
  isEmpty(r: number): boolean {
    return this.offsets[r] === this.offsets[r + 1];
  }

  /** Column of a field's term, or undefined when the term was not kept. */
  column(field: F, term: string): number | undefined {
    return this.vocabulary.get(featureKey(field, term));
  }

  /** Dot product of row r with a dense vector. */
  dotDense(r: number, dense: Float32Array | Float64Array): number {
    let s = 0;
    for (let k = this.offsets[r]!, end = this.offsets[r + 1]!; k < end; k++) s += this.values[k]! * dense[this.indices[k]!]!;
    return s;
  }

  /** Cosine of two rows (rows are unit length); 0 when either is empty. */
  dotRows(a: number, b: number): number {
    let i = this.offsets[a]!;
    const ie = this.offsets[a + 1]!;
    let j = this.offsets[b]!;
    const je = this.offsets[b + 1]!;
    let s = 0;
    while (i < ie && j < je) {
      const ci = this.indices[i]!;
      const cj = this.indices[j]!;
      if (ci === cj) s += this.values[i++]! * this.values[j++]!;
      else if (ci < cj) i++;
      else j++;
    }
    return s;
  }

  /** dense += scale * row r. */
  addRow(dense: Float64Array, r: number, scale: number): void {
    for (let k = this.offsets[r]!, end = this.offsets[r + 1]!; k < end; k++) dense[this.indices[k]!]! += scale * this.values[k]!;
  }
}

// ---------------------------------------------------------------- text

/** A compact English stop list (articles, pronouns, auxiliaries, frequent plot-summary filler). */
const STOP_WORDS = new Set(
  `a about above after again against all also am an and any are as at be because been before being below between both but by
can could did do does doing down during each few for from further had has have having he her here hers herself him himself his
how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves
out over own same she should so some such than that the their theirs them themselves then there these they this those through
to too under until up very was we were what when where which while who whom why will with would you your yours yourself
yourselves one two three four five first new must get gets got make makes made take takes find finds finding way around
becomes become back go goes going life lives story film movie years year time man woman men women young old world soon
however even ever still yet may might much many another every own thing things something anyone everyone himself herself
called named known comes come take set sets`.split(/\s+/),
);

/**
 * Lower-cases, strips accents, splits on non-alphanumerics, drops stop words,
 * short tokens and numbers, and folds simple plurals ("ies" -> "y", trailing
 * "s" but not "ss"). Deterministic and dependency-free.
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const normalised = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  for (const raw of normalised.split(/[^a-z0-9]+/)) {
    if (raw.length < 3 || STOP_WORDS.has(raw) || /^\d+$/.test(raw)) continue;
    let t = raw;
    if (t.length > 4 && t.endsWith('ies')) t = `${t.slice(0, -3)}y`;
    else if (t.length > 3 && t.endsWith('s') && !t.endsWith('ss') && !t.endsWith('us') && !t.endsWith('is')) t = t.slice(0, -1);
    if (!STOP_WORDS.has(t)) out.push(t);
  }
  return out;
}

/** Canonical form of a person's name or a phrase: trimmed, single-spaced, lower-case, accents kept. */
export const normaliseName = (name: string): string => name.trim().replace(/\s+/g, ' ').toLowerCase();
