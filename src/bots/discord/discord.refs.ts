/**
 * Messages named by a reply's `ref` (a watch party's one message: lobby, then
 * proposal), so a later 'update' reply can edit them when the party closes.
 * Kept in memory per application, bounded, oldest forgotten first; after a
 * restart the edit is skipped and the core's announcement still goes out.
 */
import { Routes, type REST } from 'discord.js';
import type { Reply } from '../../core/conversation/turn.js';
import { BoundedMap, perApplication } from './bounded-map.js';
import { callDiscord, DiscordApiError } from './discord.errors.js';
import { renderUpdate, type RenderOptions } from './discord.render.js';

export interface MessagePlace {
  readonly channelId: string;
  readonly messageId: string;
}

const stores = perApplication(() => new BoundedMap<string, MessagePlace>());

/** The refs of one application, for the life of the process (a fresh login after an outage keeps them). */
export const refsFor = (applicationId: string): BoundedMap<string, MessagePlace> => stores.of(applicationId);

/**
 * Edits the message an 'update' reply names, through the channel endpoint: the
 * interaction token that created it lasts 15 minutes, a party may last longer.
 * Returns false, without a call, for a ref this process never saw (restart),
 * and false when the message is gone (deleted by a member); other failures throw.
 */
export async function editByRef(
  rest: REST,
  applicationId: string,
  reply: Extract<Reply, { kind: 'update' }>,
  options: RenderOptions = {},
): Promise<boolean> {
  const place = refsFor(applicationId).get(reply.ref);
  if (!place) return false;
  try {
    await callDiscord('notifier.edit', () => rest.patch(Routes.channelMessage(place.channelId, place.messageId), { body: renderUpdate(reply, options) }));
    return true;
  } catch (error) {
    if (error instanceof DiscordApiError && error.status === 404) return false;
    throw error;
  }
}
