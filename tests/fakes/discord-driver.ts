/**
 * Plays the users' side of Discord against FakeDiscord: run slash commands,
 * press buttons, and read what the bot answered. Written for the adapter's own
 * tests and for end-to-end tests with the real core (onboarding, mood, selfie,
 * rating, settings, forget, a watch party with several members):
 *
 *   const h = await driver.userRuns(driver.channel(), alice, 'mood', { text: 'rough day' });
 *   const answer = await driver.repliesTo(h);
 *   const card = answer.messages[0];
 *   const press = await driver.press(alice, card, '★★★★');
 *   const ack = await driver.repliesTo(press);
 *
 * Like Discord, it refuses what a real user could not do: a command the bot
 * has not registered, a missing required option, a button that is not on the
 * message, or a message the user cannot see (someone else's ephemeral).
 */
import type { APIEmbed } from 'discord.js';
import type { FakeChannel, FakeCommand, FakeDiscord, FakeGuild, FakeInteraction, FakeMessage, FakeUser } from './discord-api.fake.js';

export interface DriverButton {
  readonly label: string;
  readonly customId?: string;
  readonly url?: string;
  readonly style: number;
}

/** A bot message as a user would see it. */
export interface BotMessage {
  readonly id: string;
  readonly channelId: string;
  readonly content: string;
  readonly ephemeral: boolean;
  /** Still "MoodReel is thinking..." (a deferred reply never filled). */
  readonly loading: boolean;
  readonly embeds: readonly APIEmbed[];
  readonly buttons: readonly (readonly DriverButton[])[];
  readonly files: readonly { readonly name: string; readonly contentType: string; readonly data: Buffer }[];
  readonly edits: number;
  /** Who may see it (ephemeral), undefined = everyone in the channel. */
  readonly visibleTo?: string;
}

/** A user's action in flight: what was dispatched, from whom, where. */
export interface InteractionHandle {
  readonly interaction: FakeInteraction;
  readonly channel: FakeChannel;
  readonly user: FakeUser;
}

/** Everything the bot did about one interaction, once it has settled. */
export interface Answer {
  /** Interaction callback types in order (4 reply, 5 deferred, 6 deferred update, 7 update). */
  readonly callbacks: readonly number[];
  /** New messages: the original response (if kept) then follow-ups, in their current state. */
  readonly messages: readonly BotMessage[];
  /** For button presses: the pressed message after it was edited in place, else null. */
  readonly updated: BotMessage | null;
  /** All message contents joined by newlines (handy for toMatch). */
  readonly text: string;
}

export type OptionInput =
  | string
  | number
  | { readonly file: { readonly name: string; readonly contentType: string; readonly data: Uint8Array; readonly declaredSize?: number } };

export interface RepliesOptions {
  /** Quiet time after the last bot call before the answer counts as complete. */
  readonly settleMs?: number;
  readonly timeoutMs?: number;
  /** Wait until at least this many new messages exist. */
  readonly minMessages?: number;
  /**
   * Quiet time that counts as complete when the only thing the bot did is a
   * deferred update (type 6): it may still be working, or it may have acked
   * silently; only time tells.
   */
  readonly deferredSettleMs?: number;
}

const EPHEMERAL = 1 << 6;
const LOADING = 1 << 7;
const OPTION_TYPES: Record<number, string> = { 3: 'string', 4: 'integer', 11: 'attachment' };

export class DiscordDriver {
  private readonly usersByName = new Map<string, FakeUser>();

  constructor(
    readonly fake: FakeDiscord,
    /** The server most tests happen in. */
    readonly guild: FakeGuild,
  ) {}

  /** A user by display name, created and added to the guild on first use. */
  user(name: string): FakeUser {
    let user = this.usersByName.get(name);
    if (!user) {
      user = this.fake.addUser(name);
      this.usersByName.set(name, user);
      this.fake.addMember(this.guild, user);
    }
    return user;
  }

  /** A guild text channel by name (default #general). */
  channel(name = 'general'): FakeChannel {
    const channel = this.guild.channels.find((c) => c.name === name);
    if (!channel) throw new Error(`No #${name} in ${this.guild.name}`);
    return channel;
  }

