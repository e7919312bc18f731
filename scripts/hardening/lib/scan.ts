/**
 * Searches files for what must never be stored: image bytes (JPEG, PNG, GIF,
 * WebP signatures, and exact slices of the photos this run sent) and marker
 * strings planted in users' messages.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface ScanHit {
  readonly file: string;
  readonly offset: number;
  readonly what: string;
}

const SIGNATURES: { what: string; test: (b: Buffer, i: number) => boolean; first: number }[] = [
  { what: 'JPEG', first: 0xff, test: (b, i) => b[i + 1] === 0xd8 && b[i + 2] === 0xff && [0xe0, 0xe1, 0xdb, 0xee, 0xe2].includes(b[i + 3]!) },
  { what: 'PNG', first: 0x89, test: (b, i) => b.toString('latin1', i + 1, i + 8) === 'PNG\r\n\x1a\n' },
  { what: 'GIF', first: 0x47, test: (b, i) => { const s = b.toString('latin1', i, i + 6); return s === 'GIF89a' || s === 'GIF87a'; } },
  { what: 'WebP', first: 0x52, test: (b, i) => b.toString('latin1', i, i + 4) === 'RIFF' && b.toString('latin1', i + 8, i + 12) === 'WEBP' },
];

/** Image signatures in a buffer (each kind at most `limit` times). */
export function imageSignatures(buffer: Buffer, file: string, limit = 3): ScanHit[] {
  const hits: ScanHit[] = [];
  for (const sig of SIGNATURES) {
    let found = 0;
    for (let i = buffer.indexOf(sig.first); i >= 0 && found < limit; i = buffer.indexOf(sig.first, i + 1)) {
      if (sig.test(buffer, i)) {
        hits.push({ file, offset: i, what: `${sig.what} signature` });
        found++;
      }
    }
  }
  return hits;
}

/** Occurrences of any needle (strings as UTF-8, or raw byte slices). */
export function needles(buffer: Buffer, file: string, items: readonly { what: string; bytes: Buffer }[]): ScanHit[] {
  const hits: ScanHit[] = [];
  for (const item of items) {
    const at = buffer.indexOf(item.bytes);
    if (at >= 0) hits.push({ file, offset: at, what: item.what });
  }
  return hits;
}

/** Files under `root` (depth-limited), optionally only those modified since `since` (ms). */
export function filesUnder(root: string, options: { maxDepth?: number; since?: number; skip?: (p: string) => boolean; maxBytes?: number } = {}): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const full = path.join(dir, name);
      if (options.skip?.(full)) continue;
      let st;
      try {
        st = statSync(full);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (depth < (options.maxDepth ?? 6) && name !== 'node_modules') walk(full, depth + 1);
      } else if (st.isFile() && (options.since === undefined || st.mtimeMs >= options.since) && st.size <= (options.maxBytes ?? 512 * 2 ** 20)) {
        out.push(full);
      }
    }
  };
  walk(root, 0);
  return out;
}

export const readSafely = (file: string): Buffer | null => {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
};

/** A 64-byte slice from the middle of an image: its content, not a header every JPEG shares. */
export const imageFingerprint = (bytes: Uint8Array): Buffer => {
  const mid = Math.max(0, Math.floor(bytes.length / 2) - 32);
  return Buffer.from(bytes.subarray(mid, mid + 64));
};
