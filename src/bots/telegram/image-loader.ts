/**
 * Lazy image download for Turn.image: nothing is fetched unless the core asks,
 * and nothing past the size limit is ever held in memory. The announced size is
 * checked first (before getFile and before any byte moves), then a byte cap
 * guards the download itself, because file_size is optional in the Bot API.
 * When Telegram does not hand the file over (getFile or the download fails, times
 * out or is cut), the user is asked to send the photo again: nothing was stored.
 */
import { open } from 'node:fs/promises';
import { UserError } from '../../core/errors.js';
import type { ImageInput } from '../../core/conversation/turn.js';
import { downloadCapped } from '../shared/capped-download.js';
import { TelegramApiError } from './telegram-api.js';

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

const downloadFailed = (details: Readonly<Record<string, unknown>>, cause?: unknown): UserError => {
  const error = new UserError('unavailable', "I couldn't fetch your photo from Telegram just now. Please send it again in a moment.", details);
  if (cause !== undefined) (error as Error).cause = cause;
  return error;
};

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
      throw downloadFailed({ step: 'getFile', code: error instanceof TelegramApiError ? error.code : null }, error);
    }
    if (info.file_size !== undefined && info.file_size > cap) throw tooLarge(cap);
    if (!info.file_path) throw new UserError('image_unreadable', 'I could not read that image, sorry.');
    const url = files.fileUrl(info.file_path);
    return url.protocol === 'file:'
      ? readLocal(url, cap)
      : downloadCapped(url, cap, files.downloadTimeoutMs, { tooLarge: (limit) => tooLarge(limit), failed: downloadFailed });
  },
});

/** A local Bot API server (--local) hands out absolute paths on its own disk. */
const readLocal = async (url: URL, cap: number): Promise<Uint8Array> => {
  const handle = await open(url).catch((error: unknown) => {
    throw downloadFailed({ step: 'readLocal' }, error);
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
