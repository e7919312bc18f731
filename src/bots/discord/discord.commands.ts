/**
 * COMMANDS (core data) as Discord slash commands, and a slash-command
 * invocation back as the command text the core routes on. Both directions live
 * here so the option order used for registration is the one used for parsing.
 */
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { CommandSpec } from '../../core/conversation/turn.js';

const OPTION_TYPE = {
  string: ApplicationCommandOptionType.String,
  integer: ApplicationCommandOptionType.Integer,
  attachment: ApplicationCommandOptionType.Attachment,
} as const satisfies Record<CommandSpec['options'][number]['type'], ApplicationCommandOptionType>;

/** Discord's own limits on command data (checked here so a bad spec fails at start, not as a 400 later). */
const NAME_PATTERN = /^[-_\p{Ll}\p{N}]{1,32}$/u;
const MAX_DESCRIPTION = 100;
const MAX_OPTIONS = 25;

/**
 * Commands whose work may pass Discord's 3-second acknowledgement limit (model
 * inference, recommendation, party set-up): the adapter defers these before
 * calling the core instead of racing the clock.
 */
export const ALWAYS_DEFER: ReadonlySet<string> = new Set(['mood', 'selfie', 'search', 'watchparty', 'music', 'review', 'moodlog']);

/**
 * Commands about one person's data. In a server they are answered ephemerally
 * whatever the core says, so settings, exports, erasure and face readings are
 * never shown to the channel. Derived from the spec: not usable in groups
 * (`group: false`) means private.
 */
export function privateCommands(commands: readonly CommandSpec[]): ReadonlySet<string> {
  return new Set(commands.filter((c) => !c.group).map((c) => c.name));
}

/**
 * Builds the body of PUT applications/{id}/commands (or guilds/{gid}/commands).
 * Every command is usable in servers and in DMs with the bot: private ones are
 * forced ephemeral in servers rather than hidden, so /settings works wherever
 * the user is. Throws on a spec Discord would refuse.
 */
export function toSlashCommands(commands: readonly CommandSpec[]): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return commands.map((spec) => {
    check(NAME_PATTERN.test(spec.name), `command name '${spec.name}' is not a valid Discord name`);
    check(spec.description.length >= 1 && spec.description.length <= MAX_DESCRIPTION, `/${spec.name}: description must be 1..100 chars`);
    check(spec.options.length <= MAX_OPTIONS, `/${spec.name}: more than 25 options`);
    let seenOptional = false;
    for (const option of spec.options) {
      check(NAME_PATTERN.test(option.name), `/${spec.name}: option name '${option.name}' is not valid`);
      check(option.description.length >= 1 && option.description.length <= MAX_DESCRIPTION, `/${spec.name} ${option.name}: description must be 1..100 chars`);
      check(!(seenOptional && option.required), `/${spec.name}: required option '${option.name}' after an optional one`);
      seenOptional ||= !option.required;
    }
    return {
      type: ApplicationCommandType.ChatInput,
      name: spec.name,
      description: spec.description,
      options: spec.options.map((option) => ({
        type: OPTION_TYPE[option.type],
        name: option.name,
        description: option.description,
        required: option.required,
      })),
      contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
      integration_types: [ApplicationIntegrationType.GuildInstall],
    } as RESTPostAPIChatInputApplicationCommandsJSONBody;
  });
}

/** An option value as the interaction carries it (attachments are handled apart, as the Turn image). */
export type OptionValue = string | number | boolean | null | undefined;

/**
 * The Turn text for a slash command: `/name` then the string and integer option
 * values in declared order, separated by a space (`/mood text:I feel rough` ->
 * `/mood I feel rough`, `/watchparty minutes:15` -> `/watchparty 15`), which is
 * what a Telegram user would type. Missing optional values are skipped.
 */
export function commandText(spec: CommandSpec | undefined, name: string, valueOf: (option: string) => OptionValue): string {
  const values = (spec?.options ?? [])
    .filter((option) => option.type !== 'attachment')
    .map((option) => valueOf(option.name))
    .filter((value): value is string | number | boolean => value !== null && value !== undefined && String(value).trim() !== '')
    .map((value) => String(value).trim());
  // Several options are joined with ' | ' (turn.ts), so '/review Amélie | Loved it' keeps its boundary.
  return values.length ? `/${name} ${values.join(' | ')}` : `/${name}`;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`Invalid command spec: ${message}`);
}
