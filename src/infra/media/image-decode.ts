/**
 * Turns untrusted photo bytes from a chat into RGB pixels for the face models.
 *
 * Why it is careful: photos come from strangers. The byte and pixel limits are
 * checked from the header before anything is decoded, so a decompression bomb
 * (a tiny PNG claiming 50,000 x 50,000 pixels) costs microseconds, not gigabytes.
 * Everything happens in memory: image bytes never reach a disk or the database.
 */
import sharp from 'sharp';
import { UserError } from '../../core/errors.js';

/** The formats MoodReel decodes, named in the refusal message. */
export const ACCEPTED_IMAGE_TYPES = ['JPEG', 'PNG', 'WebP'] as const;

export interface ImageDecodeOptions {
  /** Largest accepted input, in bytes (default 10 MB). */
  readonly maxBytes?: number;
  /** Largest accepted image, in pixels, read from the header (default 40 megapixels). */
  readonly maxPixels?: number;
  /** Longest side of the returned pixels; larger images are shrunk, smaller ones kept (default 640). */
  readonly maxSide?: number;
}

export const IMAGE_DECODE_DEFAULTS = {
  maxBytes: 10 * 1024 * 1024,
  maxPixels: 40_000_000,
  maxSide: 640,
} as const satisfies Required<ImageDecodeOptions>;

export interface DecodedImage {
  /** RGB, 3 bytes per pixel, row-major, upright (EXIF orientation applied). */
  readonly data: Uint8Array;
  /** Working size: the upright image shrunk to fit maxSide. */
  readonly width: number;
  readonly height: number;
  /** Upright size of the original image (what the user sees). */
  readonly originalWidth: number;
  readonly originalHeight: number;
  readonly format: 'jpeg' | 'png' | 'webp';
}

type Sniffed = 'jpeg' | 'png' | 'webp' | 'refused' | 'text' | 'unknown';

const ACCEPTED_LIST = ACCEPTED_IMAGE_TYPES.join(', ');

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0): boolean =>
  bytes.length >= offset + signature.length && signature.every((b, i) => bytes[offset + i] === b);
const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

/**
 * Names the file type from its first bytes. Sharp would also decode GIF, SVG, TIFF
 * and HEIF; sniffing first lets us refuse those (SVG runs a renderer, HEIF and
 * animated GIF are not photos we analyse) before any decoder sees them.
 */
function sniff(bytes: Uint8Array): Sniffed {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  const refused =
    startsWith(bytes, ascii('GIF8')) ||
    startsWith(bytes, ascii('ftyp'), 4) || // HEIC, HEIF, AVIF
    startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || // TIFF little-endian
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]) || // TIFF big-endian
    startsWith(bytes, ascii('BM')) ||
    startsWith(bytes, [0x00, 0x00, 0x01, 0x00]) || // ICO
    startsWith(bytes, [0xff, 0x0a]) || // JPEG XL codestream
    startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20]); // JPEG XL container
  if (refused) return 'refused';
  return looksLikeText(bytes) ? 'text' : 'unknown';
}

/** True when the first bytes are printable UTF-8 (SVG, HTML, a text file sent as a photo). */
function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 1024);
  if (head.length === 0) return false;
  let printable = 0;
  for (const b of head) {
    if (b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b !== 0x7f)) printable += 1;
  }
  if (printable < head.length) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, Math.max(0, head.length - 3)));
    return true;
  } catch {
    return false;
  }
}

const unsupported = (what: string) =>
  new UserError('image_unsupported', `${what} Please send a photo as ${ACCEPTED_LIST}.`, { accepted: ACCEPTED_IMAGE_TYPES });
const unreadable = () =>
  new UserError('image_unreadable', 'I could not read that photo: the file looks damaged or incomplete. Please send it again.');
const tooLarge = (details: Record<string, unknown>, maxBytes: number, maxPixels: number) =>
  new UserError(
    'image_too_large',
    `That photo is too large. Please send one under ${Math.floor(maxBytes / (1024 * 1024))} MB and ${Math.floor(maxPixels / 1_000_000)} megapixels.`,
    details,
  );

/**
 * Decodes JPEG, PNG or WebP bytes to upright RGB pixels, shrunk to a working size.
 * Throws UserError 'image_too_large' (bytes or header-declared pixels over the limits),
 * 'image_unsupported' (another type, animated, or not an image at all) or
 * 'image_unreadable' (corrupt, truncated or random bytes).
 */
export async function decodeImage(bytes: Uint8Array, options: ImageDecodeOptions = {}): Promise<DecodedImage> {
  const { maxBytes, maxPixels, maxSide } = { ...IMAGE_DECODE_DEFAULTS, ...options };
  if (bytes.length > maxBytes) throw tooLarge({ bytes: bytes.length, maxBytes }, maxBytes, maxPixels);
  const kind = sniff(bytes);
  if (kind === 'refused') throw unsupported('That image type is not supported.');
  if (kind === 'text') throw unsupported('That file is not a photo.');
  if (kind === 'unknown') throw unreadable();

  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Header only: no pixel is decoded until the declared size has been checked.
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch {
    throw unreadable();
  }
  if (meta.format !== kind) throw unreadable();
  if (!meta.width || !meta.height) throw unreadable();
  const pixels = meta.width * meta.height;
  if (pixels > maxPixels) throw tooLarge({ width: meta.width, height: meta.height, maxPixels }, maxBytes, maxPixels);
  if ((meta.pages ?? 1) > 1) throw unsupported('Animated images are not supported.');

  const swap = (meta.orientation ?? 1) >= 5;
  const originalWidth = swap ? meta.height : meta.width;
  const originalHeight = swap ? meta.width : meta.height;
  try {
    const { data, info } = await sharp(input, { limitInputPixels: maxPixels, failOn: 'error', sequentialRead: true })
      .rotate()
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      originalWidth,
      originalHeight,
      format: kind,
    };
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw unreadable();
  }
}
