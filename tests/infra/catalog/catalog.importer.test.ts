import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCatalog } from '../../../src/infra/catalog/catalog.importer.js';
import { parseTitle } from '../../../src/infra/catalog/catalog.loader.js';
import { createLogger } from '../../../src/infra/logging/logger.js';
import { UserError } from '../../../src/core/errors.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';

const logger = createLogger('silent');

function writeDataset(dir: string, ratings: string) {
  const ml = path.join(dir, 'movielens', 'ml-latest-small');
  mkdirSync(ml, { recursive: true });
  writeFileSync(path.join(ml, 'movies.csv'), 'movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n2,"Matrix, The (1999)",Action|Sci-Fi\n3,Broken Row\n4,Untitled,(no genres listed)\n');
  writeFileSync(path.join(ml, 'links.csv'), 'movieId,imdbId,tmdbId\n1,0114709,862\n2,0133093,603\n4,0000001,\n');
  writeFileSync(path.join(ml, 'tags.csv'), 'userId,movieId,tag,timestamp\n1,2,Cyberpunk,1\n2,2,cyberpunk,2\n1,1,pixar,3\n');
  writeFileSync(path.join(ml, 'ratings.csv'), ratings);
}

describe('catalogue importer', () => {
  let dir: string;
  let t: TestDatabase;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'moodreel-data-'));
    writeDataset(dir, 'userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,2,5.0,964981247\n2,2,abc,964982224\n2,1,7.5,964982224\n2,4,3.5\n3,2,0.5,964983815\n');
    t = await sqliteDatabase();
  });
  afterAll(async () => {
    await t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('given a file with malformed rows, imports the good rows and counts the bad ones', async () => {
    const report = await importCatalog(t.database, dir, logger);
    expect(report.movies).toBe(3);
    expect(report.ratingsAdded).toBe(3);
    const ratingsFile = report.files.find((f) => f.file.endsWith('ratings.csv'))!;
    expect(ratingsFile.malformed).toBe(3); // "abc", 7.5 stars, a missing column
    expect(report.files.find((f) => f.file.endsWith('movies.csv'))!.malformed).toBe(1);
    const matrix = await t.database.db.movie.findUniqueOrThrow({ where: { id: 2 } });
    expect(matrix).toMatchObject({ title: 'The Matrix', year: 1999, genres: 'Action|Sci-Fi', tmdbId: 603, tags: 'cyberpunk' });
    expect((await t.database.db.movie.findUniqueOrThrow({ where: { id: 4 } })).genres).toBe('');
  });

  it('given the same files again, changes nothing', async () => {
    const report = await importCatalog(t.database, dir, logger);
    expect(report.moviesWritten).toBe(0);
    expect(report.ratingsAdded).toBe(0);
    expect(await t.database.db.rating.count()).toBe(3);
    expect(await t.database.db.identity.count({ where: { platform: 'movielens' } })).toBe(2);
  });

  it('given a missing data folder, explains which files and which setting', async () => {
    const error = await importCatalog(t.database, path.join(dir, 'nowhere'), logger).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('data_missing');
    expect((error as UserError).message).toMatch(/MOODREEL_DATA_DIR/);
    expect((error as UserError).message).toMatch(/movies\.csv/);
  });

  it('reads MovieLens titles with trailing articles and years', () => {
    expect(parseTitle('Matrix, The (1999)')).toEqual({ title: 'The Matrix', year: 1999 });
    expect(parseTitle('City of Lost Children, The (Cité des enfants perdus, La) (1995)')).toEqual({ title: 'The City of Lost Children (Cité des enfants perdus, La)', year: 1995 });
    expect(parseTitle('Babylon 5')).toEqual({ title: 'Babylon 5', year: null });
  });
});