  /** The user's DM channel with the bot. */
  dm(user: FakeUser): FakeChannel {
    return this.fake.dmWith(user);
  }

  /** Resolves once the bot is connected to the gateway and has registered its commands. */
  async botReady(timeoutMs = 15_000): Promise<void> {
    await this.fake.waitFor(
      () => this.fake.identifiedSessions().length > 0 && (this.fake.commandsFor(this.guild.id).length > 0 || this.fake.commandsFor().length > 0),
      timeoutMs,
      () => 'the bot to identify and register its commands',
    );
  }

  /** `/command option:value ...` typed by `user` in `channel`. Attachments are uploaded to the fake CDN first. */
  async userRuns(channel: FakeChannel, user: FakeUser, command: string, options: Readonly<Record<string, OptionInput>> = {}): Promise<InteractionHandle> {
    const registered = this.command(channel, command);
    const dataOptions: { name: string; type: number; value: string | number }[] = [];
    const attachments: Record<string, unknown> = {};
    for (const spec of registered.options) {
      const value = options[spec.name];
      if (value === undefined) {
        if (spec.required) throw new Error(`/${command}: required option '${spec.name}' missing`);
        continue;
      }
      if (spec.type === 11) {
        if (typeof value !== 'object') throw new Error(`/${command} ${spec.name}: expects { file }`);
        const attachment = this.fake.upload(channel.id, value.file.name, value.file.contentType, value.file.data, value.file.declaredSize);
        attachments[String(attachment['id'])] = attachment;
        dataOptions.push({ name: spec.name, type: 11, value: String(attachment['id']) });
      } else if (spec.type === 4) {
        if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`/${command} ${spec.name}: expects an integer`);
        dataOptions.push({ name: spec.name, type: 4, value });
      } else if (spec.type === 3) {
        if (typeof value !== 'string') throw new Error(`/${command} ${spec.name}: expects a string`);
        dataOptions.push({ name: spec.name, type: 3, value });
      } else {
        throw new Error(`/${command} ${spec.name}: option type ${OPTION_TYPES[spec.type] ?? spec.type} not supported by the driver`);
      }
    }
    const unknown = Object.keys(options).filter((name) => !registered.options.some((o) => o.name === name));
    if (unknown.length > 0) throw new Error(`/${command}: unknown options ${unknown.join(', ')}`);
    const interaction = this.fake.newInteraction({
      type: 2,
      user,
      channel,
      commandName: command,
      data: {
        id: registered.id,
        name: command,
        type: 1,
        ...(dataOptions.length > 0 ? { options: dataOptions } : {}),
        ...(Object.keys(attachments).length > 0 ? { resolved: { attachments } } : {}),
        ...(registered.guild_id ? { guild_id: registered.guild_id } : {}),
      },
    });
    this.fake.dispatchInteraction(interaction);
    return { interaction, channel, user };
  }

  /** `user` presses the button with `customId` on message `messageId` in `channel`. */
  async userPresses(channel: FakeChannel, user: FakeUser, messageId: string, customId: string): Promise<InteractionHandle> {
    const message = this.fake.messages.get(messageId);
    if (!message || message.deleted || message.channelId !== channel.id) throw new Error(`No message ${messageId} in channel ${channel.id}`);
    if (message.visibleTo !== undefined && message.visibleTo !== user.id) throw new Error(`${user.username} cannot see ephemeral message ${messageId}`);
    const button = view(message).buttons.flat().find((b) => b.customId === customId);
    if (!button) throw new Error(`Message ${messageId} has no button '${customId}'`);
    const interaction = this.fake.newInteraction({ type: 3, user, channel, message, customId, data: { custom_id: customId, component_type: 2 } });
    this.fake.dispatchInteraction(interaction);
    return { interaction, channel, user };
  }

  /** Presses a button found by label or custom_id on a message the bot sent. */
  async press(user: FakeUser, message: BotMessage, labelOrCustomId: string): Promise<InteractionHandle> {
    const button = message.buttons.flat().find((b) => b.customId === labelOrCustomId || (b.label === labelOrCustomId && b.customId));
    if (!button?.customId) throw new Error(`No action button '${labelOrCustomId}' on message ${message.id}`);
    const channel = this.fake.channel(message.channelId);
    if (!channel) throw new Error(`Unknown channel ${message.channelId}`);
    return this.userPresses(channel, user, message.id, button.customId);
  }

  /**
   * Waits until the bot has answered: the interaction was acknowledged, no
   * "thinking..." placeholder is left, and the bot has been quiet for
   * `settleMs` (it may send several messages, e.g. one per pick card).
   */
  async repliesTo(handle: InteractionHandle, options: RepliesOptions = {}): Promise<Answer> {
    const settleMs = options.settleMs ?? 200;
    const timeoutMs = options.timeoutMs ?? 10_000;
    const minMessages = options.minMessages ?? 0;
    const deferredSettleMs = options.deferredSettleMs ?? 2000;
    const interaction = handle.interaction;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = this.answerOf(interaction);
      const loading = answer.messages.some((m) => m.loading);
      const onlyDeferredUpdate = answer.callbacks.length === 1 && answer.callbacks[0] === 6 && answer.messages.length === 0 && answer.updated === null;
      const quietFor = onlyDeferredUpdate ? deferredSettleMs : settleMs;
      if (interaction.callbacks.length > 0 && !loading && answer.messages.length >= minMessages && Date.now() - interaction.lastActivity >= quietFor) {
        return answer;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `Bot did not answer ${interaction.commandName ? `/${interaction.commandName}` : `button ${interaction.customId}`} within ${timeoutMs} ms ` +
            `(callbacks: [${interaction.callbacks.map((c) => c.type).join(', ')}], messages: ${answer.messages.length}, loading: ${loading})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The current state of what the bot did for an interaction (no waiting). */
  answerOf(interaction: FakeInteraction): Answer {
    const ids = [...(interaction.originalId ? [interaction.originalId] : []), ...interaction.followUpIds];
    const messages = ids
      .map((id) => this.fake.messages.get(id))
      .filter((m): m is FakeMessage => m !== undefined && !m.deleted)
      .map(view);
    const pressed = interaction.messageId ? this.fake.messages.get(interaction.messageId) : undefined;
    return {
      callbacks: interaction.callbacks.map((c) => c.type),
      messages,
      updated: pressed && interaction.updates > 0 ? view(pressed) : null,
      text: messages.map((m) => m.content).join('\n'),
    };
  }

  /** What `viewer` sees in a channel (everyone's messages plus the viewer's ephemerals), oldest first. */
  messagesIn(channel: FakeChannel, viewer?: FakeUser): BotMessage[] {
    return this.fake.channelMessages(channel.id, viewer?.id).map(view);
  }

  private command(channel: FakeChannel, name: string): FakeCommand {
    const guildCommands = channel.guildId ? this.fake.commandsFor(channel.guildId) : [];
    const command = guildCommands.find((c) => c.name === name) ?? this.fake.commandsFor().find((c) => c.name === name);
    if (!command) throw new Error(`/${name} is not registered ${channel.guildId ? 'in this guild or globally' : 'globally (DMs only see global commands)'}`);
    if (!channel.guildId && command.contexts && !command.contexts.includes(1)) throw new Error(`/${name} is not usable in DMs`);
    return command;
  }
}

/** A stored message as the user sees it. */
export function view(message: FakeMessage): BotMessage {
  const rows = message.components as { components?: { type: number; label?: string; custom_id?: string; url?: string; style?: number }[] }[];
  return {
    id: message.id,
    channelId: message.channelId,
    content: message.content,
    ephemeral: (message.flags & EPHEMERAL) !== 0,
    loading: (message.flags & LOADING) !== 0,
    embeds: message.embeds as APIEmbed[],
    buttons: rows.map((row) =>
      (row.components ?? [])
        .filter((c) => c.type === 2)
        .map((c) => ({
          label: c.label ?? '',
          style: c.style ?? 0,
          ...(c.custom_id ? { customId: c.custom_id } : {}),
          ...(c.url ? { url: c.url } : {}),
        })),
    ),
    files: message.attachments.map((f) => ({ name: f.name, contentType: f.contentType, data: f.data })),
    edits: message.edits,
    ...(message.visibleTo ? { visibleTo: message.visibleTo } : {}),
  };
}
