/** Container health: the database answers and has the catalogue. Exit 0 healthy, 1 not. */
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/infra/db/database.js';

try {
  const { db, close } = await openDatabase(loadConfig().DATABASE_URL);
  const movies = await db.movie.count();
  await close();
  process.exit(movies > 0 ? 0 : 1);
} catch (error) {
  process.stderr.write(`unhealthy: ${(error as Error).message}\n`);
  process.exit(1);
}
