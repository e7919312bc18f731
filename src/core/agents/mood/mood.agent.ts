/**
 * Reads a mood from text or a photo through the detector ports, under the
 * inference gate, and records the observation (label and distribution only:
 * never the text or the image).
 */
import { UserError } from '../../errors.js';
import type { FaceMoodDetector, FaceMoodResult, TextMoodDetector, TextMoodReading } from '../../ports.js';
import type { MoodReading } from '../../mood/mood-space.js';
import type { MoodStore } from '../../stores.js';
import type { ImageInput } from '../../conversation/turn.js';
import { NO_FACE_HINT } from '../../conversation/texts.js';
import type { InferenceGate } from '../limits.js';

export interface MoodAgentOptions {
  readonly text: TextMoodDetector;
  readonly face: FaceMoodDetector;
  readonly gate: InferenceGate;
  readonly moods: MoodStore;
  readonly maxImageBytes: number;
  readonly maxTextChars: number;
}

export class MoodAgent {
  constructor(private readonly o: MoodAgentOptions) {}

  async fromText(userId: number, text: string): Promise<TextMoodReading> {
    const trimmed = text.trim();
    if (!trimmed) throw new UserError('empty_text', 'Tell me in a few words how you feel, for example "I feel rough today".');
    // Text inference takes about a millisecond: it does not queue behind photos in the gate.
    const reading = await this.o.text.detect(trimmed.slice(0, this.o.maxTextChars));
    await this.o.moods.add(userId, reading, null);
    return reading;
  }

  /** Throws UserError('no_face') with a hint when the photo has no face. */
  async fromImage(userId: number, image: ImageInput): Promise<{ result: FaceMoodResult; mood: MoodReading }> {
    if (image.sizeBytes !== null && image.sizeBytes > this.o.maxImageBytes) throw tooLarge(this.o.maxImageBytes);
    if (image.mimeType && !/^image\//i.test(image.mimeType)) {
      throw new UserError('image_unsupported', 'That file is not an image. Send a JPEG, PNG or WebP photo.');
    }
    this.o.gate.checkPhotoCooldown(userId);
    const result = await this.o.gate.run(async () => {
      const bytes = await image.load(this.o.maxImageBytes);
      if (bytes.byteLength > this.o.maxImageBytes) throw tooLarge(this.o.maxImageBytes);
      return this.o.face.detect(bytes);
    });
    if (!result.group || result.faces.length === 0) throw new UserError('no_face', NO_FACE_HINT);
    await this.o.moods.add(userId, result.group, result.faces.length);
    return { result, mood: result.group };
  }
}

const tooLarge = (max: number) =>
  new UserError('image_too_large', `That photo is too large (the limit is ${Math.round(max / 1e6)} MB). Send a smaller one.`);
