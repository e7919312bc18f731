/**
 * Discord interactions as core Turns. Without the privileged message-content
 * intent the bot never sees plain messages: text arrives as slash-command
 * options, images as attachment options, and button presses as component
 * interactions whose custom_id is the core's Button.action.
 */
import type { Attachment, ButtonInteraction, ChatInputCommandInteraction, User } from 'discord.js';
import { UserError } from '../../core/errors.js';
import type { CommandSpec, ImageInput, Turn } from '../../core/conversation/turn.js';
import { commandText } from './discord.commands.js';
import { downloadCapped } from '../shared/capped-download.js';

export interface TurnContext {
  readonly commands: readonly CommandSpec[];
  /** The adapter's own cap on image downloads; the core's maxBytes is honoured too (the smaller wins). */
  readonly maxImageBytes: number;
  readonly downloadTimeoutMs: number;
  readonly now: () => Date;
}

const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp|gif|bmp|tiff?|heic|avif)$/i;

/** `/mood text:...` -> `/mood ...`; an attachment option becomes the Turn image (or unsupported media). */
export function commandTurn(interaction: ChatInputCommandInteraction, context: TurnContext): Turn {
  const spec = context.commands.find((c) => c.name === interaction.commandName);
  const text = commandText(spec, interaction.commandName, (name) => interaction.options.get(name)?.value);
  const attachmentOption = spec?.options.find((option) => option.type === 'attachment');
  const attachment = attachmentOption ? interaction.options.getAttachment(attachmentOption.name) : null;
  return {
    ...base(interaction.user, interaction.channelId, interaction.guildId, context),
    text,
    ...(attachment ? attachmentFields(attachment, context) : {}),
  };
}

/** A button press: the custom_id goes back to the core as Turn.action. */
export function buttonTurn(interaction: ButtonInteraction, context: TurnContext): Turn {
  return { ...base(interaction.user, interaction.channelId, interaction.guildId, context), action: interaction.customId };
}

/** Servers are groups (watch parties live there); DMs with the bot are private chats. */
function base(user: User, channelId: string | null, guildId: string | null, context: TurnContext): Pick<Turn, 'platform' | 'user' | 'chat' | 'receivedAt'> {
  return {
    platform: 'discord',
    user: { id: user.id, name: user.globalName ?? user.username },
    chat: { id: channelId ?? `dm:${user.id}`, kind: guildId ? 'group' : 'private' },
    receivedAt: context.now(),
  };
}

function attachmentFields(attachment: Attachment, context: TurnContext): Pick<Turn, 'image' | 'unsupportedMedia'> {
  const mimeType = attachment.contentType?.split(';')[0]?.trim().toLowerCase() ?? null;
  const isImage = mimeType ? mimeType.startsWith('image/') : IMAGE_EXTENSIONS.test(attachment.name);
  if (!isImage) return { unsupportedMedia: mediaKind(mimeType) };
  return { image: attachmentImage(attachment.url, attachment.size, mimeType, attachment.name, context) };
}

/** Names non-image media the way the core's replies expect ('video', 'audio', 'document'). */
export function mediaKind(mimeType: string | null): string {
  if (mimeType?.startsWith('video/')) return 'video';
  if (mimeType?.startsWith('audio/')) return 'audio';
  return 'document';
}

/**
 * An ImageInput over a Discord CDN attachment. The declared size is checked
 * before any byte is fetched; the download is then cut off as soon as it passes
 * the cap, so a lying size or a huge file never fills memory.
 */
export function attachmentImage(url: string, sizeBytes: number | null, mimeType: string | null, fileName: string, context: TurnContext): ImageInput {
  return {
    sizeBytes,
    mimeType,
    fileName,
    async load(maxBytes: number): Promise<Uint8Array> {
      const cap = Math.min(maxBytes, context.maxImageBytes);
      if (sizeBytes !== null && sizeBytes > cap) throw tooLarge(cap, sizeBytes);
      return downloadCapped(url, cap, context.downloadTimeoutMs, { tooLarge, failed: unreadable });
    },
  };
}

function tooLarge(cap: number, size: number): UserError {
  const mb = (cap / (1024 * 1024)).toFixed(cap % (1024 * 1024) === 0 ? 0 : 1);
  return new UserError('image_too_large', `That image is too large. Please send one under ${mb} MB.`, { maxBytes: cap, sizeBytes: size });
}

function unreadable(details: Readonly<Record<string, unknown>>, cause?: unknown): UserError {
  const error = new UserError('image_unreadable', "I couldn't download that image from Discord. Please try sending it again.", details);
  if (cause !== undefined) (error as Error).cause = cause;
  return error;
}
