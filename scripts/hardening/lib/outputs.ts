/** Reading what the bot did on the fake: buttons to press, and what a rating press should have stored. */
import type { BotOutput } from '../../../tests/fakes/telegram-api.fake.js';

export interface PressableButton {
  readonly messageId: number;
  readonly action: string;
}

/** Callback buttons whose action starts with `prefix`, on messages and edits, in order. */
export const buttonsIn = (outputs: readonly BotOutput[], prefix: string): PressableButton[] =>
  outputs.flatMap((o) =>
    (o.kind === 'message' || o.kind === 'edit') && o.buttons
      ? o.buttons.flat().flatMap((b) => ('action' in b && b.action.startsWith(prefix) ? [{ messageId: o.messageId, action: b.action }] : []))
      : [],
  );

/**
 * One rating button per picks message sent (its first card: a picks answer is one
 * message that pages through its cards; edits of a rated card are not new picks).
 */
export const cardsIn = (outputs: readonly BotOutput[]): PressableButton[] =>
  [...new Map(buttonsIn(outputs.filter((o) => o.kind === 'message'), 'r:').map((b) => [b.messageId, b])).values()];

/** The callback data of the page buttons on a picks message (`◀ n/N ▶`). */
export const pageData = (index: number) => `tp:${index}`;

/** True when the outputs hold a picks answer: a message with rating buttons and, for several picks, a pager. */
export const hasPicks = (outputs: readonly BotOutput[]): boolean =>
  outputs.some((o) => o.kind === 'message' && o.buttons?.flat().some((b) => 'action' in b && (b.action.startsWith('r:') || b.action.startsWith('tp:'))));

/** `r:<id>:5` -> `r:<id>:<choice>` */
export const withChoice = (action: string, choice: string) => action.replace(/:[^:]+$/, `:${choice}`);

/** The row a confirmed press with this choice code ('1'-'5', 's', 'n') must have left. */
export const expectedRating = (choice: string): { value: number | null; kind: string } =>
  choice === 's' ? { value: null, kind: 'seen' } : choice === 'n' ? { value: null, kind: 'not_for_me' } : { value: Number(choice), kind: 'stars' };

/** A confirmed rating press shows this toast. */
export const isRatingConfirmation = (text: string | undefined) => /^(Saved|Noted):/.test(text ?? '');
