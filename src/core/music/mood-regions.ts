/**
 * Maps each MoodReel mood to a region (centre + spread) of the valence-arousal
 * plane, calibrated on a labelled song set (data_moods.csv: Sad, Calm,
 * Energetic, Happy). The four label centroids are fitted on the data; the
 * seven moods are then placed relative to them, so the mapping follows the
 * data instead of hand-picked coordinates:
 *
 * | mood     | region                                                            | why |
 * |----------|-------------------------------------------------------------------|-----|
 * | sadness  | Sad                                                               | direct |
 * | neutral  | Calm                                                              | no strong feeling: quiet, unobtrusive songs |
 * | joy      | Happy                                                             | direct |
 * | surprise | Energetic                                                         | high arousal, neither dark nor sweet |
 * | anger    | valence of the darkest label, arousal of Energetic                | loud, fast and dark (Russell: high arousal, negative valence) |
 * | fear     | valence of the darkest label, arousal halfway Sad → Energetic     | tense rather than explosive: below anger's arousal |
 * | love     | valence halfway Sad → Happy, arousal of Sad                       | tender: warm but slow (ballads) |
 *
 * A region's spread is the label's standard deviation on each axis (averaged
 * the same way for the derived moods); the picker scores a song by its
 * Gaussian log-density there.
 */
import { MOODS, type MoodLabel } from '../mood/mood-space.js';
import { mulberry32 } from '../recommender/scorers/random.js';
import { fitPlane, place, type AudioFeatures, type PlaneModel, type PlanePoint } from './valence-arousal.js';

export const CALIBRATION_LABELS = ['Sad', 'Calm', 'Energetic', 'Happy'] as const;
export type CalibrationLabel = (typeof CALIBRATION_LABELS)[number];
export const isCalibrationLabel = (s: string): s is CalibrationLabel => (CALIBRATION_LABELS as readonly string[]).includes(s);

export interface Region {
  readonly centre: PlanePoint;
  /** Standard deviation along each axis. */
  readonly spread: PlanePoint;
}

export interface LabelledSong {
  readonly label: CalibrationLabel;
  readonly features: AudioFeatures;
}

export type Classifier = 'gaussian' | 'euclidean';

export interface SeparationReport {
  readonly songs: number;
  readonly perLabel: Readonly<Record<CalibrationLabel, number>>;
  /** Leave-one-out nearest-region accuracy (Gaussian: diagonal spread; the picker's own measure). */
  readonly looAccuracy: number;
  readonly looAccuracyEuclidean: number;
  /** Baselines on one axis only, to show what the plane adds. */
  readonly looAccuracyValenceOnly: number;
  readonly looAccuracyArousalOnly: number;
  /** Plane and centroids fitted on a stratified (1 - testFraction) part, scored on the rest. */
  readonly holdoutAccuracy: number;
  readonly holdoutSeed: number;
  readonly testFraction: number;
  /** Leave-one-out recall per label. */
  readonly recall: Readonly<Record<CalibrationLabel, number>>;
  /** confusion[true][predicted], leave-one-out, in CALIBRATION_LABELS order. */
  readonly confusion: readonly (readonly number[])[];
}

export interface MusicCalibration {
  readonly version: 1;
  /** What it was fitted on, for the record (file name and row count). */
  readonly source: string;
  readonly plane: PlaneModel;
  readonly labels: Readonly<Record<CalibrationLabel, Region>>;
  readonly regions: Readonly<Record<MoodLabel, Region>>;
  readonly report: SeparationReport;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const sd = (xs: readonly number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2))) || 1e-3;
};
const mid = (a: number, b: number) => (a + b) / 2;

/** Label centroids and spreads from songs already placed in the plane. */
export function fitLabelRegions(points: readonly { label: CalibrationLabel; point: PlanePoint }[]): Record<CalibrationLabel, Region> {
  const out = {} as Record<CalibrationLabel, Region>;
  for (const label of CALIBRATION_LABELS) {
    const own = points.filter((p) => p.label === label);
    if (own.length < 2) throw new Error(`calibration needs at least 2 songs labelled ${label}, got ${own.length}`);
    const v = own.map((p) => p.point.valence);
    const a = own.map((p) => p.point.arousal);
    out[label] = { centre: { valence: mean(v), arousal: mean(a) }, spread: { valence: sd(v), arousal: sd(a) } };
  }
  return out;
}

/** The seven moods placed relative to the four label regions (see the table above). */
export function moodRegions(labels: Readonly<Record<CalibrationLabel, Region>>): Record<MoodLabel, Region> {
  const { Sad, Calm, Energetic, Happy } = labels;
  const darkest = CALIBRATION_LABELS.map((l) => labels[l]).reduce((a, b) => (b.centre.valence < a.centre.valence ? b : a));
  return {
    sadness: Sad,
    neutral: Calm,
    joy: Happy,
    surprise: Energetic,
    anger: {
      centre: { valence: darkest.centre.valence, arousal: Energetic.centre.arousal },
      spread: { valence: darkest.spread.valence, arousal: Energetic.spread.arousal },
    },
    fear: {
      centre: { valence: darkest.centre.valence, arousal: mid(Sad.centre.arousal, Energetic.centre.arousal) },
      spread: { valence: darkest.spread.valence, arousal: mid(Sad.spread.arousal, Energetic.spread.arousal) },
    },
    love: {
      centre: { valence: mid(Sad.centre.valence, Happy.centre.valence), arousal: Sad.centre.arousal },
      spread: { valence: mid(Sad.spread.valence, Happy.spread.valence), arousal: Sad.spread.arousal },
    },
  };
}

