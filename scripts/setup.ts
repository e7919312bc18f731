/**
 * `npm run setup`: imports or updates the catalogue from MOODREEL_DATA_DIR,
 * then computes the movie emotion profiles with the text model. Idempotent:
 * a second run changes nothing. `npm start` runs the import on first start too.
 */
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/infra/logging/logger.js';
import { openDatabase } from '../src/infra/db/database.js';
import { createPrismaStores } from '../src/infra/db/prisma-stores.js';
import { importCatalog } from '../src/infra/catalog/catalog.importer.js';
import { terminalProgress } from '../src/infra/catalog/progress.js';
import { downloadMovieLensSmall } from '../src/infra/catalog/movielens-download.js';
import { createTextMoodDetector } from '../src/infra/mood/text-mood.detector.js';
import { ensureEmotionProfiles, importMusicIfPresent } from '../src/app.js';
import { isUserError } from '../src/core/errors.js';

const config = loadConfig();
const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
try {
  const database = await openDatabase(config.DATABASE_URL);
  const report = await importCatalog(database, config.MOODREEL_DATA_DIR, logger, terminalProgress(), downloadMovieLensSmall);
  console.log('file                                   rows   malformed');
  for (const f of report.files) console.log(`${f.file.slice(-38).padEnd(38)} ${String(f.rows).padStart(6)} ${String(f.malformed).padStart(10)}`);
  console.log(`movies ${report.movies} (${report.moviesWritten} written), ratings ${report.ratings} (${report.ratingsAdded} added) in ${report.seconds.toFixed(1)} s`);
  if (await importMusicIfPresent(database, config, logger)) console.log(`music tracks: ${await database.db.track.count()}`);
  const stores = createPrismaStores(database);
  const started = Date.now();
  await ensureEmotionProfiles(stores, await stores.catalog.allMovies(), await createTextMoodDetector({ model: config.MOODREEL_TEXT_MODEL }), logger);
  console.log(`emotion profiles ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await database.close();
} catch (error) {
  if (isUserError(error)) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
