/**
 * Lazy image download for Turn.image: nothing is fetched unless the core asks,
 * and nothing past the size limit is ever held in memory. The announced size is
 * checked first (before getFile and before any byte moves), then a byte cap
 * guards the download itself, because file_size is optional in the Bot API.
 */
import { open } from 'node:fs/promises';
import { UserError } from '../../core/errors.js';
import type { ImageInput } from '../../core/conversation/turn.js';
import { TelegramApiError, wrapApiError } from './telegram-api.js';

export interface TelegramFileRef {
  readonly fileId: string;
  readonly sizeBytes: number | null;
  readonly mimeType: string | null;
  readonly fileName?: string;
}

export interface FileAccess {
  getFile(fileId: string): Promise<{ file_path?: string; file_size?: number }>;
  /** Download URL for a file_path: https for the cloud API, file: for a local Bot API server. */
  fileUrl(filePath: string): URL;
  readonly downloadTimeoutMs: number;
}

const tooLarge = (maxBytes: number) =>
  new UserError(
    'image_too_large',
    `That image is too large for me: please send one under ${Math.max(1, Math.floor(maxBytes / (1024 * 1024)))} MB.`,
    { maxBytes },
  );

export const createImageInput = (files: FileAccess, ref: TelegramFileRef, adapterMaxBytes: number): ImageInput => ({
  sizeBytes: ref.sizeBytes,
  mimeType: ref.mimeType,
  ...(ref.fileName !== undefined ? { fileName: ref.fileName } : {}),
  async load(maxBytes: number): Promise<Uint8Array> {
    const cap = Math.min(maxBytes, adapterMaxBytes);
    if (ref.sizeBytes !== null && ref.sizeBytes > cap) throw tooLarge(cap);
    let info: { file_path?: string; file_size?: number };
    try {
      info = await files.getFile(ref.fileId);
    } catch (error) {
      // The cloud Bot API refuses getFile for files over 20 MB with 400 "file is too big".
      if (error instanceof TelegramApiError && error.code === 400 && /too big/i.test(error.description)) {
        throw tooLarge(cap);
      }
      throw error;
    }
    if (info.file_size !== undefined && info.file_size > cap) throw tooLarge(cap);
    if (!info.file_path) throw new UserError('image_unreadable', 'I could not read that image, sorry.');
    const url = files.fileUrl(info.file_path);
    return url.protocol === 'file:' ? readLocal(url, cap) : download(url, cap, files.downloadTimeoutMs);
  },
});

const download = async (url: URL, cap: number, timeoutMs: number): Promise<Uint8Array> => {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw wrapApiError('downloadFile', error);
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel().catch(() => undefined);
    throw new TelegramApiError('downloadFile', response.status, response.statusText || 'download failed');
  }
  const announced = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(announced) && announced > cap) {
    await response.body.cancel().catch(() => undefined);
    throw tooLarge(cap);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > cap) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(cap);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw wrapApiError('downloadFile', error);
  }
  return concat(chunks, total);
};

/** A local Bot API server (--local) hands out absolute paths on its own disk. */
const readLocal = async (url: URL, cap: number): Promise<Uint8Array> => {
  const handle = await open(url).catch((error: unknown) => {
    throw wrapApiError('downloadFile', error);
  });
  try {
    const { size } = await handle.stat();
    if (size > cap) throw tooLarge(cap);
    const buffer = new Uint8Array(size);
    const { bytesRead } = await handle.read(buffer, 0, size, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
};

const concat = (chunks: readonly Uint8Array[], total: number): Uint8Array => {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
};
