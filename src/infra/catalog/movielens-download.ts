/**
 * Fetches MovieLens ml-latest-small from GroupLens when the files are missing
 * and the machine is online: the zip and its published MD5, checked before
 * anything is unpacked. Offline (or on any failure) the caller shows the
 * missing-data message instead.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { MOVIELENS_SMALL_URL } from './data-files.js';

/** Entries of a zip archive (stored or deflated), read from its central directory. */
export function unzip(zip: Uint8Array): { name: string; data: Buffer }[] {
  const buf = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let k = buf.length - 22; k >= Math.max(0, buf.length - 65_557); k--) {
    if (buf.readUInt32LE(k) === 0x06054b50) {
      eocd = k;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: { name: string; data: Buffer }[] = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (buf.readUInt32LE(local) !== 0x04034b50) throw new Error(`corrupt zip entry ${name}`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + compressed);
    if (method !== 0 && method !== 8) throw new Error(`unsupported zip compression ${method} for ${name}`);
    out.push({ name, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) });
  }
  return out;
}

/**
 * Downloads and unpacks ml-latest-small into <dataDir>/movielens/ after checking
 * the MD5 GroupLens publishes beside the zip. Throws on any network or checksum
 * problem; nothing is written unless the checksum matches.
 */
export async function downloadMovieLensSmall(dataDir: string, fetchImpl: typeof fetch = fetch): Promise<string[]> {
  const get = async (url: string) => {
    const res = await fetchImpl(url, { signal: AbortSignal.timeout(60_000) });
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  };
  const [zip, md5File] = await Promise.all([get(MOVIELENS_SMALL_URL), get(`${MOVIELENS_SMALL_URL}.md5`)]);
  const expected = /[0-9a-f]{32}/i.exec(Buffer.from(md5File).toString('utf8'))?.[0]?.toLowerCase();
  const actual = createHash('md5').update(zip).digest('hex');
  if (!expected || expected !== actual) throw new Error(`checksum mismatch for ml-latest-small.zip (expected ${expected ?? 'none'}, got ${actual})`);
  const root = path.join(dataDir, 'movielens');
  const written: string[] = [];
  for (const entry of unzip(zip)) {
    const target = path.resolve(root, entry.name);
    if (!target.startsWith(path.resolve(root) + path.sep)) throw new Error(`zip entry escapes the data folder: ${entry.name}`);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, entry.data);
    written.push(target);
  }
  return written;
}
