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
  type APIEmbed,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type InteractionEditReplyOptions,
  type InteractionReplyOptions,
  type InteractionUpdateOptions,
} from 'discord.js';
import type { Button } from '../../core/conversation/turn.js';
import { callDiscord } from './discord.errors.js';
import { markCard, pagesFor, parsePageAction, STALE_PAGE_NOTICE, type PageStore } from './discord.pages.js';
import { refsFor } from './discord.refs.js';
import { pageMessage, type ButtonRow, type OutgoingAck, type OutgoingMessage } from './discord.render.js';

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

/** What an edit of the pressed message may change. */
type PressedEdit = Pick<InteractionUpdateOptions, 'content' | 'embeds' | 'components'>;

export class InteractionResponder {
  private state: State = 'fresh';
  /** A deferred reply whose placeholder has not been replaced yet. */
  private originalPending = false;
  private deferredEphemeral = false;
  /** After a deferred update or an update, @original is the pressed message: later edits go there. */
  private pressedIsOriginal = false;
  /** A press on `◀ n/N ▶` (null: not one). Answered here: the core never made that payload. */
  private readonly page: number | 'invalid' | null;
  private pageHandled = false;
  /** Toasts wait for the end (or the next message), so one that only repeats an in-place change can be dropped. */
  private pendingToast: { readonly text: string; readonly alert: boolean } | null = null;
  /** The pressed picks message now shows new picks (a mood correction). */
  private pressedReplaced = false;

  constructor(private readonly interaction: RepliableInteraction) {
    this.page = interaction.isButton() ? parsePageAction(interaction.customId) : null;
  }

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
    this.pressedIsOriginal = true;
  }

  /** Acknowledges in the least visible way the interaction allows (used when deadlines loom). */
  async defer(ephemeral: boolean): Promise<void> {
    if (this.interaction.isButton()) await this.deferUpdate();
    else await this.deferReply(ephemeral);
  }

  /**
   * Sends one message: as the callback, into the deferred original, or as a
   * follow-up. A picks answer is remembered by message id for paging; one that
   * replaces the pressed picks message is shown there instead when both are
   * equally visible.
   */
  async send(message: OutgoingMessage): Promise<void> {
    if (await this.answerPage()) return;
    if (message.replacesPressed && message.pages && (await this.replacePressed(message))) return;
    await this.flushToast();
    const id = await this.post(message);
    if (message.pages && id) this.pages().set(id, message.pages);
    if (message.ref !== undefined && id && this.interaction.channelId) {
      refsFor(this.interaction.applicationId).set(message.ref, { channelId: this.interaction.channelId, messageId: id });
    }
  }

  /**
   * Answers a button press: the pressed message is edited in place when the ack
   * carries new text or rows, and the toast (Discord has none) becomes a short
   * ephemeral message. A rating on a picks message marks the rated card and
   * replaces only its rating rows (the pager and moods stay); the card shows
   * the mark, so no toast repeats it. A bare ack with no toast is a silent
   * deferred update.
   */
  async ack(ack: OutgoingAck): Promise<void> {
    if (await this.answerPage()) return;
    const toast = ack.toast.trim();
    const interaction = this.interaction;
    if (!interaction.isButton()) {
      if (toast) this.pendingToast = { text: toast, alert: ack.alert ?? false };
      return;
    }
    if (ack.mark !== undefined && ack.marked && ack.components && (await this.markRated(interaction, ack.mark, ack.marked, ack.components))) return;
    const edit: PressedEdit = {
      ...(ack.content !== undefined ? { content: ack.content } : {}),
      ...(ack.components !== undefined ? { components: [...ack.components] } : {}),
    };
    if (Object.keys(edit).length > 0) await this.editPressed(edit);
    else if (!toast) await this.deferUpdate();
    if (toast) this.pendingToast = { text: toast, alert: ack.alert ?? false };
  }

  /**
   * Leaves nothing dangling: a held toast is shown (unless the pressed message
   * now says it), a press that got no answer is acknowledged silently, a
   * command that got none gets a short ephemeral "Done.", and an unfilled
   * "thinking..." placeholder is deleted.
   */
  async finish(): Promise<void> {
    await this.answerPage();
    if (this.pendingToast && this.pressedReplaced && !this.pendingToast.alert) this.pendingToast = null;
    await this.flushToast();
    if (this.state === 'fresh') {
      if (this.interaction.isButton()) await this.deferUpdate();
      else await this.post(toastMessage('Done.'));
      return;
    }
    if (this.state === 'deferred_reply' && this.originalPending) {
      await callDiscord('interaction.deleteReply', () => this.interaction.deleteReply());
      this.originalPending = false;
    }
  }

  private pages(): PageStore {
    return pagesFor(this.interaction.applicationId);
  }

  private async flushToast(): Promise<void> {
    const toast = this.pendingToast;
    this.pendingToast = null;
    if (toast) await this.post(toastMessage(toast.text));
  }

  /** Posts one new message; returns its id when Discord says it. */
  private async post(message: OutgoingMessage): Promise<string | null> {
    const flags = message.ephemeral ? MessageFlags.Ephemeral : undefined;
    if (this.state === 'fresh') {
      const options: InteractionReplyOptions = { ...replyPayload(message), ...(flags ? { flags } : {}) };
      if (!message.pages && message.ref === undefined) {
        await callDiscord('interaction.reply', () => this.interaction.reply(options));
        this.state = 'answered';
        return null;
      }
      const response = await callDiscord('interaction.reply', () => this.interaction.reply({ ...options, withResponse: true }));
      this.state = 'answered';
      return response.resource?.message?.id ?? null;
    }
    // The original's visibility was fixed when deferring: an ephemeral message cannot go into a public original.
    if (this.state === 'deferred_reply' && this.originalPending && (this.deferredEphemeral || !message.ephemeral)) {
      const options: InteractionEditReplyOptions = editPayload(message);
      const sent = await callDiscord('interaction.editReply', () => this.interaction.editReply(options));
      this.originalPending = false;
      return sent.id;
    }
    const sent = await callDiscord('interaction.followUp', () => this.interaction.followUp({ ...replyPayload(message), ...(flags ? { flags } : {}) }));
    return sent.id;
  }

  /** Edits the pressed message: as the callback (update), or through @original after a deferred update. False when neither is possible any more. */
  private async editPressed(edit: PressedEdit): Promise<boolean> {
    const interaction = this.interaction;
    if (!interaction.isButton()) return false;
    if (this.state === 'fresh') {
      await callDiscord('interaction.update', () => interaction.update(edit));
      this.state = 'answered';
      this.pressedIsOriginal = true;
      return true;
    }
    if (!this.pressedIsOriginal) return false;
    await callDiscord('interaction.editReply', () => interaction.editReply(edit));
    return true;
  }

  /**
   * A press on `◀ n/N ▶`, answered once whatever else comes: the asked page
   * is shown in place; a page of a message this process does not know (sent
   * before a restart, or forged) is refused with an ephemeral notice.
   */
  private async answerPage(): Promise<boolean> {
    if (this.page === null) return false;
    if (this.pageHandled) return true;
    this.pageHandled = true;
    const interaction = this.interaction as ButtonInteraction;
    const state = this.pages().get(interaction.message.id);
    if (!state || this.page === 'invalid' || this.page >= state.cards.length) {
      await this.post(toastMessage(STALE_PAGE_NOTICE));
      return true;
    }
    if (this.page === state.current) {
      await this.deferUpdate();
      return true;
    }
    const previous = state.current;
    state.current = this.page;
    try {
      await this.editPressed(pressedEdit(pageMessage(state)));
    } catch (error) {
      state.current = previous;
      throw error;
    }
    return true;
  }

  /** New picks shown on the pressed picks message (same visibility only: a public message never turns private). */
  private async replacePressed(message: OutgoingMessage): Promise<boolean> {
    const interaction = this.interaction;
    if (!interaction.isButton() || !message.pages || isEphemeral(interaction.message) !== message.ephemeral) return false;
    if (!(await this.editPressed(pressedEdit(message)))) return false;
    this.pages().set(interaction.message.id, message.pages);
    this.pressedReplaced = true;
    return true;
  }

  /**
   * A rating press on a picks message. With its pages known, the rated card
   * keeps the mark and marked rows, and is redrawn when shown. Without them
   * (restart), the rows holding the rated payloads are replaced and the mark
   * is added to the embed, so the pager and mood rows stay. False when the
   * message has no such rows (the caller edits as for any ack).
   */
  private async markRated(interaction: ButtonInteraction, mark: string, marked: readonly (readonly Button[])[], rows: readonly ButtonRow[]): Promise<boolean> {
    const state = this.pages().get(interaction.message.id);
    const index = state ? markCard(state, mark, marked) : -1;
    if (state && index >= 0) {
      if (index === state.current) await this.editPressed(pressedEdit(pageMessage(state)));
      else await this.deferUpdate();
      return true;
    }
    const current = (interaction.message.components as unknown[]).map((row) => asJson<ButtonRow>(row));
    const replaced = replaceRows(current, rows);
    if (!replaced) return false;
    const embeds = (interaction.message.embeds as unknown[]).map((embed) => asJson<APIEmbed>(embed));
    await this.editPressed({ components: replaced, ...(embeds.length === 1 ? { embeds: [markEmbed(embeds[0]!, mark)] } : {}) });
    return true;
  }
}

