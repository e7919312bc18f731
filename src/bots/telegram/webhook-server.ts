/**
 * The webhook endpoint: a bare node:http server. Telegram proves itself with
 * the secret_token we gave setWebhook (header X-Telegram-Bot-Api-Secret-Token);
 * anything without it gets 403 before its body is read.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Update } from 'telegraf/types';
import type { Logger } from '../../core/ports.js';

export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

export interface WebhookServerOptions {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly secret: string;
  readonly logger: Logger;
  /** Resolves when the update has been handled; Telegram gets its 200 then. */
  readonly onUpdate: (update: Update) => Promise<void>;
  readonly maxBodyBytes?: number;
}

export interface WebhookServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Constant-time comparison that does not leak the secret's length either. */
const sameSecret = (given: string | string[] | undefined, secret: string): boolean => {
  if (typeof given !== 'string') return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(secret));
};

const readBody = async (req: IncomingMessage, limit: number): Promise<Buffer | null> => {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
};

export const startWebhookServer = async (options: WebhookServerOptions): Promise<WebhookServer> => {
  const { logger } = options;
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  const server: Server = createServer((req, res) => {
    const reply = (status: number) => {
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' });
      res.end();
    };
    const path = (req.url ?? '').split('?')[0];
    if (path !== options.path) return reply(404);
    if (req.method !== 'POST') return reply(405);
    if (!sameSecret(req.headers[SECRET_HEADER], options.secret)) {
      logger.warn({ event: 'telegram_webhook_forbidden' }, 'Webhook call without the right secret');
      req.resume();
      return reply(403);
    }
    void (async () => {
      const body = await readBody(req, limit).catch(() => null);
      if (body === null) return reply(413);
      let update: Update;
      try {
        update = JSON.parse(body.toString('utf8')) as Update;
      } catch {
        return reply(400);
      }
      if (typeof update?.update_id !== 'number') return reply(400);
      try {
        await options.onUpdate(update);
      } catch (error) {
        // The adapter's boundary already logged it; Telegram must not redeliver a poison update forever.
        logger.error({ event: 'telegram_webhook_update_failed', err: String(error) }, 'Webhook update failed');
      }
      reply(200);
    })();
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
};
