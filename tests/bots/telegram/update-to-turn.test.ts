import { describe, expect, it } from 'vitest';
import type { Update } from 'telegraf/types';
import { LongActionStore } from '../../../src/bots/telegram/keyboard.js';
import { normaliseCommand, updateToIncoming, type TranslateContext } from '../../../src/bots/telegram/update-to-turn.js';

const ctx: TranslateContext = {
  bot: { id: 42, username: 'MoodReelBot' },
  files: {
    getFile: () => Promise.reject(new Error('no network in this test')),
    fileUrl: (p) => new URL(`https://example.invalid/${p}`),
    downloadTimeoutMs: 1000,
  },
  maxImageBytes: 1024,
  actions: new LongActionStore(),
  now: () => new Date('2024-01-01T00:00:00Z'),
};

const from = { id: 7, is_bot: false, first_name: 'Ann' };
const message = (fields: Record<string, unknown>, chat: Record<string, unknown> = { id: 7, type: 'private', first_name: 'Ann' }) =>
  ({ update_id: 1, message: { message_id: 10, date: 0, chat, from, ...fields } }) as unknown as Update;

describe('telegram update -> turn', () => {
  it('strips @thisbot from commands, case-insensitively, and refuses commands for other bots', () => {
    expect(normaliseCommand('/mood@moodreelbot hi', 'MoodReelBot')).toEqual({ text: '/mood hi', isCommand: true });
    expect(normaliseCommand('/start', 'MoodReelBot')).toEqual({ text: '/start', isCommand: true });
    expect(normaliseCommand('/mood@OtherBot hi', 'MoodReelBot')).toBeNull();
    expect(normaliseCommand('just text', 'MoodReelBot')).toEqual({ text: 'just text', isCommand: false });
  });

  it('given a service message (someone joined), ignores it', () => {
    const incoming = updateToIncoming(message({ new_chat_members: [from] }, { id: -5, type: 'group', title: 'G' }), ctx);
    expect(incoming.kind).toBe('ignored');
  });

  it('given a channel post, ignores it', () => {
    const update = { update_id: 2, channel_post: { message_id: 1, date: 0, chat: { id: -100, type: 'channel', title: 'C' }, text: 'x' } } as unknown as Update;
    expect(updateToIncoming(update, ctx).kind).toBe('ignored');
  });

  it('given a location, names it as unsupported media', () => {
    const incoming = updateToIncoming(message({ location: { latitude: 1, longitude: 2 } }), ctx);
    expect(incoming.kind === 'turn' && incoming.turn.unsupportedMedia).toBe('location');
  });

  it('given a photo declared over the adapter limit, load refuses without calling getFile', async () => {
    const incoming = updateToIncoming(message({ photo: [{ file_id: 'a', file_unique_id: 'u', width: 10, height: 10, file_size: 4096 }] }), ctx);
    expect(incoming.kind).toBe('turn');
    if (incoming.kind !== 'turn') return;
    await expect(incoming.turn.image!.load(10_000)).rejects.toMatchObject({ code: 'image_too_large' });
  });

  it('given a callback on an inaccessible message, routes it to the presser\'s private chat', () => {
    const update = { update_id: 3, callback_query: { id: 'q', from, chat_instance: '1', data: 'rate:1:5' } } as unknown as Update;
    const incoming = updateToIncoming(update, ctx);
    expect(incoming).toMatchObject({ kind: 'turn', chatId: 7, turn: { action: 'rate:1:5', chat: { kind: 'private' } }, press: { queryId: 'q' } });
  });

  it('round-trips an action longer than 64 bytes through a short callback_data', () => {
    const store = new LongActionStore();
    const long = `party:${'x'.repeat(100)}`;
    const data = store.encode(long);
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    expect(store.decode(data)).toBe(long);
    expect(store.encode('rate:1:5')).toBe('rate:1:5');
  });
});