/** The rows of `current` whose buttons all belong to one row of `marked` are swapped for it; null when none is. */
export function replaceRows(current: readonly ButtonRow[], marked: readonly ButtonRow[]): ButtonRow[] | null {
  const rowOf = new Map<string, ButtonRow>();
  for (const row of marked) for (const b of row.components) if ('custom_id' in b && b.custom_id) rowOf.set(b.custom_id, row);
  let replaced = false;
  const rows = current.map((row) => {
    const ids = row.components.map((b) => ('custom_id' in b ? b.custom_id : undefined));
    const match = ids[0] ? rowOf.get(ids[0]) : undefined;
    if (match && ids.every((id) => id !== undefined && rowOf.get(id) === match)) {
      replaced = true;
      return match;
    }
    return row;
  });
  return replaced ? rows : null;
}

/** The card's mark as the first line of its description (an earlier mark is replaced). */
function markEmbed(embed: APIEmbed, mark: string): APIEmbed {
  const rest = (embed.description ?? '').replace(/^✅ \*\*[^\n]*\*\*(\n\n)?/, '');
  return { ...embed, description: [`✅ **${mark}**`, rest].filter(Boolean).join('\n\n') };
}

/** discord.js structures (ActionRow, Embed) or the raw API objects it hands over for uncached DM channels. */
function asJson<T>(value: unknown): T {
  const v = value as { toJSON?: () => unknown };
  return (typeof v.toJSON === 'function' ? v.toJSON() : value) as T;
}

function isEphemeral(message: unknown): boolean {
  const flags = (message as { flags?: unknown } | null)?.flags;
  if (typeof flags === 'number') return (flags & MessageFlags.Ephemeral) !== 0;
  if (flags && typeof (flags as { has?: unknown }).has === 'function') return (flags as { has(flag: number): boolean }).has(MessageFlags.Ephemeral);
  return false;
}

function pressedEdit(message: OutgoingMessage): PressedEdit {
  return { content: message.content ?? '', embeds: [...message.embeds], components: [...message.components] };
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
