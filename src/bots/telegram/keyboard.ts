/**
 * Core buttons -> Telegram inline keyboards. Telegram limits callback_data to
 * 64 bytes; the core's action payloads are meant to fit, but a longer one is
 * kept here under a short key instead of making the whole message fail.
 */
import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'telegraf/types';
import type { Button } from '../../core/conversation/turn.js';
import { MAX_CALLBACK_DATA_BYTES } from './text-limits.js';

const LONG_ACTION_PREFIX = '~';

/** Remembers actions too long for callback_data (bounded, oldest forgotten first). */
export class LongActionStore {
  private readonly byKey = new Map<string, string>();
  private next = 0;
  constructor(private readonly capacity = 10_000) {}

  /** The callback_data to put on the button. */
  encode(action: string): string {
    if (Buffer.byteLength(action, 'utf8') <= MAX_CALLBACK_DATA_BYTES && !action.startsWith(LONG_ACTION_PREFIX)) {
      return action;
    }
    const key = `${LONG_ACTION_PREFIX}${(this.next++).toString(36)}`;
    this.byKey.set(key, action);
    if (this.byKey.size > this.capacity) {
      const oldest = this.byKey.keys().next().value;
      if (oldest !== undefined) this.byKey.delete(oldest);
    }
    return key;
  }

  /** The core's action for a pressed button; a forgotten key comes back as is (the core calls it stale). */
  decode(data: string): string {
    return data.startsWith(LONG_ACTION_PREFIX) ? (this.byKey.get(data) ?? data) : data;
  }
}

export const toInlineKeyboard = (
  rows: readonly (readonly Button[])[],
  store: LongActionStore,
): InlineKeyboardMarkup | undefined => {
  const inline_keyboard = rows
    .filter((row) => row.length > 0)
    .map((row) =>
      row.map(
        (button): InlineKeyboardButton =>
          'url' in button
            ? { text: button.label, url: button.url }
            : { text: button.label, callback_data: store.encode(button.action) },
      ),
    );
  return inline_keyboard.length > 0 ? { inline_keyboard } : undefined;
};
