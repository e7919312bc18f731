/**
 * A watch party's one message on Discord: the lobby a reply names with `ref`
 * is remembered where it went, Join and Propose edit it in place, and the
 * party's closing 'update' edits it once more through the channel endpoint
 * (editByRef, for the channel notifier). Real discord.js against the fake,
 * scripted core.
 */
import { REST } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editByRef } from '../../../src/bots/discord/discord.refs.js';
import type { Reply } from '../../../src/core/conversation/turn.js';
import { startDiscordRig, type DiscordRig } from '../../fakes/discord-rig.js';
import { ScriptedHandler } from '../../fakes/discord-scripted-handler.js';

describe('Discord: a watch party message edited by ref', () => {
  let rig: DiscordRig;
  let rest: REST;
  const handler = new ScriptedHandler();
  let members = 1;
  const lobby = (): Reply => ({ kind: 'text', text: `🎉 Watch party! (${members} member(s))`, buttons: [[{ label: '🙋 Join', action: 'pj:abc' }, { label: '🍿 Propose picks', action: 'pp:abc' }]], ref: 'party:abc' });

  beforeAll(async () => {
    rig = await startDiscordRig({ handler });
    rest = new REST({ api: rig.fake.apiUrl }).setToken(rig.fake.token);
    handler.on('/watchparty', () => [lobby()]);
    handler.on('pj:abc', () => {
      members += 1;
      const { text, buttons } = lobby() as Extract<Reply, { kind: 'text' }>;
      return [{ kind: 'ack', toast: "You're in!", text, buttons: buttons! }];
    });
    handler.on('pp:abc', () => [{ kind: 'ack', toast: 'Picks proposed!', text: '🍿 Picks — vote (one vote each; you can change it):\n1. Heat\n2. Up', buttons: [[{ label: '🗳 1. Heat', action: 'pv:abc:1' }], [{ label: '🗳 2. Up', action: 'pv:abc:2' }]] }]);
    handler.on('pv:', () => [{ kind: 'ack', toast: 'Vote counted: Heat.' }]);
  });

  afterAll(async () => {
    await rig?.stop();
  });

  it('given a party lobby, join, proposal and votes on it, the closing update edits that same message and removes its buttons', async () => {
    const films = rig.driver.channel('films');
    const [ann, bob] = [rig.driver.user('Ann'), rig.driver.user('Bob')];
    const started = await rig.driver.repliesTo(await rig.driver.userRuns(films, ann, 'watchparty', { minutes: 5 }));
    const message = started.messages[0]!;
    await rig.driver.repliesTo(await rig.driver.press(bob, message, '🙋 Join'));
    const proposed = await rig.driver.repliesTo(await rig.driver.press(ann, message, '🍿 Propose picks'));
    expect(proposed.updated?.id).toBe(message.id);
    const vote = await rig.driver.repliesTo(await rig.driver.press(bob, proposed.updated!, '🗳 1. Heat'));
    expect(vote.messages).toEqual([expect.objectContaining({ content: 'Vote counted: Heat.', ephemeral: true, visibleTo: bob.id })]);

    const closed = await editByRef(rest, rig.fake.applicationId, { kind: 'update', ref: 'party:abc', text: '🍿 Watch party closed:\n🏆 1. Heat — 1 vote\n2. Up — 0 votes', buttons: null });
    expect(closed).toBe(true);
    const after = rig.driver.messagesIn(films).find((m) => m.id === message.id)!;
    expect(after).toMatchObject({ content: '🍿 Watch party closed:\n🏆 1. Heat — 1 vote\n2. Up — 0 votes', buttons: [] });
    expect(rig.driver.messagesIn(films).filter((m) => /Watch party/.test(m.content))).toHaveLength(1);
  });

  it('given a ref this process never saw (a restart) or a deleted message, skips the edit without failing', async () => {
    const before = rig.fake.requests.length;
    expect(await editByRef(rest, rig.fake.applicationId, { kind: 'update', ref: 'party:unknown', text: 'x', buttons: null })).toBe(false);
    expect(rig.fake.requests.length).toBe(before);
    const films = rig.driver.channel('films');
    const started = await rig.driver.repliesTo(await rig.driver.userRuns(films, rig.driver.user('Cy'), 'watchparty', { minutes: 5 }));
    rig.fake.messages.get(started.messages[0]!.id)!.deleted = true;
    expect(await editByRef(rest, rig.fake.applicationId, { kind: 'update', ref: 'party:abc', text: 'x', buttons: null })).toBe(false);
  });
});
