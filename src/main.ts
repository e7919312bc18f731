/**
 * Composition root: config -> storage -> models -> core -> adapters -> schedules.
 * With no bot token, `npm start` opens the terminal chat.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { adaptersToStart, ConfigError, loadConfig, type AdapterName } from './config.js';
import { createLogger } from './infra/logging/logger.js';
import { isUserError } from './core/errors.js';
import { createApp, type App } from './app.js';
import { TerminalChat } from './bots/terminal/terminal.adapter.js';
import { startBots } from './start-bots.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const adapters: AdapterName[] = adaptersToStart(config);
  const terminalOnly = adapters.length === 1 && adapters[0] === 'terminal';
  // The terminal chat owns stdout and the screen: logs go to a file there.
  let logStream: NodeJS.WritableStream = process.stderr;
  if (terminalOnly && process.stdin.isTTY) {
    const dir = path.resolve('data', 'logs');
    mkdirSync(dir, { recursive: true });
    logStream = createWriteStream(path.join(dir, 'moodreel.log'), { flags: 'a' });
    process.stderr.write(`(logs: ${path.join(dir, 'moodreel.log')})\n`);
  }
  const logger = createLogger(config.LOG_LEVEL, logStream);
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  process.on('uncaughtException', (error) => logger.error({ err: error }, 'uncaught exception'));

  const app: App = await createApp(config, logger, { interactive: process.stderr.isTTY === true });
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const stop of stops.reverse()) await stop().catch((e: unknown) => logger.error({ err: e }, 'stop failed'));
    await app.close();
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  const bots = adapters.filter((a): a is 'telegram' | 'discord' => a !== 'terminal');
  if (bots.length) stops.push(await startBots(bots, config, app, logger));
  app.startSchedules();

  if (adapters.includes('terminal')) {
    const chat = new TerminalChat({ handler: app.handler, input: process.stdin, output: process.stdout });
    app.parties.registerNotifier(chat.notifier);
    await chat.run();
    await shutdown(0);
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || isUserError(error)) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  process.stderr.write(`MoodReel failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
