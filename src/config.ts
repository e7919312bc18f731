/**
 * The only reader of process.env. Every setting, its default and its meaning
 * live here once (the README table is generated from SETTINGS). The result is
 * frozen; a bad value fails fast with a message naming the variable.
 */
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() ? v.trim() : undefined));

/** Each setting: env name, zod schema with its default, and a one-line description for the README. */
export const SETTINGS = {
  DATABASE_URL: [z.string().default('file:data/moodreel.db'), 'Database: `file:<path>` for SQLite (default) or `postgresql://...`'],
  MOODREEL_DATA_DIR: [z.string().default('data'), 'Where the data sets are, laid out like ../shared/data (movielens/ml-latest-small, movies-extra, tmdb, music)'],
  MOODREEL_MODELS_DIR: [z.string().default('data/models'), 'Where retrained model versions are written (the shipped models live in models/)'],
  MOODREEL_TEXT_MODEL: [z.string().default('models/text-emotion'), 'Text emotion model: a local transformers.js folder, or a model id on the hub (online only)'],
  MOODREEL_FACE_MODEL_DIR: [z.string().default('models/face-expression'), "Project-trained face expression head (face-api's own weights load from node_modules)"],
  MOODREEL_ADAPTERS: [z.string().default('auto'), '`auto` (bots whose token is set, else the terminal), or a comma list of terminal, telegram, discord'],
  TELEGRAM_BOT_TOKEN: [optionalString, 'Telegram bot token from @BotFather'],
  TELEGRAM_WEBHOOK_URL: [optionalString, 'Public HTTPS URL for webhook mode (long polling when unset)'],
  TELEGRAM_WEBHOOK_SECRET: [optionalString, 'Secret checked against X-Telegram-Bot-Api-Secret-Token (required with a webhook URL)'],
  TELEGRAM_WEBHOOK_PORT: [z.coerce.number().int().min(1).max(65535).default(8443), 'Local port of the webhook HTTP server'],
  TELEGRAM_WEBHOOK_HOST: [z.string().default('0.0.0.0'), 'Local address of the webhook HTTP server'],
  TELEGRAM_API_ROOT: [optionalString, 'Bot API server root (self-hosted Bot API); default the official one'],
  DISCORD_TOKEN: [optionalString, 'Discord bot token from the developer portal'],
  DISCORD_APPLICATION_ID: [optionalString, 'Discord application id (read from the token owner when unset)'],
  DISCORD_GUILD_ID: [optionalString, 'Register slash commands in this guild only (instant); global otherwise'],
  DISCORD_API_URL: [optionalString, 'Discord REST base URL override (a local Discord-compatible server); the gateway is discovered through it'],
  MOODREEL_RETRAIN_CRON: [z.string().default('30 3 * * *'), 'node-cron schedule of model retraining (nightly by default); `off` disables it'],
  MOODREEL_TEXT_RETRAIN_CRON: [z.string().default('0 4 * * *'), 'node-cron schedule of the text mood model\'s retraining from donated sentences (docs/text-retraining.md); `off` disables it'],
  MOODREEL_RETRAIN_TIMEOUT_MIN: [z.coerce.number().positive().default(30), 'A retraining run past this many minutes is abandoned; the old model keeps serving'],
  MOODREEL_MAX_IMAGE_MB: [z.coerce.number().positive().default(10), 'Largest photo accepted, in MB'],
  MOODREEL_MAX_IMAGE_MEGAPIXELS: [z.coerce.number().positive().default(40), 'Largest photo accepted, in megapixels (decompression bombs are refused)'],
  MOODREEL_MAX_TEXT_CHARS: [z.coerce.number().int().positive().default(4096), 'Longer messages are cut here before the model truncates to its token limit'],
  MOODREEL_PHOTO_COOLDOWN_S: [z.coerce.number().min(0).default(5), 'Per-user pause between photos'],
  MOODREEL_QUEUE_LIMIT: [z.coerce.number().int().positive().default(16), 'Inference jobs waiting at most; past it users get "busy, try again in N s"'],
  MOODREEL_CACHE_SECONDS: [z.coerce.number().min(0).default(30), 'How long a process reuses its copy of a user and their settings; other processes on the same database see changes within this time (0 = off)'],
  MOODREEL_PICKS: [z.coerce.number().int().min(1).max(10).default(5), 'Picks per answer'],
  MOODREEL_PARTY_MINUTES: [z.coerce.number().int().min(1).max(1440).default(10), 'Default voting time of a watch party'],
  MOODREEL_SEED: [z.coerce.number().int().default(42), 'Seed for training and any sampling'],
  MOODREEL_TRAIN_ON_START: [bool.default('true'), 'Train the collaborative model at start when no trained version exists'],
  MOODREEL_SHUTDOWN_SECONDS: [z.coerce.number().positive().max(600).default(10), 'On SIGTERM/SIGINT: stop taking updates, finish turns in flight, close everything and exit 0 within this time; past it, log what did not stop and exit 1 (a second signal exits at once)'],
  LOG_LEVEL: [z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), 'pino log level (logs go to stderr; never tokens, images or message text)'],
} as const satisfies Record<string, readonly [z.ZodTypeAny, string]>;

type Settings = typeof SETTINGS;
export type Config = { readonly [K in keyof Settings]: z.output<Settings[K][0]> };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses an environment (process.env by default) into a frozen Config. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const shape = Object.fromEntries(Object.entries(SETTINGS).map(([k, [schema]]) => [k, schema])) as {
    [K in keyof Settings]: Settings[K][0];
  };
  const picked = Object.fromEntries(Object.keys(SETTINGS).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = z.object(shape).safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data as Config;
  if (config.TELEGRAM_WEBHOOK_URL && !config.TELEGRAM_WEBHOOK_SECRET) {
    throw new ConfigError('TELEGRAM_WEBHOOK_SECRET must be set when TELEGRAM_WEBHOOK_URL is set.');
  }
  return Object.freeze(config);
}

export type AdapterName = 'terminal' | 'telegram' | 'discord';

/** Which adapters to start: `auto` = bots with a token, else the terminal chat. */
export function adaptersToStart(config: Config): AdapterName[] {
  const raw = config.MOODREEL_ADAPTERS.trim().toLowerCase();
  if (raw === 'auto') {
    const bots: AdapterName[] = [];
    if (config.TELEGRAM_BOT_TOKEN) bots.push('telegram');
    if (config.DISCORD_TOKEN) bots.push('discord');
    return bots.length ? bots : ['terminal'];
  }
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (n !== 'terminal' && n !== 'telegram' && n !== 'discord') throw new ConfigError(`MOODREEL_ADAPTERS: unknown adapter "${n}"`);
  }
  if (names.includes('telegram') && !config.TELEGRAM_BOT_TOKEN) throw new ConfigError('MOODREEL_ADAPTERS names telegram but TELEGRAM_BOT_TOKEN is not set.');
  if (names.includes('discord') && !config.DISCORD_TOKEN) throw new ConfigError('MOODREEL_ADAPTERS names discord but DISCORD_TOKEN is not set.');
  return names as AdapterName[];
}
