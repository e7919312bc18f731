/**
 * Builds MoodReel from a Config: database (migrated), catalogue (imported on
 * first start), mood detectors, recommender, agents and the conversation core.
 * main.ts adds adapters and schedules; tests and benchmarks use the same app.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import type { Config } from './config.js';
import type { Clock, Logger, Movie, TextMoodDetector } from './core/ports.js';
import type { Stores } from './core/stores.js';
import { CatalogIndex } from './core/agents/catalog-index.js';
import { InferenceGate } from './core/agents/limits.js';
import { MoodAgent } from './core/agents/mood/mood.agent.js';
import { computeEmotionProfiles } from './core/agents/mood/movie-profiles.js';
import { RecommendationAgent } from './core/agents/recommendation.agent.js';
import { FeedbackAgent } from './core/agents/feedback.agent.js';
import { SettingsAgent } from './core/agents/settings.agent.js';
import { WatchPartyAgent } from './core/agents/watch-party.agent.js';
import { Conversation } from './core/conversation/conversation.js';
import type { ConversationHandler, Notifier } from './core/conversation/turn.js';
import { isStorageUnavailable, openDatabase, type Database } from './infra/db/database.js';
import { createPrismaStores } from './infra/db/prisma-stores.js';
import { importCatalog } from './infra/catalog/catalog.importer.js';
import { terminalProgress } from './infra/catalog/progress.js';
import { downloadMovieLensSmall } from './infra/catalog/movielens-download.js';
import { createSentimentAnalyzer } from './infra/text/sentiment.analyzer.js';
import { createTextMoodDetector } from './infra/mood/text-mood.detector.js';
import { TextModelRegistry } from './infra/mood/text-model.registry.js';
import { createTextRetrainRuntime } from './infra/mood/text-retrain.job.js';
import { withCache } from './infra/db/cached-stores.js';
import { createFaceWorkerDetector } from './infra/mood/face-worker.detector.js';
import { createRecommendation, type RecommendationRuntime } from './infra/recommendation/recommendation.runtime.js';
import { MusicPickerService } from './core/music/music-picker.js';
import { PrismaMusicStore } from './infra/music/music.store.js';
import { loadMusicCalibration } from './infra/music/music-calibration.loader.js';
import { importMusic } from './infra/music/music.importer.js';
import { isUserError } from './core/errors.js';
import { createMoodChartRenderer } from './infra/charts/mood-chart.js';
import type { StopStep } from './lifecycle/shutdown.js';

export interface App {
  readonly handler: ConversationHandler;
  readonly parties: WatchPartyAgent;
  readonly database: Database;
  readonly stores: Stores;
  readonly recommendation: RecommendationRuntime;
  /** Starts timers (party deadlines, scheduled retraining) and loads the face models in the background. */
  startSchedules(): void;
  /** Loads the face models now (the face worker); resolves when a photo can be analysed at once. */
  warmUpFace(): Promise<void>;
  /** What close() does, as named steps in order (schedules, face worker, storage), for a shutdown with a deadline. */
  stopSteps(): StopStep[];
  close(): Promise<void>;
}

export interface AppOptions {
  /** Show progress bars (first-start import, training). */
  readonly interactive?: boolean;
  readonly clock?: Clock;
}

const systemClock: Clock = { now: () => new Date() };

/** Imports the catalogue when the database has none, then emotion profiles when the text model exists. */
async function ensureCatalog(database: Database, stores: Stores, config: Config, logger: Logger, interactive: boolean): Promise<void> {
  if ((await stores.catalog.count()) === 0) {
    process.stderr.write(`First start: importing the movie catalogue from ${path.resolve(config.MOODREEL_DATA_DIR)} ...\n`);
    await importCatalog(database, config.MOODREEL_DATA_DIR, logger, interactive ? terminalProgress() : undefined, downloadMovieLensSmall);
  }
  if ((await database.db.track.count()) === 0) await importMusicIfPresent(database, config, logger);
}

/** Music is optional: without the songs file, /music says it is not set up and everything else works. */
export async function importMusicIfPresent(database: Database, config: Config, logger: Logger): Promise<boolean> {
  try {
    await importMusic(database, config.MOODREEL_DATA_DIR, logger);
    return true;
  } catch (error) {
    if (!isUserError(error) || error.code !== 'data_missing') throw error;
    logger.warn({ dataDir: config.MOODREEL_DATA_DIR }, 'music data not found; /music is off (see docs/music.md)');
    return false;
  }
}

