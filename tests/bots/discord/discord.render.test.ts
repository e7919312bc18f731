import { describe, expect, it } from 'vitest';
import { buttonRows, pageMessage, renderReply, renderUpdate, splitText, type OutgoingMessage } from '../../../src/bots/discord/discord.render.js';
import { pagedPicks, parsePageAction } from '../../../src/bots/discord/discord.pages.js';
import { commandText, privateCommands, toSlashCommands } from '../../../src/bots/discord/discord.commands.js';
import { DiscordApiError, redactDiscordRoute, wrapDiscordError } from '../../../src/bots/discord/discord.errors.js';
import { COMMANDS } from '../../../src/core/conversation/commands.js';
import type { Button, CommandSpec, PickCard } from '../../../src/core/conversation/turn.js';

const buttons = (n: number, prefix = 'b'): Button[] => Array.from({ length: n }, (_, i) => ({ label: `${prefix}${i}`, action: `${prefix}:${i}` }));

describe('buttonRows', () => {
  it('given a row of 7 buttons, wraps it into rows of 5 and 2', () => {
    const rows = buttonRows([buttons(7)]);
    expect(rows.map((r) => r.components.length)).toEqual([5, 2]);
  });

  it('given more than 5 rows, keeps the first 5 and reports the drop', () => {
    const dropped: string[] = [];
    const rows = buttonRows(Array.from({ length: 7 }, (_, i) => buttons(1, `r${i}`)), { onDrop: (what) => dropped.push(what) });
    expect(rows).toHaveLength(5);
    expect(dropped).toEqual(['button_rows']);
  });

  it('given an action longer than 100 characters, drops that button instead of failing the message', () => {
    const dropped: string[] = [];
    const rows = buttonRows([[{ label: 'ok', action: 'ok' }, { label: 'long', action: 'x'.repeat(101) }]], { onDrop: (what) => dropped.push(what) });
    expect(rows[0]?.components).toHaveLength(1);
    expect(dropped).toEqual(['button_custom_id_length']);
  });

  it('given a label over 80 characters, truncates it', () => {
    const rows = buttonRows([[{ label: 'y'.repeat(100), action: 'a' }]]);
    expect((rows[0]?.components[0] as { label: string }).label).toHaveLength(80);
  });
});

describe('renderReply', () => {
  it('given an empty text reply without buttons, sends nothing (Discord refuses empty messages)', () => {
    expect(renderReply({ kind: 'text', text: '   ' })).toEqual([]);
  });

  it('given forceEphemeral, makes every message of a picks reply ephemeral', () => {
    const out = renderReply(
      { kind: 'picks', header: 'h', cards: [], footer: 'f' },
      { forceEphemeral: true },
    ) as OutgoingMessage[];
    expect(out.every((m) => m.ephemeral)).toBe(true);
  });

  it('given a correction\'s picks marked ephemeral, every message is ephemeral and the seven mood buttons wrap into two rows', () => {
    const moods = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k, i) => ({ label: k, key: k, action: `k:1:${i}` }));
    const out = renderReply({ kind: 'picks', header: 'h', cards: [], footer: 'Not quite? I feel…', footerButtons: [moods.slice(0, 4), moods.slice(4)], ephemeral: true }) as OutgoingMessage[];
    expect(out.every((m) => m.ephemeral)).toBe(true);
    expect(out.at(-1)!.components.map((row) => row.components.length)).toEqual([4, 3]);
  });

  it('given an ack with buttons null, clears the rows; with none, leaves them', () => {
    expect(renderReply({ kind: 'ack', toast: 't', buttons: null })).toEqual([{ kind: 'ack', toast: 't', components: [] }]);
    expect(renderReply({ kind: 'ack', toast: 't' })).toEqual([{ kind: 'ack', toast: 't' }]);
  });

  it('given a poster that is not an http(s) URL, leaves the embed without an image', () => {
    const [message] = renderReply({
      kind: 'picks',
      header: '',
      cards: [{ movieId: 1, rank: 1, title: 'T', year: 2000, genres: [], runtime: 45, posterUrl: '/relative.jpg', links: [], reason: '', buttons: [] }],
    }) as OutgoingMessage[];
    expect(message?.embeds[0]?.image).toBeUndefined();
    expect(message?.embeds[0]?.fields).toEqual([{ name: 'Runtime', value: '45m', inline: true }]);
  });
});

