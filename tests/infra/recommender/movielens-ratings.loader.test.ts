import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUserError } from '../../../src/core/errors.js';
import { findRatingsFile, loadMovieLensRatings, parseRatings, ratingsFormatOf } from '../../../src/infra/recommender/movielens-ratings.loader.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'moodreel-ml-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const expected = [
  { user: 1, item: 31, rating: 2.5, timestamp: 1260759144 },
  { user: 2, item: 1029, rating: 3, timestamp: 1260759179 },
];

describe('MovieLens ratings loader', () => {
  it('parses ratings.csv (latest) with its header and CRLF line ends', () => {
    const text = 'userId,movieId,rating,timestamp\r\n1,31,2.5,1260759144\r\n2,1029,3.0,1260759179\r\n';
    expect(parseRatings(text, 'csv')).toEqual(expected);
  });

  it('parses ratings.dat (1M, :: separated)', () => {
    expect(parseRatings('1::31::2.5::1260759144\n2::1029::3::1260759179', 'dat')).toEqual(expected);
  });

  it('parses u.data (100k, tab separated)', () => {
    expect(parseRatings('1\t31\t2.5\t1260759144\n2\t1029\t3\t1260759179\n', 'udata')).toEqual(expected);
  });

  it('given a malformed line, throws a UserError naming the line', () => {
    expect(() => parseRatings('1::31::2.5::1\n2::oops\n', 'dat')).toThrow(/line 2/);
  });

  it('recognises ratings files by name, gzipped or not, and ignores the rest', () => {
    expect(ratingsFormatOf('ratings-first-487650.dat.gz')).toMatchObject({ format: 'dat', gzip: true });
    expect(ratingsFormatOf('u.data')).toMatchObject({ format: 'udata', gzip: false });
    expect(ratingsFormatOf('movies.dat')).toBeNull();
    expect(ratingsFormatOf('u.item')).toBeNull();
  });

  it('loads a gzipped .dat file from a folder', async () => {
    await writeFile(path.join(dir, 'movies.dat'), '1::Toy Story (1995)::Animation\n');
    await writeFile(path.join(dir, 'ratings-first-2.dat.gz'), gzipSync('1::31::2.5::1260759144\n2::1029::3::1260759179\n'));
    expect(await loadMovieLensRatings(dir)).toEqual(expected);
  });

  it('prefers a plain ratings file over a gzipped one', async () => {
    await writeFile(path.join(dir, 'ratings.csv.gz'), gzipSync('userId,movieId,rating,timestamp\n9,9,1,1\n'));
    await writeFile(path.join(dir, 'ratings.csv'), 'userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n');
    expect((await findRatingsFile(dir)).path).toBe(path.join(dir, 'ratings.csv'));
  });

  it('given a folder without ratings, throws data_missing', async () => {
    await expect(loadMovieLensRatings(dir)).rejects.toSatisfy((e: unknown) => isUserError(e) && e.code === 'data_missing');
    await expect(loadMovieLensRatings(path.join(dir, 'nope'))).rejects.toSatisfy((e: unknown) => isUserError(e) && e.code === 'data_missing');
  });
});
