import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { downloadMovieLensSmall, unzip } from '../../../src/infra/catalog/movielens-download.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'moodreel-dl-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A zip laid out like GroupLens's, built with Python's zipfile (deflated and stored entries). */
function makeZip(): Buffer {
  const file = path.join(tmp(), 'ml.zip');
  execFileSync('python3', ['-c', `
import zipfile
with zipfile.ZipFile(${JSON.stringify(file)}, 'w') as z:
    z.writestr('ml-latest-small/', '')
    z.writestr(zipfile.ZipInfo('ml-latest-small/movies.csv'), 'movieId,title,genres\\n1,Toy Story (1995),Animation\\n' * 50, compress_type=zipfile.ZIP_DEFLATED)
    z.writestr('ml-latest-small/README.txt', 'stored entry')
`]);
  return readFileSync(file);
}

const fakeFetch = (zip: Buffer, md5: string): typeof fetch =>
  (async (url: string | URL | Request) => {
    const body = String(url).endsWith('.md5') ? Buffer.from(`${md5}  ml-latest-small.zip\n`) : zip;
    return new Response(body);
  }) as typeof fetch;

describe('MovieLens download', () => {
  it('unpacks deflated and stored entries', () => {
    const entries = unzip(makeZip());
    expect(entries.map((e) => e.name)).toEqual(['ml-latest-small/movies.csv', 'ml-latest-small/README.txt']);
    expect(entries[0]!.data.toString()).toMatch(/^movieId,title,genres\n1,Toy Story/);
    expect(entries[1]!.data.toString()).toBe('stored entry');
  });

  it('given a matching checksum, writes the files under movielens/', async () => {
    const zip = makeZip();
    const dir = tmp();
    await downloadMovieLensSmall(dir, fakeFetch(zip, createHash('md5').update(zip).digest('hex')));
    expect(existsSync(path.join(dir, 'movielens', 'ml-latest-small', 'movies.csv'))).toBe(true);
  });

  it('given a checksum mismatch, refuses and writes nothing', async () => {
    const dir = tmp();
    await expect(downloadMovieLensSmall(dir, fakeFetch(makeZip(), '0'.repeat(32)))).rejects.toThrow(/checksum mismatch/);
    expect(existsSync(path.join(dir, 'movielens'))).toBe(false);
  });

  it('given no network, fails with the fetch error', async () => {
    const offline = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    await expect(downloadMovieLensSmall(tmp(), offline)).rejects.toThrow(/fetch failed/);
  });
});
