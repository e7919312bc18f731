/**
 * Discord API failures, wrapped with the adapter method that failed and the
 * route it called (grammY's GrammyError{method, error_code} is the model), so a
 * log line says "editReply PATCH /webhooks/:id/:token/messages/@original 404
 * 10008" instead of a bare "Unknown Message".
 */

/** A failed call to Discord: which adapter step, which route, what Discord said. */
export class DiscordApiError extends Error {
  override readonly name = 'DiscordApiError';
  constructor(
    /** The adapter step that failed ('interaction.editReply', 'notifier.send', 'commands.register', ...). */
    readonly method: string,
    /** HTTP method and path, with interaction/webhook tokens replaced by ':token'. Null for gateway failures. */
    readonly route: string | null,
    /** HTTP status, when the failure was an HTTP response. */
    readonly status: number | null,
    /** Discord's JSON error code (10008 Unknown Message, 40060 already acknowledged, ...), when given. */
    readonly code: number | string | null,
    options?: { cause?: unknown },
  ) {
    super(
      `Discord ${method} failed${route ? ` (${route})` : ''}${status ? `: ${status}` : ''}${code !== null ? ` code ${code}` : ''}`,
      options,
    );
  }

  /** Fields fit for a structured log line (no token, no message body). */
  toLogFields(): Record<string, unknown> {
    return { method: this.method, route: this.route, status: this.status, code: this.code };
  }
}

/**
 * Replaces secrets in a Discord URL: interaction and webhook tokens are
 * credentials (anyone holding one can post as the bot for 15 minutes), so they
 * must never reach a log. Also drops the scheme/host/version and the query.
 */
export function redactDiscordRoute(method: string | undefined, url: string | undefined): string | null {
  if (!url) return null;
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url.split('?')[0] ?? url;
  }
  path = path
    .replace(/^\/api(\/v\d+)?/, '')
    .replace(/\/(webhooks|interactions)\/(\d+)\/[^/]+/, '/$1/$2/:token');
  return `${(method ?? 'GET').toUpperCase()} ${path}`;
}

interface RestErrorShape {
  method?: string;
  url?: string;
  status?: number;
  code?: number | string;
}

/** Turns whatever discord.js threw (DiscordAPIError, HTTPError, RateLimitError, network error) into a DiscordApiError. */
export function wrapDiscordError(method: string, error: unknown): DiscordApiError {
  if (error instanceof DiscordApiError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as RestErrorShape;
  return new DiscordApiError(
    method,
    redactDiscordRoute(shape.method, shape.url),
    typeof shape.status === 'number' ? shape.status : null,
    typeof shape.code === 'number' || typeof shape.code === 'string' ? shape.code : null,
    { cause: error },
  );
}

/** Runs one Discord call and rethrows any failure wrapped with the step's name. */
export async function callDiscord<T>(method: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw wrapDiscordError(method, error);
  }
}
