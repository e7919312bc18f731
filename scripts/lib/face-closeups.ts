/**
 * Test images for face detection, built in memory from the face samples:
 *
 * - close-up crops: a sample photo cut around its face so that the face box fills 80-100%
 *   of the frame (square, phone portrait 3:4 and landscape 4:3), scaled to a phone-like
 *   size, the way front cameras take selfies held close;
 * - photos with no face: flat colours, gradients, noise, rendered text, shapes and a
 *   drawn landscape, all seeded, which must answer "no face".
 *
 * Used by tests/infra/mood and by `npm run eval:face -- <folder> --close-ups`.
 */
import sharp from 'sharp';
import type { FaceBox } from '../../src/core/ports.js';
import { mulberry32 } from './text-rng.js';

export interface CloseUp {
  readonly name: string;
  /** The face box's share of the frame: max(box width / frame width, box height / frame height). */
  readonly fill: number;
  /** Frame width / height. */
  readonly aspect: number;
  readonly bytes: Uint8Array;
}

export const CLOSE_UP_FILLS = [0.8, 0.9, 1] as const;
export const CLOSE_UP_ASPECTS = [1, 3 / 4, 4 / 3] as const;

/**
 * Crops of `photo` centred on `box` (in the photo's upright pixels) where the box fills
 * each of `fills` of the frame, for each aspect. A frame larger than the photo is
 * skipped, not padded: padding would make the face smaller again. The crop is moved
 * inside the photo when the face sits near an edge. Output: JPEG, longer side `side`.
 */
export async function closeUpCrops(
  photo: Uint8Array,
  box: FaceBox,
  options: { readonly fills?: readonly number[]; readonly aspects?: readonly number[]; readonly side?: number } = {},
): Promise<CloseUp[]> {
  const image = sharp(photo).rotate();
  const { width = 0, height = 0 } = await image.metadata().then((m) => ((m.orientation ?? 1) >= 5 ? { width: m.height, height: m.width } : m));
  const out: CloseUp[] = [];
  for (const aspect of options.aspects ?? CLOSE_UP_ASPECTS) {
    for (const fill of options.fills ?? CLOSE_UP_FILLS) {
      // Frame just large enough that the box fills `fill` of it along the tighter side.
      const w = Math.max(box.width, box.height * aspect) / fill;
      const h = w / aspect;
      if (w > width + 0.5 || h > height + 0.5) continue;
      const cw = Math.min(width, Math.round(w));
      const ch = Math.min(height, Math.round(h));
      const left = Math.round(Math.min(Math.max(0, box.x + box.width / 2 - cw / 2), width - cw));
      const top = Math.round(Math.min(Math.max(0, box.y + box.height / 2 - ch / 2), height - ch));
      const side = options.side ?? 960;
      const bytes = await sharp(photo)
        .rotate()
        .extract({ left, top, width: cw, height: ch })
        .resize(aspect >= 1 ? { width: side } : { height: side })
        .jpeg({ quality: 90 })
        .toBuffer();
      out.push({ name: `fill ${fill} aspect ${aspect.toFixed(2)}`, fill, aspect, bytes: new Uint8Array(bytes) });
    }
  }
  return out;
}

export interface NonFaceImage {
  readonly name: string;
  readonly bytes: Uint8Array;
}

