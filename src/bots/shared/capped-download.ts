/**
 * Downloads a user's image with a byte cap, for every chat adapter: the
 * announced Content-Length is checked before any byte moves, and the stream is
 * cut off as soon as it passes the cap, so a lying size or a huge file never
 * fills memory. Each adapter words its own errors (they name the platform).
 */
import { UserError } from '../../core/errors.js';

export interface DownloadErrors {
  /** The file is over `cap` bytes (`size` is what was announced or read so far). */
  tooLarge(cap: number, size: number): UserError;
  /** The platform did not hand the file over: refused connection, timeout, HTTP error, cut stream. */
  failed(details: Readonly<Record<string, unknown>>, cause?: unknown): Error;
}

export async function downloadCapped(url: URL | string, cap: number, timeoutMs: number, errors: DownloadErrors): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw errors.failed({ reason: error instanceof Error ? error.name : 'fetch_failed' }, error);
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel().catch(() => undefined);
    throw errors.failed({ status: response.status });
  }
  const announced = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(announced) && announced > cap) {
    await response.body.cancel().catch(() => undefined);
    throw errors.tooLarge(cap, announced);
  }
  return readCapped(response.body, cap, errors);
}

/** Reads a stream to its end, refusing it once it passes `cap` bytes. */
export async function readCapped(body: ReadableStream<Uint8Array>, cap: number, errors: DownloadErrors): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > cap) {
        await reader.cancel().catch(() => undefined);
        throw errors.tooLarge(cap, total);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw errors.failed({ reason: error instanceof Error ? error.name : 'read_failed' }, error);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
