import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { decodeImage } from '../../../src/infra/media/image-decode.js';

const solid = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: { r: 200, g: 50, b: 20 } } });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as UserError).code;
  }
}

/** A valid 1x1 PNG whose IHDR (with a correct CRC) claims width x height. */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await solid(1, 1).png().toBuffer());
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)) >>> 0, 29);
  return png;
}

function seededBytes(n: number): Buffer {
  const out = Buffer.alloc(n);
  let s = 7;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out[i] = (s >> 16) & 255;
  }
  return out;
}

describe('decodeImage', () => {
  it('given a JPEG, PNG or WebP, returns RGB pixels of its size', async () => {
    for (const encoded of [await solid(200, 100).jpeg().toBuffer(), await solid(200, 100).png().toBuffer(), await solid(200, 100).webp().toBuffer()]) {
      const image = await decodeImage(encoded);
      expect([image.width, image.height, image.originalWidth, image.originalHeight]).toEqual([200, 100, 200, 100]);
      expect(image.data.length).toBe(200 * 100 * 3);
      expect(image.data[0]).toBeGreaterThan(180);
      expect(image.data[1]).toBeLessThan(80);
    }
  });

  it('given a large photo, shrinks it to the working size and keeps the original size', async () => {
    const image = await decodeImage(await solid(3000, 2000).jpeg().toBuffer(), { maxSide: 640 });
    expect([image.width, image.height, image.originalWidth, image.originalHeight]).toEqual([640, 427, 3000, 2000]);
  });

  it('given an EXIF orientation of 6, returns the upright (rotated) image', async () => {
    const rotated = await solid(200, 100).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const image = await decodeImage(rotated);
    expect([image.width, image.height, image.originalWidth, image.originalHeight]).toEqual([100, 200, 100, 200]);
  });

  it('given greyscale and CMYK JPEGs, decodes both to three-channel RGB', async () => {
    const grey = await solid(64, 32).toColourspace('b-w').jpeg().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const g = await decodeImage(grey);
    expect(g.data.length).toBe(64 * 32 * 3);
    expect(g.data[0]).toBe(g.data[1]);

    const cmyk = await solid(64, 32).toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const c = await decodeImage(cmyk);
    expect(c.data.length).toBe(64 * 32 * 3);
    expect(c.data[0]).toBeGreaterThan(150); // still red
  });

  it('given a transparent PNG, flattens it on white', async () => {
    const clear = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    expect([...(await decodeImage(clear)).data.subarray(0, 3)]).toEqual([255, 255, 255]);
  });

  it('given a truncated JPEG or random bytes, refuses with image_unreadable', async () => {
    const noisy = await sharp(seededBytes(300 * 200 * 3), { raw: { width: 300, height: 200, channels: 3 } }).jpeg().toBuffer();
    expect(await codeOf(decodeImage(noisy.subarray(0, Math.floor(noisy.length * 0.9))))).toBe('image_unreadable');
    expect(await codeOf(decodeImage(noisy.subarray(0, 200)))).toBe('image_unreadable');
    expect(await codeOf(decodeImage(seededBytes(4096)))).toBe('image_unreadable');
    expect(await codeOf(decodeImage(new Uint8Array(0)))).toBe('image_unreadable');
  });

  it('given text, SVG, GIF (still or animated) or TIFF, refuses with image_unsupported naming the accepted types', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
    const gif = await solid(20, 20).gif().toBuffer();
    const animated = await sharp({ create: { width: 20, height: 40, channels: 3, background: 'blue' } }).gif().toBuffer();
    const tiff = await solid(20, 20).tiff().toBuffer();
    for (const bytes of [Buffer.from('just some text, not a photo\n'), svg, gif, animated, tiff]) {
      const error = await decodeImage(bytes).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).code).toBe('image_unsupported');
      expect((error as UserError).message).toMatch(/JPEG, PNG, WebP/);
    }
  });

  it('given an animated WebP, refuses with image_unsupported', async () => {
    const frame = (background: string) => sharp({ create: { width: 16, height: 16, channels: 3, background } }).png().toBuffer();
    const animated = await sharp([await frame('green'), await frame('red')], { join: { animated: true } }).webp({ loop: 0 }).toBuffer();
    expect((await sharp(animated).metadata()).pages).toBe(2);
    expect(await codeOf(decodeImage(animated))).toBe('image_unsupported');
  });

  it('given a PNG header claiming 50000x50000, refuses with image_too_large before decoding', async () => {
    const bomb = await pngClaiming(50_000, 50_000);
    const started = performance.now();
    expect(await codeOf(decodeImage(bomb))).toBe('image_too_large');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('given bytes over the byte limit or pixels over the pixel limit, refuses with image_too_large', async () => {
    const jpeg = await solid(400, 300).jpeg().toBuffer();
    expect(await codeOf(decodeImage(jpeg, { maxBytes: jpeg.length - 1 }))).toBe('image_too_large');
    expect(await codeOf(decodeImage(jpeg, { maxPixels: 400 * 300 - 1 }))).toBe('image_too_large');
    expect(await codeOf(decodeImage(jpeg, { maxBytes: jpeg.length, maxPixels: 400 * 300 }))).toBe('ok');
  });
});