export async function ensureEmotionProfiles(stores: Stores, movies: readonly Movie[], text: TextMoodDetector, logger: Logger): Promise<void> {
  const existing = await stores.catalog.emotionProfiles();
  const missing = movies.filter((m) => !existing.has(m.id));
  if (missing.length === 0) return;
  const started = Date.now();
  const profiles = await computeEmotionProfiles(missing, text);
  await stores.catalog.saveEmotionProfiles(profiles);
  logger.info({ movies: profiles.size, seconds: (Date.now() - started) / 1000 }, 'movie emotion profiles computed');
}

/**
 * The detector versions a stored reading (and so a mood correction) names: the
 * face head's manifest version, and the text model's name with a hash of its
 * card (moodreel.json changes with every training run).
 */
export function moodModelVersions(config: Config): { text: string; face: string } {
  const read = (file: string): string | null => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return null;
    }
  };
  const card = read(path.join(config.MOODREEL_TEXT_MODEL, 'moodreel.json'));
  const manifest = read(path.join(config.MOODREEL_FACE_MODEL_DIR, 'manifest.json'));
  const faceVersion = manifest ? (JSON.parse(manifest) as { version?: string }).version : undefined;
  return {
    text: `text:${path.basename(config.MOODREEL_TEXT_MODEL)}${card ? `@${createHash('sha256').update(card).digest('hex').slice(0, 10)}` : ''}`,
    face: `face:${faceVersion ?? path.basename(config.MOODREEL_FACE_MODEL_DIR)}`,
  };
}

export async function createApp(config: Config, logger: Logger, options: AppOptions = {}): Promise<App> {
  const clock = options.clock ?? systemClock;
  const database = await openDatabase(config.DATABASE_URL);
  const stores = withCache(createPrismaStores(database), { ttlMs: config.MOODREEL_CACHE_SECONDS * 1000 });
  await ensureCatalog(database, stores, config, logger, options.interactive ?? false);

  // Text model retrained from donated sentences (docs/text-retraining.md): serve the promoted version, pick up new ones live.
  const textRegistry = new TextModelRegistry(config.MOODREEL_MODELS_DIR, { logger });
  const resolveText = async () => {
    const serving = await textRegistry.servingFolder(path.resolve(config.MOODREEL_TEXT_MODEL));
    return serving.version === null ? config.MOODREEL_TEXT_MODEL : serving.folder;
  };
  const text = await createTextMoodDetector({ model: config.MOODREEL_TEXT_MODEL, reload: { watchFile: textRegistry.pointerPath, resolveFolder: resolveText, logger } });
  const textRetrain = createTextRetrainRuntime({
    cron: config.MOODREEL_TEXT_RETRAIN_CRON, shippedModel: config.MOODREEL_TEXT_MODEL, registry: textRegistry, dataDir: path.join(config.MOODREEL_DATA_DIR, 'text-emotion'),
    loadDonated: () => stores.corrections.donatedSentences(), logger, timeoutMs: config.MOODREEL_RETRAIN_TIMEOUT_MIN * 60_000, seed: config.MOODREEL_SEED,
  });
  // A reading names the text model that served it: a promoted retrain's version, else the shipped card's hash.
  const shippedVersions = moodModelVersions(config);
  const servedVersions = {
    face: shippedVersions.face,
    get text() {
      const from = text.servingFrom();
      return from.startsWith(path.resolve(textRegistry.dir) + path.sep) ? `text:${path.basename(from)}` : shippedVersions.text;
    },
  };
  const face = createFaceWorkerDetector({
    modelDir: config.MOODREEL_FACE_MODEL_DIR,
    logger: logger.child({ module: 'face' }),
    maxBytes: Math.round(config.MOODREEL_MAX_IMAGE_MB * 1e6),
    maxPixels: Math.round(config.MOODREEL_MAX_IMAGE_MEGAPIXELS * 1e6),
  });
  const movies = await stores.catalog.allMovies();
  await ensureEmotionProfiles(stores, movies, text, logger);

  const recommendation = await createRecommendation({ config, stores, movies, logger, clock });
  const popularity = recommendation.popularityCounts();
  const catalog = new CatalogIndex(movies, popularity);
  const recommender = recommendation.service;
  const picks = config.MOODREEL_PICKS;
  const gate = new InferenceGate({
    // Photos: download and decode overlap while the face worker (one at a time) classifies.
    concurrency: 3,
    queueLimit: config.MOODREEL_QUEUE_LIMIT,
    photoCooldownMs: config.MOODREEL_PHOTO_COOLDOWN_S * 1000,
    clock,
  });
  const parties = new WatchPartyAgent({ stores, recommender, catalog, clock, logger: logger.child({ module: 'party' }), picks: Math.min(5, Math.max(3, picks)), owner: `${os.hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}` });
  const genres = [...new Set(movies.flatMap((m) => m.genres))].sort();
  const music =
    (await database.db.track.count()) > 0
      ? new MusicPickerService({ tracks: new PrismaMusicStore(database.db), preferences: stores.preferences, calibration: loadMusicCalibration(), clock, logger: logger.child({ module: 'music' }) })
      : undefined;
  const handler = new Conversation({
    stores,
    recommender,
    catalog,
    mood: new MoodAgent({ text, face, gate, moods: stores.moods, maxImageBytes: Math.round(config.MOODREEL_MAX_IMAGE_MB * 1e6), maxTextChars: config.MOODREEL_MAX_TEXT_CHARS, versions: servedVersions }),
    recommendations: new RecommendationAgent({ stores, recommender, catalog, picks }),
    feedback: new FeedbackAgent({ stores, recommender, catalog, logger }),
    settings: new SettingsAgent({ preferences: stores.preferences, genres }),
    parties,
    sentiment: createSentimentAnalyzer(),
    clock,
    logger: logger.child({ module: 'conversation' }),
    partyMinutes: config.MOODREEL_PARTY_MINUTES,
    maxTextChars: config.MOODREEL_MAX_TEXT_CHARS,
    isUnavailable: isStorageUnavailable,
    moodChart: createMoodChartRenderer(),
    ...(music ? { music } : {}),
  });

  let closing = false;
  const stopSteps = (): StopStep[] => [
    {
      name: 'schedules',
      async stop() {
        closing = true;
        parties.stop();
        await recommendation.stop();
        await textRetrain.stop();
      },
    },
    { name: 'face worker', stop: () => face.close() },
    { name: 'storage', stop: () => database.close() },
  ];
  return {
    handler,
    parties,
    database,
    stores,
    recommendation,
    warmUpFace: () => face.warmUp(),
    startSchedules() {
      face.warmUp().catch((error: unknown) => {
        // A close() while the models load (a short piped terminal chat) is not a load failure.
        if (!closing) logger.warn({ err: error }, 'face models did not load; photos will say so');
      });
      void parties.resume();
      recommendation.startSchedule();
      textRetrain.startSchedule();
    },
    stopSteps,
    async close() {
      for (const step of stopSteps()) await step.stop(Infinity);
    },
  };
}