/** Squared Mahalanobis distance to a region's centre (diagonal spread). */
export function regionDistance2(region: Region, p: PlanePoint): number {
  const dv = (p.valence - region.centre.valence) / region.spread.valence;
  const da = (p.arousal - region.centre.arousal) / region.spread.arousal;
  return dv * dv + da * da;
}

/** The label whose region fits the point best (equal priors). */
export function nearestLabel(labels: Readonly<Record<CalibrationLabel, Region>>, p: PlanePoint, classifier: Classifier = 'gaussian', axes: 'both' | 'valence' | 'arousal' = 'both'): CalibrationLabel {
  let best: CalibrationLabel = CALIBRATION_LABELS[0];
  let bestScore = Infinity;
  for (const label of CALIBRATION_LABELS) {
    const r = labels[label];
    const dv = p.valence - r.centre.valence;
    const da = p.arousal - r.centre.arousal;
    const useV = axes !== 'arousal';
    const useA = axes !== 'valence';
    const score =
      classifier === 'euclidean'
        ? (useV ? dv * dv : 0) + (useA ? da * da : 0)
        : (useV ? (dv / r.spread.valence) ** 2 + 2 * Math.log(r.spread.valence) : 0) + (useA ? (da / r.spread.arousal) ** 2 + 2 * Math.log(r.spread.arousal) : 0);
    if (score < bestScore) {
      bestScore = score;
      best = label;
    }
  }
  return best;
}

/** Stratified split by label: a seeded shuffle per label, the first `testFraction` of each goes to test. */
function stratifiedSplit(n: number, labelOf: (k: number) => CalibrationLabel, testFraction: number, seed: number): boolean[] {
  const rand = mulberry32(seed);
  const isTest = new Array<boolean>(n).fill(false);
  for (const label of CALIBRATION_LABELS) {
    const ids = [...Array(n).keys()].filter((k) => labelOf(k) === label);
    for (let k = ids.length - 1; k > 0; k--) {
      const j = Math.floor(rand() * (k + 1));
      [ids[k], ids[j]] = [ids[j]!, ids[k]!];
    }
    ids.slice(0, Math.round(ids.length * testFraction)).forEach((k) => (isTest[k] = true));
  }
  return isTest;
}

export interface CalibrateOptions {
  readonly seed: number;
  readonly testFraction?: number;
  readonly source: string;
}

/**
 * Fits the plane and the regions on labelled songs and reports how well the
 * regions separate the labels: leave-one-out (the plane is label-free, so only
 * the centroids are refitted per left-out song) and a seeded stratified
 * hold-out where plane and centroids see only the training part.
 */
