/**
 * Hand-made songs for the music tests: a calibration set with four clearly
 * separated labels, and a small seeded catalogue spread over the plane.
 */
import { calibrate, type CalibrationLabel, type LabelledSong, type MusicCalibration } from '../../../src/core/music/mood-regions.js';
import type { TrackRecord } from '../../../src/core/music/ports.js';
import type { AudioFeatures } from '../../../src/core/music/valence-arousal.js';
import { mulberry32 } from '../../../src/core/recommender/scorers/random.js';

/** Typical feature values per label (what data_moods.csv looks like, exaggerated). */
export const LABEL_PROTOTYPES: Record<CalibrationLabel, AudioFeatures> = {
  Sad: { valence: 0.25, energy: 0.45, tempo: 110, loudness: -9, danceability: 0.45, acousticness: 0.5 },
  Calm: { valence: 0.12, energy: 0.12, tempo: 80, loudness: -22, danceability: 0.3, acousticness: 0.92 },
  Energetic: { valence: 0.5, energy: 0.92, tempo: 150, loudness: -4, danceability: 0.55, acousticness: 0.05 },
  Happy: { valence: 0.88, energy: 0.75, tempo: 122, loudness: -6, danceability: 0.8, acousticness: 0.15 },
};

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** Songs scattered around each prototype; `noise` 0.03 keeps the labels well apart. */
export function labelledSongs(perLabel: number, noise: number, seed = 7): LabelledSong[] {
  const rand = mulberry32(seed);
  const jitter = () => (rand() - 0.5) * 2 * noise;
  const out: LabelledSong[] = [];
  for (const [label, p] of Object.entries(LABEL_PROTOTYPES) as [CalibrationLabel, AudioFeatures][]) {
    for (let k = 0; k < perLabel; k++) {
      out.push({
        label,
        features: {
          valence: clamp01(p.valence + jitter()),
          energy: clamp01(p.energy + jitter()),
          danceability: clamp01(p.danceability + jitter()),
          acousticness: clamp01(p.acousticness + jitter()),
          tempo: p.tempo * (1 + jitter()),
          loudness: p.loudness * (1 + jitter()),
        },
      });
    }
  }
  return out;
}

/** Labels that overlap somewhat, as real ones do (spreads comparable to data_moods.csv's). */
export const testCalibration = (noise = 0.2): MusicCalibration => calibrate(labelledSongs(40, noise), { seed: 1, source: 'test' });

/** A Spotify-shaped id (22 base-62 characters) for song k. */
export const trackId = (k: number): string => `T${String(k).padStart(21, '0')}`;

export const GENRES = ['pop', 'rock', 'rap'] as const;

/**
 * `n` songs with uniformly random features (seeded), artists shared by a few
 * songs each, genres in turn, popularity random.
 */
export function catalogue(n: number, seed = 3): TrackRecord[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, (_, k) => ({
    id: trackId(k),
    name: `Song ${k}`,
    artist: `Artist ${Math.floor(k / 4)}`,
    album: null,
    genre: GENRES[k % GENRES.length]!,
    subgenre: `${GENRES[k % GENRES.length]} ${k % 2 ? 'a' : 'b'}`,
    popularity: Math.floor(rand() * 100),
    valence: rand(),
    energy: rand(),
    danceability: rand(),
    acousticness: rand(),
    tempo: 60 + rand() * 120,
    loudness: -25 + rand() * 22,
    durationMs: 200_000,
  }));
}
