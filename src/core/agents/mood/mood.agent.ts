/**
 * Reads a mood from text or a photo through the detector ports, under the
 * inference gate, and records the observation (label and distribution only:
 * never the text or the image).
 */
import { UserError } from '../../errors.js';
import type { FaceMoodDetector, FaceMoodResult, TextMoodDetector, TextMoodReading } from '../../ports.js';
import type { MoodReading } from '../../mood/mood-space.js';
import { fuseMoods } from './fusion.js';
import { normaliseForMood } from './text-normalise.js';
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
  /** Detector versions recorded with each reading (a correction names the model it corrects). */
  readonly versions?: { readonly text: string; readonly face: string };
}

/** A reading as stored: its row id is what the correction buttons point at. */
export type Observed<R extends MoodReading> = R & { readonly observationId: number };

export class MoodAgent {
  constructor(private readonly o: MoodAgentOptions) {}

  private get versions() {
    return this.o.versions ?? { text: 'text', face: 'face' };
  }

  /** Reads and stores the mood of a text (one observation, input 'text'). */
  async fromText(userId: number, text: string): Promise<Observed<TextMoodReading>> {
    const reading = await this.readText(text);
    const observationId = await this.o.moods.add(userId, reading, null, { input: 'text', modelVersion: this.versions.text });
    return { ...reading, observationId };
  }

  /** Reads a text's mood without storing it. */
  async readText(text: string): Promise<TextMoodReading> {
    const trimmed = text.trim();
    if (!trimmed) throw new UserError('empty_text', 'Tell me in a few words how you feel, for example "I feel rough today".');
    // Text inference takes about a millisecond: it does not queue behind photos in the gate.
    return this.o.text.detect(trimmed.slice(0, this.o.maxTextChars));
  }

  /** The text as the detector reads it (same cut, same normalisation): what a donated sentence keeps. */
  normalised(text: string): string {
    return normaliseForMood(text.trim().slice(0, this.o.maxTextChars));
  }

  /**
   * Reads the faces of a photo (and its caption, when given), fuses them, and
   * stores one observation for the turn (input 'photo'). Throws
   * UserError('no_face') with a hint when the photo has no face.
   */
  async fromImage(userId: number, image: ImageInput, caption?: string): Promise<{ result: FaceMoodResult; mood: Observed<MoodReading> }> {
    const { result, mood: face } = await this.readImage(userId, image);
    const readings: MoodReading[] = [face];
    if (caption?.trim()) readings.push(await this.readText(caption));
    const mood = fuseMoods(readings)!;
    const version = readings.length > 1 ? `${this.versions.face}+${this.versions.text}` : this.versions.face;
    const observationId = await this.o.moods.add(userId, mood, result.faces.length, { input: 'photo', modelVersion: version });
    return { result, mood: { ...mood, observationId } };
  }

  private async readImage(userId: number, image: ImageInput): Promise<{ result: FaceMoodResult; mood: MoodReading }> {
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
    return { result, mood: result.group };
  }
}

const tooLarge = (max: number) =>
  new UserError('image_too_large', `That photo is too large (the limit is ${Math.round(max / 1e6)} MB). Send a smaller one.`);