/** True when the shipped text model is present (tests and scripts check before building an app). */
export const textModelPresent = (config: Config) => existsSync(path.join(config.MOODREEL_TEXT_MODEL, 'config.json'));

/**
 * The real app for `npm run bench:bots`: a temporary SQLite database over the
 * catalogue in MOODREEL_DATA_DIR (default ../shared/data), no scheduled jobs.
 */
export async function createHandlerForBench(_options: { platform: 'telegram' }): Promise<{
  handler: ConversationHandler;
  countStoredRatings(): Promise<number>;
  /** Which button payloads are ratings (1-5 stars, seen, not for me). */
  ratingAction: RegExp;
  /** Lets watch parties announce their results through the bot under test. */
  registerNotifier(notifier: Notifier): void;
  close(): Promise<void>;
}> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { loadConfig } = await import('./config.js');
  const { createLogger } = await import('./infra/logging/logger.js');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moodreel-bench-'));
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: `file:${path.join(dir, 'bench.db')}`,
    MOODREEL_DATA_DIR: process.env.MOODREEL_DATA_DIR ?? path.resolve('..', 'shared', 'data'),
    MOODREEL_MODELS_DIR: path.join(dir, 'models'),
    MOODREEL_RETRAIN_CRON: 'off',
    MOODREEL_TRAIN_ON_START: 'false',
    MOODREEL_PHOTO_COOLDOWN_S: '0',
    MOODREEL_QUEUE_LIMIT: '1000',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  const app = await createApp(config, createLogger(config.LOG_LEVEL));
  await app.warmUpFace();
  return {
    handler: app.handler,
    countStoredRatings: () => app.database.db.rating.count({ where: { source: 'button' } }),
    ratingAction: /^r:\d+:[1-5sn]$/,
    registerNotifier: (notifier) => app.parties.registerNotifier(notifier),
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