const W = 640;
const H = 480;
const svg = (body: string, width = W, height = H) =>
  Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`);

/** Photos with no face in them, deterministic for a seed (JPEG and PNG, 640x480). */
export async function nonFaceImages(seed = 42): Promise<NonFaceImage[]> {
  const rng = mulberry32(seed);
  const jpeg = async (input: sharp.Sharp) => new Uint8Array(await input.jpeg({ quality: 90 }).toBuffer());
  const png = async (input: sharp.Sharp) => new Uint8Array(await input.png().toBuffer());
  const flat = (r: number, g: number, b: number) => sharp({ create: { width: W, height: H, channels: 3, background: { r, g, b } } });
  const noise = (grey: boolean, blur: number) => {
    const data = Buffer.alloc(W * H * 3);
    for (let i = 0; i < W * H; i++) {
      const v = Math.floor(rng() * 256);
      for (let c = 0; c < 3; c++) data[i * 3 + c] = grey ? v : Math.floor(rng() * 256);
    }
    const img = sharp(data, { raw: { width: W, height: H, channels: 3 } });
    return blur > 0 ? img.blur(blur) : img;
  };
  const rand = (lo: number, hi: number) => lo + rng() * (hi - lo);
  const colour = () => `rgb(${Math.floor(rand(0, 256))},${Math.floor(rand(0, 256))},${Math.floor(rand(0, 256))})`;
  const shapes = Array.from({ length: 12 }, (_, i) =>
    i % 2 === 0
      ? `<circle cx="${rand(0, W)}" cy="${rand(0, H)}" r="${rand(20, 120)}" fill="${colour()}"/>`
      : `<rect x="${rand(0, W)}" y="${rand(0, H)}" width="${rand(40, 200)}" height="${rand(40, 200)}" fill="${colour()}" transform="rotate(${rand(-30, 30)})"/>`,
  ).join('');
  const text = (words: string, size: number, fill: string, background: string) =>
    svg(
      `<rect width="100%" height="100%" fill="${background}"/>` +
        words
          .split('\n')
          .map((line, i) => `<text x="24" y="${80 + i * size * 1.3}" font-family="sans-serif" font-size="${size}" fill="${fill}">${line}</text>`)
          .join(''),
    );
  return [
    { name: 'flat white', bytes: await jpeg(flat(255, 255, 255)) },
    { name: 'flat skin tone', bytes: await jpeg(flat(224, 172, 140)) },
    { name: 'flat dark grey', bytes: await png(flat(40, 40, 40)) },
    {
      name: 'horizontal gradient',
      bytes: await jpeg(sharp(svg('<defs><linearGradient id="g"><stop offset="0" stop-color="#203060"/><stop offset="1" stop-color="#f0c090"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/>'))),
    },
    {
      name: 'vertical gradient',
      bytes: await jpeg(sharp(svg('<defs><linearGradient id="g" x2="0" y2="1"><stop offset="0" stop-color="#fff"/><stop offset="1" stop-color="#000"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/>'))),
    },
    {
      name: 'radial gradient',
      bytes: await jpeg(sharp(svg('<defs><radialGradient id="g"><stop offset="0" stop-color="#f4d0b0"/><stop offset="1" stop-color="#402010"/></radialGradient></defs><rect width="100%" height="100%" fill="url(#g)"/>'))),
    },
    { name: 'colour noise', bytes: await jpeg(noise(false, 0)) },
    { name: 'grey noise', bytes: await png(noise(true, 0)) },
    { name: 'blurred noise blobs', bytes: await jpeg(noise(false, 12)) },
    { name: 'text, one line', bytes: await jpeg(sharp(text('How are you today?', 48, '#111', '#fff'))) },
    { name: 'text, paragraph', bytes: await png(sharp(text('Dear diary,\nthe film was long and\nthe popcorn was cold.\nStill, a good night.', 36, '#222', '#f5f0e0'))) },
    { name: 'text, big letters', bytes: await jpeg(sharp(text('OO\n  ---', 180, '#000', '#ffffff'))) },
    { name: 'random shapes', bytes: await jpeg(sharp(svg(`<rect width="100%" height="100%" fill="${colour()}"/>${shapes}`))) },
    {
      name: 'checkerboard',
      bytes: await png(
        sharp(svg('<defs><pattern id="p" width="80" height="80" patternUnits="userSpaceOnUse"><rect width="40" height="40"/><rect x="40" y="40" width="40" height="40"/></pattern></defs><rect width="100%" height="100%" fill="#eee"/><rect width="100%" height="100%" fill="url(#p)"/>')),
      ),
    },
    {
      name: 'stripes',
      bytes: await jpeg(sharp(svg(Array.from({ length: 16 }, (_, i) => `<rect x="${i * 40}" width="20" height="${H}" fill="${i % 3 ? '#c33' : '#36c'}"/>`).join('')))),
    },
    {
      name: 'concentric circles',
      bytes: await jpeg(sharp(svg(Array.from({ length: 8 }, (_, i) => `<circle cx="320" cy="240" r="${220 - i * 27}" fill="${i % 2 ? '#fff' : '#963'}"/>`).join('')))),
    },
    {
      name: 'landscape: sky, hills, sun',
      bytes: await jpeg(
        sharp(
          svg(
            '<defs><linearGradient id="s" x2="0" y2="1"><stop offset="0" stop-color="#4a90d9"/><stop offset="1" stop-color="#cde"/></linearGradient></defs>' +
              '<rect width="100%" height="100%" fill="url(#s)"/><circle cx="500" cy="90" r="45" fill="#ffd24a"/>' +
              '<path d="M0 330 Q160 230 320 320 T640 300 V480 H0 Z" fill="#3a7d2c"/><path d="M0 400 Q200 340 400 410 T640 390 V480 H0 Z" fill="#2c5e22"/>',
          ),
        ).blur(1.5),
      ),
    },
    {
      name: 'object: mug on a table',
      bytes: await jpeg(
        sharp(
          svg(
            '<rect width="100%" height="100%" fill="#d8cbb8"/><rect y="330" width="640" height="150" fill="#7a5230"/>' +
              '<rect x="250" y="170" width="140" height="180" rx="12" fill="#e8e8e8"/><path d="M390 210 q60 0 60 55 q0 55 -60 55" stroke="#e8e8e8" stroke-width="18" fill="none"/>' +
              '<ellipse cx="320" cy="172" rx="70" ry="12" fill="#4b2e1a"/>',
          ),
        ).blur(1),
      ),
    },
    {
      name: 'pet-like shape: cat silhouette',
      bytes: await jpeg(
        sharp(
          svg(
            '<rect width="100%" height="100%" fill="#9bc"/><ellipse cx="320" cy="330" rx="150" ry="110" fill="#333"/>' +
              '<circle cx="320" cy="190" r="80" fill="#333"/><path d="M255 150 L270 80 L300 125 Z M385 150 L370 80 L340 125 Z" fill="#333"/>' +
              '<path d="M460 360 q80 -20 60 -120" stroke="#333" stroke-width="22" fill="none"/>',
          ),
        ),
      ),
    },
  ];
}
