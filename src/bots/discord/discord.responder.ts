/**
 * The life of one interaction response. Discord wants exactly one callback
 * within 3 seconds (reply, deferred reply, update, deferred update), then
 * webhook calls on the interaction token (edit the original, follow-ups). This
 * class owns that state machine so the adapter only says "send this" and the
 * right call is made: no double acknowledgements (40060), no edit of an
 * original that was never created (10008), no "thinking..." left behind.
 */
import {
  AttachmentBuilder,
  MessageFlags,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type InteractionEditReplyOptions,
  type InteractionReplyOptions,
} from 'discord.js';
import { callDiscord } from './discord.errors.js';
import type { OutgoingAck, OutgoingMessage } from './discord.render.js';

export type RepliableInteraction = ChatInputCommandInteraction | ButtonInteraction;

type State =
  /** Nothing sent yet: the first message is the interaction callback itself. */
  | 'fresh'
  /** Deferred reply (type 5): the original exists as "thinking..." until edited. */
  | 'deferred_reply'
  /** Deferred update (type 6, buttons): the pressed message may be edited through @original. */
  | 'deferred_update'
  /** The callback has been sent; further messages are follow-ups. */
  | 'answered';

export class InteractionResponder {
  private state: State = 'fresh';
  /** A deferred reply whose placeholder has not been replaced yet. */
  private originalPending = false;
  private deferredEphemeral = false;

  constructor(private readonly interaction: RepliableInteraction) {}

  get acknowledged(): boolean {
    return this.state !== 'fresh';
  }

  /** Shows "MoodReel is thinking..." (ephemerally when asked); the answer later replaces it. */
  async deferReply(ephemeral: boolean): Promise<void> {
    if (this.state !== 'fresh') return;
    await callDiscord('interaction.deferReply', () =>
      this.interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
    );
    this.state = 'deferred_reply';
    this.originalPending = true;
    this.deferredEphemeral = ephemeral;
  }

  /** Acknowledges a button press without a visible loading state (the pressed message may be edited later). */
  async deferUpdate(): Promise<void> {
    if (this.state !== 'fresh' || !this.interaction.isButton()) return;
    const interaction = this.interaction;
    await callDiscord('interaction.deferUpdate', () => interaction.deferUpdate());
    this.state = 'deferred_update';
  }

  /** Acknowledges in the least visible way the interaction allows (used when deadlines loom). */
  async defer(ephemeral: boolean): Promise<void> {
    if (this.interaction.isButton()) await this.deferUpdate();
    else await this.deferReply(ephemeral);
  }

  /** Sends one new message: as the callback, into the deferred original, or as a follow-up. */
  async send(message: OutgoingMessage): Promise<void> {
    const flags = message.ephemeral ? MessageFlags.Ephemeral : undefined;
    if (this.state === 'fresh') {
      const options: InteractionReplyOptions = { ...replyPayload(message), ...(flags ? { flags } : {}) };
      await callDiscord('interaction.reply', () => this.interaction.reply(options));
      this.state = 'answered';
      return;
    }
    // The original's visibility was fixed when deferring: an ephemeral message cannot go into a public original.
    if (this.state === 'deferred_reply' && this.originalPending && (this.deferredEphemeral || !message.ephemeral)) {
      const options: InteractionEditReplyOptions = editPayload(message);
      await callDiscord('interaction.editReply', () => this.interaction.editReply(options));
      this.originalPending = false;
      return;
    }
    await callDiscord('interaction.followUp', () => this.interaction.followUp({ ...replyPayload(message), ...(flags ? { flags } : {}) }));
  }

  /**
   * Answers a button press: the pressed message is edited in place when the ack
   * carries new text or rows, and the toast (Discord has none) becomes a short
   * ephemeral message. A bare ack with no toast is a silent deferred update.
   */
  async ack(ack: OutgoingAck): Promise<void> {
    const edit: InteractionEditReplyOptions = {
      ...(ack.content !== undefined ? { content: ack.content } : {}),
      ...(ack.components !== undefined ? { components: [...ack.components] } : {}),
    };
    const hasEdit = Object.keys(edit).length > 0;
    const toast = ack.toast.trim();
    const interaction = this.interaction;
    if (!interaction.isButton()) {
      if (toast) await this.send({ kind: 'message', content: toast, embeds: [], components: [], files: [], ephemeral: true });
      return;
    }
    if (this.state === 'fresh') {
      if (hasEdit) {
        await callDiscord('interaction.update', () => interaction.update(edit));
        this.state = 'answered';
      } else if (toast) {
        await this.send(toastMessage(toast));
        return;
      } else {
        await this.deferUpdate();
        return;
      }
    } else if (this.state === 'deferred_update' && hasEdit) {
      await callDiscord('interaction.editReply', () => interaction.editReply(edit));
    }
    if (toast) await this.send(toastMessage(toast));
  }

  /**
   * Leaves nothing dangling: a press that got no answer is acknowledged
   * silently, a command that got none gets a short ephemeral "Done.", and an
   * unfilled "thinking..." placeholder is deleted.
   */
  async finish(): Promise<void> {
    if (this.state === 'fresh') {
      if (this.interaction.isButton()) await this.deferUpdate();
      else await this.send(toastMessage('Done.'));
      return;
    }
    if (this.state === 'deferred_reply' && this.originalPending) {
      await callDiscord('interaction.deleteReply', () => this.interaction.deleteReply());
      this.originalPending = false;
    }
  }
}

function toastMessage(text: string): OutgoingMessage {
  return { kind: 'message', content: text, embeds: [], components: [], files: [], ephemeral: true };
}

function files(message: OutgoingMessage): AttachmentBuilder[] {
  return message.files.map((file) => new AttachmentBuilder(file.data, { name: file.name }));
}

function replyPayload(message: OutgoingMessage): InteractionReplyOptions {
  return {
    ...(message.content ? { content: message.content } : {}),
    embeds: [...message.embeds],
    components: [...message.components],
    files: files(message),
    allowedMentions: { parse: [] },
  };
}

/** Editing the deferred placeholder: every field is set so nothing of "thinking..." survives. */
function editPayload(message: OutgoingMessage): InteractionEditReplyOptions {
  return {
    content: message.content ?? '',
    embeds: [...message.embeds],
    components: [...message.components],
    files: files(message),
    allowedMentions: { parse: [] },
  };
}