describe('picks as one paged message', () => {
  const card = (rank: number): PickCard => ({
    movieId: rank, rank, title: `T${rank}`, year: 2000, genres: ['Drama'], runtime: 90, posterUrl: null, links: [], reason: `r${rank}`,
    buttons: [buttons(5, `s${rank}`), buttons(2, `o${rank}`)],
  });

  it('given two picks, ◀ and ▶ lead to the same page but keep distinct custom_ids (Discord refuses duplicates)', () => {
    const [message] = renderReply({ kind: 'picks', header: 'h', cards: [card(1), card(2)] }) as OutgoingMessage[];
    const pager = message!.components[2]!.components.map((b) => ('custom_id' in b ? b.custom_id : ''));
    expect(pager).toEqual(['dp:1:p', 'dp:0:c', 'dp:1:n']);
    expect(new Set(pager).size).toBe(3);
    expect(pager.map(parsePageAction)).toEqual([1, 0, 1]);
    expect(parsePageAction('dp:1')).toBe('invalid');
    expect(parsePageAction('k:1:2')).toBeNull();
  });

  it('given more rows than Discord allows, keeps ratings and pager first and reports the dropped answer rows', () => {
    const dropped: string[] = [];
    const state = pagedPicks({ kind: 'picks', header: '', cards: [card(1), card(2)], footerButtons: [buttons(1, 'a'), buttons(1, 'b'), buttons(1, 'c')] });
    const message = pageMessage(state, { onDrop: (what) => dropped.push(what) });
    expect(message.components.map((r) => r.components.length)).toEqual([5, 2, 3, 1, 1]);
    expect(dropped).toEqual(['button_rows']);
    expect(message.content).toBeUndefined();
  });

  it('given a marked card, the mark leads the embed description', () => {
    const state = pagedPicks({ kind: 'picks', header: 'h', cards: [{ ...card(1), mark: '★4 saved' }] });
    expect(pageMessage(state).embeds[0]?.description).toBe('✅ **★4 saved**\n\nr1');
  });

  it('given a text reply with a ref, names its last public message; an update becomes content and rows (null removes them)', () => {
    const out = renderReply({ kind: 'text', text: 'lobby', buttons: [[{ label: 'Join', action: 'pj:1' }]], ref: 'party:1' }) as OutgoingMessage[];
    expect(out.map((m) => m.ref)).toEqual(['party:1']);
    expect((renderReply({ kind: 'text', text: 'x', ref: 'party:1', ephemeral: true }) as OutgoingMessage[])[0]?.ref).toBeUndefined();
    expect(renderUpdate({ kind: 'update', ref: 'party:1', text: 'closed', buttons: null })).toEqual({ content: 'closed', components: [] });
  });
});

describe('splitText', () => {
  it('given text under the limit, keeps it whole; over it, cuts at line breaks', () => {
    expect(splitText('short', 10)).toEqual(['short']);
    expect(splitText('aaaa\nbbbb\ncccc', 10)).toEqual(['aaaa\nbbbb', 'cccc']);
  });

  it('given one endless word, cuts it hard at the limit', () => {
    expect(splitText('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });
});

describe('slash commands from COMMANDS', () => {
  it('given the core commands, builds valid chat-input commands for servers and DMs', () => {
    const built = toSlashCommands(COMMANDS);
    expect(built.map((c) => c.name)).toEqual(COMMANDS.map((c) => c.name));
    expect(built.find((c) => c.name === 'review')?.options?.map((o) => [o.name, o.type, o.required])).toEqual([
      ['title', 3, true],
      ['text', 3, true],
    ]);
  });

  it('given a spec Discord would refuse, fails at start with a clear message', () => {
    const bad: CommandSpec[] = [{ name: 'Mood', description: 'x', options: [], group: true }];
    expect(() => toSlashCommands(bad)).toThrow(/not a valid Discord name/);
    const order: CommandSpec[] = [
      {
        name: 'x',
        description: 'x',
        options: [
          { name: 'a', description: 'a', type: 'string', required: false },
          { name: 'b', description: 'b', type: 'string', required: true },
        ],
        group: true,
      },
    ];
    expect(() => toSlashCommands(order)).toThrow(/required option 'b' after an optional one/);
  });

  it('given option values, builds the command text in declared order and skips empty ones', () => {
    const review = COMMANDS.find((c) => c.name === 'review');
    expect(commandText(review, 'review', (n) => ({ title: 'Amélie', text: 'Loved it' })[n])).toBe('/review Amélie | Loved it');
    const music = COMMANDS.find((c) => c.name === 'music');
    expect(commandText(music, 'music', () => undefined)).toBe('/music');
  });

  it('treats the commands not allowed in groups as private', () => {
    expect([...privateCommands(COMMANDS)].sort()).toEqual(['export', 'forget', 'moodlog', 'review', 'selfie', 'settings']);
  });
});

describe('Discord errors', () => {
  it('given a webhook or interaction URL, hides the token', () => {
    expect(redactDiscordRoute('patch', 'https://discord.com/api/v10/webhooks/123/secret-token/messages/@original?wait=true')).toBe(
      'PATCH /webhooks/123/:token/messages/@original',
    );
    expect(redactDiscordRoute('post', 'http://127.0.0.1:1/api/v10/interactions/9/tok/callback')).toBe('POST /interactions/9/:token/callback');
  });

  it('given a discord.js API error, keeps the method, route, status and code', () => {
    const raw = Object.assign(new Error('Unknown Message'), { method: 'PATCH', url: 'https://discord.com/api/v10/webhooks/1/t/messages/@original', status: 404, code: 10008 });
    const wrapped = wrapDiscordError('interaction.editReply', raw);
    expect(wrapped).toBeInstanceOf(DiscordApiError);
    expect(wrapped.toLogFields()).toEqual({ method: 'interaction.editReply', route: 'PATCH /webhooks/1/:token/messages/@original', status: 404, code: 10008 });
    expect(wrapped.message).not.toContain('/t/');
  });
});
