/**
 * Reader for the dair-ai "emotion" files (Saravia et al. 2018): one `text;label`
 * per line. Training, evaluation and tests all read the published format as is,
 * so a user who downloads the official files gets the same results.
 */
import { existsSync, readFileSync } from 'node:fs';

/** The six dair-ai labels, in the order the model's logits use (config.json id2label). */
export const EMOTION_LABELS = ['sadness', 'joy', 'love', 'anger', 'fear', 'surprise'] as const;
export type EmotionLabel = (typeof EMOTION_LABELS)[number];

export interface LabelledText {
  readonly text: string;
  readonly label: EmotionLabel;
}

const isEmotionLabel = (value: string): value is EmotionLabel => (EMOTION_LABELS as readonly string[]).includes(value);

/**
 * Reads a `text;label` file. The label is after the last `;` (texts never hold one in
 * the published files, but a stray one would not break the split). Unknown labels and
 * malformed lines fail loudly with the line number: a silently skipped line would
 * shift every figure computed from the file.
 */
export function readLabelledTexts(file: string): LabelledText[] {
  if (!existsSync(file)) {
    throw new Error(`Data file not found: ${file} (expected the dair-ai emotion format, one "text;label" per line)`);
  }
  const out: LabelledText[] = [];
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const cut = line.lastIndexOf(';');
    const text = cut >= 0 ? line.slice(0, cut).trim() : '';
    const label = cut >= 0 ? line.slice(cut + 1).trim() : '';
    if (!text || !isEmotionLabel(label)) {
      throw new Error(`${file}:${i + 1}: expected "text;label" with a label in ${EMOTION_LABELS.join(', ')}`);
    }
    out.push({ text, label });
  });
  return out;
}

/** Index of a label in EMOTION_LABELS (the class id). */
export const labelIndex = (label: EmotionLabel): number => EMOTION_LABELS.indexOf(label);