export function calibrate(songs: readonly LabelledSong[], options: CalibrateOptions): MusicCalibration {
  const testFraction = options.testFraction ?? 0.3;
  const plane = fitPlane(songs.map((s) => s.features));
  const points = songs.map((s) => ({ label: s.label, point: place(plane, s.features) }));
  const labels = fitLabelRegions(points);

  const index = new Map(CALIBRATION_LABELS.map((l, k) => [l, k]));
  const confusion = CALIBRATION_LABELS.map(() => CALIBRATION_LABELS.map(() => 0));
  const loo = { gaussian: 0, euclidean: 0, valence: 0, arousal: 0 };
  // Leave-one-out from running sums: removing one song changes only its label's centroid and spread.
  const sums = new Map(CALIBRATION_LABELS.map((l) => [l, { n: 0, v: 0, a: 0, vv: 0, aa: 0 }]));
  for (const { label, point } of points) {
    const s = sums.get(label)!;
    s.n++;
    s.v += point.valence;
    s.a += point.arousal;
    s.vv += point.valence ** 2;
    s.aa += point.arousal ** 2;
  }
  const regionWithout = (label: CalibrationLabel, p: PlanePoint): Region => {
    const s = sums.get(label)!;
    const n = s.n - 1;
    const mv = (s.v - p.valence) / n;
    const ma = (s.a - p.arousal) / n;
    const sv = Math.sqrt(Math.max(1e-6, (s.vv - p.valence ** 2) / n - mv * mv));
    const sa = Math.sqrt(Math.max(1e-6, (s.aa - p.arousal ** 2) / n - ma * ma));
    return { centre: { valence: mv, arousal: ma }, spread: { valence: sv, arousal: sa } };
  };
  for (const { label, point } of points) {
    const without = { ...labels, [label]: regionWithout(label, point) };
    const g = nearestLabel(without, point, 'gaussian');
    confusion[index.get(label)!]![index.get(g)!]!++;
    if (g === label) loo.gaussian++;
    if (nearestLabel(without, point, 'euclidean') === label) loo.euclidean++;
    if (nearestLabel(without, point, 'gaussian', 'valence') === label) loo.valence++;
    if (nearestLabel(without, point, 'gaussian', 'arousal') === label) loo.arousal++;
  }

  const isTest = stratifiedSplit(songs.length, (k) => songs[k]!.label, testFraction, options.seed);
  const train = songs.filter((_, k) => !isTest[k]);
  const trainPlane = fitPlane(train.map((s) => s.features));
  const trainLabels = fitLabelRegions(train.map((s) => ({ label: s.label, point: place(trainPlane, s.features) })));
  const test = songs.filter((_, k) => isTest[k]);
  const holdoutHits = test.filter((s) => nearestLabel(trainLabels, place(trainPlane, s.features)) === s.label).length;

  const n = songs.length;
  const perLabel = Object.fromEntries(CALIBRATION_LABELS.map((l) => [l, sums.get(l)!.n])) as Record<CalibrationLabel, number>;
  const recall = Object.fromEntries(
    CALIBRATION_LABELS.map((l, k) => [l, confusion[k]![k]! / Math.max(1, perLabel[l])]),
  ) as Record<CalibrationLabel, number>;
  return {
    version: 1,
    source: options.source,
    plane,
    labels,
    regions: moodRegions(labels),
    report: {
      songs: n,
      perLabel,
      looAccuracy: loo.gaussian / n,
      looAccuracyEuclidean: loo.euclidean / n,
      looAccuracyValenceOnly: loo.valence / n,
      looAccuracyArousalOnly: loo.arousal / n,
      holdoutAccuracy: holdoutHits / Math.max(1, test.length),
      holdoutSeed: options.seed,
      testFraction,
      recall,
      confusion,
    },
  };
}

/** A region a fraction t of the way from a to b (centre and spread both interpolated). */
export function lerpRegion(a: Region, b: Region, t: number): Region {
  const l = (x: number, y: number) => x + (y - x) * t;
  return {
    centre: { valence: l(a.centre.valence, b.centre.valence), arousal: l(a.centre.arousal, b.centre.arousal) },
    spread: { valence: l(a.spread.valence, b.spread.valence), arousal: l(a.spread.arousal, b.spread.arousal) },
  };
}

/** The mean region of several moods (a watch party's group mood). */
export function meanRegion(regions: readonly Region[]): Region {
  const m = (f: (r: Region) => number) => mean(regions.map(f));
  return {
    centre: { valence: m((r) => r.centre.valence), arousal: m((r) => r.centre.arousal) },
    spread: { valence: m((r) => r.spread.valence), arousal: m((r) => r.spread.arousal) },
  };
}

// ---------------------------------------------------------------- stored form

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isPoint = (x: unknown): x is PlanePoint => {
  const p = x as PlanePoint | null;
  return !!p && isNum(p.valence) && isNum(p.arousal);
};
const isRegion = (x: unknown): x is Region => {
  const r = x as Region | null;
  return !!r && isPoint(r.centre) && isPoint(r.spread) && r.spread.valence > 0 && r.spread.arousal > 0;
};

/**
 * Checks a parsed regions.json and returns it typed; throws an Error naming
 * the first problem, so a hand-edited or truncated file fails at start-up,
 * not on the first /music.
 */
export function parseCalibration(json: unknown): MusicCalibration {
  const c = json as Partial<MusicCalibration> | null;
  const fail = (what: string): never => {
    throw new Error(`music calibration: ${what}`);
  };
  if (!c || typeof c !== 'object') return fail('not an object');
  if (c.version !== 1) fail(`unsupported version ${String(c.version)} (expected 1)`);
  const plane = c.plane;
  if (!plane || !isNum(plane.arousalMean) || !isNum(plane.arousalSd) || plane.arousalSd <= 0) fail('plane is missing or broken');
  for (const f of ['valence', 'energy', 'tempo', 'loudness', 'danceability', 'acousticness'] as const) {
    if (!isNum(plane!.means?.[f]) || !isNum(plane!.sds?.[f]) || plane!.sds[f] <= 0) fail(`plane statistics for ${f} are missing`);
  }
  for (const f of ['energy', 'tempo', 'loudness', 'danceability', 'acousticness'] as const) {
    if (!isNum(plane!.arousalWeights?.[f])) fail(`arousal weight for ${f} is missing`);
  }
  for (const l of CALIBRATION_LABELS) if (!isRegion(c.labels?.[l])) fail(`label region ${l} is missing or broken`);
  for (const m of MOODS) if (!isRegion(c.regions?.[m])) fail(`mood region ${m} is missing or broken`);
  if (!c.report || !isNum(c.report.looAccuracy)) fail('separation report is missing');
  return c as MusicCalibration;
}
