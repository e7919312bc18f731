/**
 * Calibrates and evaluates the music picks (issue 7).
 *
 *   npm run eval:music -- [--data ../shared/data] [--seed 42] [--users 24] [--write [models/music/regions.json]]
 *
 * 1. Calibration: fits the valence-arousal plane and the four label regions on
 *    music/data_moods.csv and reports how well they separate the labels
 *    (leave-one-out and a seeded 70/30 stratified hold-out; single-axis
 *    baselines for comparison). `--write` saves the result as the committed
 *    models/music/regions.json the app loads.
 * 2. Picks: runs the real MusicPickerService on the whole catalogue
 *    (music/spotify_songs.csv.gz, read as the importer reads it) in memory,
 *    for every mood × both strategies × simulated users. Each simulated user
 *    has a favourite genre: they give 5★ to songs of it and 👎 or 2★ to the
 *    rest, then ask again. Measured: distinct artists and genres per list,
 *    fit to the target region, valence gain along lift lists, favourite-genre
 *    share before and after rating, rated songs proposed again (must be 0),
 *    and the time of one pick (recommend(): store reads, scoring, ranking).
 *
 * Prints tables, then one JSON line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { calibrate, CALIBRATION_LABELS, nearestLabel, type CalibrationLabel } from '../src/core/music/mood-regions.js';
import { InMemoryMusicStore } from '../src/core/music/in-memory-music.store.js';
import { MusicPickerService, type MusicList } from '../src/core/music/music-picker.js';
import { encodeTrackAction } from '../src/core/music/music-buttons.js';
import type { TrackChoice } from '../src/core/music/ports.js';
import { mulberry32 } from '../src/core/recommender/scorers/random.js';
import { MOODS, toDistribution, type MoodLabel, type MoodReading } from '../src/core/mood/mood-space.js';
import { DEFAULT_PREFERENCES, type MoodStrategy, type Preferences } from '../src/core/ports.js';
import type { PreferenceStore } from '../src/core/stores.js';
import { missingMusicError, musicFiles, readDataMoods, readSpotifySongs, SPOTIFY_SONGS_SOURCE } from '../src/infra/music/music-files.js';
import { DEFAULT_CALIBRATION_FILE, saveMusicCalibration } from '../src/infra/music/music-calibration.loader.js';
import { log, parseArgs, printTable, round4 } from './lib/rec-eval.js';

const argv = process.argv.slice(2);
// `--write` may come with or without a path.
const writeAt = argv.indexOf('--write');
let writeFile: string | null = null;
if (writeAt >= 0) {
  const next = argv[writeAt + 1];
  writeFile = next && !next.startsWith('--') ? next : DEFAULT_CALIBRATION_FILE;
  argv.splice(writeAt, next && !next.startsWith('--') ? 2 : 1);
}
const args = parseArgs(argv, { data: 'string', seed: 'number', users: 'number' });
const dataDir = (args['data'] as string | undefined) ?? '../shared/data';
const seed = (args['seed'] as number | undefined) ?? 42;
const userCount = (args['users'] as number | undefined) ?? 24;

// ---------------------------------------------------------------- 1. calibration

const files = musicFiles(dataDir);
if (!existsSync(files.moods)) throw missingMusicError(dataDir, files.moods, 'data_moods.csv (a public Spotify mood-classification example: 686 songs labelled Sad, Calm, Energetic, Happy)');
if (!existsSync(files.songs)) throw missingMusicError(dataDir, files.songs, SPOTIFY_SONGS_SOURCE);
const moods = readDataMoods(files.moods);
log(`${moods.songs.length} labelled songs from ${files.moods} (${moods.malformed} malformed)`);
const calibration = calibrate(moods.songs, { seed, source: `data_moods.csv (${moods.songs.length} songs)` });
const rep = calibration.report;

console.log('\nCalibration: label regions in the valence-arousal plane (standardised units)');
printTable(
  CALIBRATION_LABELS.map((l) => ({
    label: l,
    songs: rep.perLabel[l],
    valence: calibration.labels[l].centre.valence,
    arousal: calibration.labels[l].centre.arousal,
    sdValence: calibration.labels[l].spread.valence,
    sdArousal: calibration.labels[l].spread.arousal,
    looRecall: rep.recall[l],
  })),
);
console.log('\nMood regions');
printTable(MOODS.map((m) => ({ mood: m, valence: calibration.regions[m].centre.valence, arousal: calibration.regions[m].centre.arousal, sdValence: calibration.regions[m].spread.valence, sdArousal: calibration.regions[m].spread.arousal })));
console.log('\nSeparation of the 4 labels (nearest region; chance = largest class share)');
const chance = Math.max(...CALIBRATION_LABELS.map((l) => rep.perLabel[l])) / rep.songs;
printTable([
  { method: 'plane, Gaussian (used)', protocol: 'leave-one-out', accuracy: rep.looAccuracy },
  { method: 'plane, Gaussian (used)', protocol: `hold-out ${rep.testFraction} seed ${seed}`, accuracy: rep.holdoutAccuracy },
  { method: 'plane, Euclidean', protocol: 'leave-one-out', accuracy: rep.looAccuracyEuclidean },
  { method: 'valence only', protocol: 'leave-one-out', accuracy: rep.looAccuracyValenceOnly },
  { method: 'arousal only', protocol: 'leave-one-out', accuracy: rep.looAccuracyArousalOnly },
  { method: 'majority class', protocol: '-', accuracy: chance },
]);
console.log(`\nArousal weights (PC1, ${(calibration.plane.explainedVariance * 100).toFixed(1)}% of variance): ${Object.entries(calibration.plane.arousalWeights).map(([k, w]) => `${k} ${w.toFixed(3)}`).join(', ')}`);
console.log(`Confusion (rows true, columns predicted; ${CALIBRATION_LABELS.join(', ')}): ${JSON.stringify(rep.confusion)}`);

if (writeFile) {
  saveMusicCalibration(writeFile, calibration);
  log(`calibration written to ${writeFile}`);
} else if (existsSync(DEFAULT_CALIBRATION_FILE)) {
  const committed = JSON.parse(readFileSync(DEFAULT_CALIBRATION_FILE, 'utf8')) as { report?: { looAccuracy?: number } };
  const same = Math.abs((committed.report?.looAccuracy ?? -1) - rep.looAccuracy) < 1e-6;
  log(`committed ${DEFAULT_CALIBRATION_FILE}: ${same ? 'matches this run' : 'differs from this run (rerun with --write after checking)'}`);
}

// ---------------------------------------------------------------- 2. picks

const songs = readSpotifySongs(files.songs);
log(`${songs.tracks.length} unique tracks from ${files.songs} (${songs.duplicates} duplicates, ${songs.malformed} malformed)`);
const store = new InMemoryMusicStore(songs.tracks);
const strategyOf = new Map<number, MoodStrategy>();
const preferences: PreferenceStore = {
  get: async (userId): Promise<Preferences> => ({ ...DEFAULT_PREFERENCES, strategy: strategyOf.get(userId) ?? null }),
  set: async () => {},
};
const fixedNow = new Date('2024-01-01T12:00:00Z');
const picker = new MusicPickerService({ tracks: store, preferences, calibration, clock: { now: () => fixedNow } });
const started = performance.now();
const trackCount = await picker.warmup();
log(`catalogue placed in ${(performance.now() - started).toFixed(0)} ms`);

const reading = (label: MoodLabel): MoodReading => ({ label, distribution: toDistribution({ [label]: 1 }), confidence: 0.9, source: 'text' });
const genres = [...new Set(songs.tracks.map((t) => t.genre))].sort();
const genreShare = new Map(genres.map((g) => [g, songs.tracks.filter((t) => t.genre === g).length / songs.tracks.length]));
const rand = mulberry32(seed);

const times: number[] = [];
const timed = async (userId: number, mood: MoodLabel): Promise<MusicList> => {
  const t0 = performance.now();
  const list = await picker.recommend(userId, reading(mood));
  times.push(performance.now() - t0);
  return list;
};

interface Cell {
  lists: number;
  artists: number;
  genres: number;
  d: number;
  within: number;
  picks: number;
  v1: number;
  v5: number;
  a1: number;
  a5: number;
  favCold: number;
  favWarm: number;
  labelHits: number;
  collaborative: number;
}
const cells = new Map<string, Cell>();
const cell = (key: string) => {
  let c = cells.get(key);
  if (!c) cells.set(key, (c = { lists: 0, artists: 0, genres: 0, d: 0, within: 0, picks: 0, v1: 0, v5: 0, a1: 0, a5: 0, favCold: 0, favWarm: 0, labelHits: 0, collaborative: 0 }));
  return c;
};
const directLabel: Partial<Record<MoodLabel, CalibrationLabel>> = { sadness: 'Sad', neutral: 'Calm', joy: 'Happy', surprise: 'Energetic' };
let ratedRepeats = 0;
let userId = 1000;

for (let u = 0; u < userCount; u++) {
  const favourite = genres[u % genres.length]!;
  for (const strategy of ['match', 'lift'] as const) {
    const id = userId++;
    strategyOf.set(id, strategy);
    for (const mood of MOODS) {
      const c = cell(`${mood}|${strategy}`);
      const rated = new Set((await store.ratingsOf(id)).map((r) => r.trackId));
      const cold = await timed(id, mood);
      const warmUp = cold.picks.filter((p) => p.track.genre === favourite).length / Math.max(1, cold.picks.length);
      for (const p of cold.picks) {
        const choice: TrackChoice = p.track.genre === favourite ? 5 : rand() < 0.5 ? 'no' : 2;
        await picker.rate(id, encodeTrackAction({ trackId: p.track.id, choice, mood }));
      }
      const warm = await timed(id, mood);
      for (const list of [cold, warm]) {
        const picks = list.picks;
        ratedRepeats += picks.filter((p) => rated.has(p.track.id)).length;
        c.lists++;
        c.artists += new Set(picks.map((p) => p.track.artist.toLowerCase())).size * (5 / Math.max(1, picks.length));
        c.genres += new Set(picks.map((p) => p.track.genre)).size;
        for (const p of picks) {
          c.d += Math.sqrt(p.distance2);
          c.within += p.distance2 <= 1 ? 1 : 0;
          c.picks++;
          const label = directLabel[mood];
          if (label && strategy === 'match' && nearestLabel(calibration.labels, p) === label) c.labelHits++;
        }
        c.v1 += picks[0]?.valence ?? 0;
        c.v5 += picks[picks.length - 1]?.valence ?? 0;
        c.a1 += picks[0]?.arousal ?? 0;
        c.a5 += picks[picks.length - 1]?.arousal ?? 0;
      }
      // Songs rated in the cold round must not come back in the warm one.
      const justRated = new Set(cold.picks.map((p) => p.track.id));
      ratedRepeats += warm.picks.filter((p) => justRated.has(p.track.id)).length;
      c.favCold += warmUp;
      c.favWarm += warm.picks.filter((p) => p.track.genre === favourite).length / Math.max(1, warm.picks.length);
      c.collaborative += warm.collaborative ? 1 : 0;
    }
  }
}

const rows = [...cells].map(([key, c]) => {
  const [mood, strategy] = key.split('|');
  const half = c.lists / 2;
  return {
    mood: mood!,
    strategy: strategy!,
    valence1: c.v1 / c.lists,
    valence5: c.v5 / c.lists,
    arousal1: c.a1 / c.lists,
    arousal5: c.a5 / c.lists,
    meanDist: c.d / c.picks,
    within1: c.within / c.picks,
    artists: c.artists / c.lists,
    genres: c.genres / c.lists,
    favCold: c.favCold / half,
    favWarm: c.favWarm / half,
    labelAgree: directLabel[mood as MoodLabel] && strategy === 'match' ? c.labelHits / c.picks : ('-' as string | number),
  };
});
console.log(`\nPicks per mood and strategy (${userCount} users per strategy; valence/arousal of pick 1 and 5; favourite-genre share before and after rating)`);
printTable(rows);

const sum = (f: (c: Cell) => number) => [...cells.values()].reduce((s, c) => s + f(c), 0);
const lists = sum((c) => c.lists);
const picks = sum((c) => c.picks);
const gain = (strategy: string, only: readonly string[]) => {
  const sel = rows.filter((r) => r.strategy === strategy && only.includes(r.mood));
  return sel.reduce((s, r) => s + r.valence5 - r.valence1, 0) / Math.max(1, sel.length);
};
const heavy = ['sadness', 'fear', 'anger'];
const agreeCells = [...cells].filter(([k]) => k.endsWith('|match') && directLabel[k.split('|')[0] as MoodLabel]);
const sorted = [...times].sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const favBaseline = Array.from({ length: userCount }, (_, u) => genreShare.get(genres[u % genres.length]!)!).reduce((s, x) => s + x, 0) / Math.max(1, userCount);

console.log('\nWarm-up playlist for a party of one low and two happy members:');
console.log(await picker.warmupPlaylist([reading('sadness'), reading('joy'), reading('joy')], 3));

const result = {
  separationAccuracy: round4(rep.looAccuracy),
  separationHoldout: round4(rep.holdoutAccuracy),
  separationEuclidean: round4(rep.looAccuracyEuclidean),
  distinctArtistsPer5: round4(sum((c) => c.artists) / lists),
  distinctGenresPer5: round4(sum((c) => c.genres) / lists),
  meanRegionDistance: round4(sum((c) => c.d) / picks),
  withinOneSpread: round4(sum((c) => c.within) / picks),
  matchLabelAgreement: round4(agreeCells.reduce((s, [, c]) => s + c.labelHits, 0) / Math.max(1, agreeCells.reduce((s, [, c]) => s + c.picks, 0))),
  liftValenceGain: round4(gain('lift', heavy)),
  matchValenceGain: round4(gain('match', heavy)),
  favGenreShareCold: round4(rows.reduce((s, r) => s + r.favCold, 0) / rows.length),
  favGenreShareWarm: round4(rows.reduce((s, r) => s + r.favWarm, 0) / rows.length),
  favGenreCatalogueShare: round4(favBaseline),
  collaborativeShare: round4(sum((c) => c.collaborative) / (lists / 2)),
  ratedRepeats,
  requests: times.length,
  p50Ms: round4(pct(0.5)),
  p95Ms: round4(pct(0.95)),
  tracks: trackCount,
};
console.log(JSON.stringify(result));
