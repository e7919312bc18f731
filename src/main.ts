/**
 * Composition root: config -> storage -> models -> core -> adapters -> schedules.
 * With no bot token, `npm start` opens the terminal chat.
 *
 * Stopping: SIGTERM or SIGINT stops the adapters (no new updates, turns in
 * flight finish), then schedules, workers and storage, and exits 0 within
 * MOODREEL_SHUTDOWN_SECONDS (src/lifecycle/shutdown.ts). Logging cannot throw
 * or loop (src/infra/logging), and a closed stdout ends the terminal chat.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { adaptersToStart, ConfigError, loadConfig, type AdapterName } from './config.js';
import { createLogger } from './infra/logging/logger.js';
import { guardLogStream } from './infra/logging/log-stream-guard.js';
import { installProcessHandlers } from './infra/logging/process-handlers.js';
import { isUserError } from './core/errors.js';
import { createApp, type App } from './app.js';
import { TerminalChat } from './bots/terminal/terminal.adapter.js';
import { startBots } from './start-bots.js';
import { createShutdown, type StopStep } from './lifecycle/shutdown.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const adapters: AdapterName[] = adaptersToStart(config);
  const terminal = adapters.includes('terminal');
  const terminalOnly = adapters.length === 1 && terminal;
  // The terminal chat owns stdout and the screen: logs go to a file there.
  let logStream: NodeJS.WritableStream = process.stderr;
  let logName = 'stderr';
  if (terminalOnly && process.stdin.isTTY) {
    const dir = path.resolve('data', 'logs');
    mkdirSync(dir, { recursive: true });
    logStream = createWriteStream(path.join(dir, 'moodreel.log'), { flags: 'a' });
    logName = 'log file';
    process.stderr.write(`(logs: ${path.join(dir, 'moodreel.log')})\n`);
  }
  // Where the one line saying the logs stopped goes: a channel the logs do not use and the chat does not own.
  const spare = logStream !== process.stderr ? process.stderr : terminal ? null : process.stdout;
  const spareOut = spare ? guardLogStream(spare, { name: spare === process.stderr ? 'stderr' : 'stdout' }) : null;
  const logger = createLogger(config.LOG_LEVEL, logStream, {
    name: logName,
    onOff: (name, error) => void spareOut?.write(`MoodReel: logging to ${name} stopped (${(error as NodeJS.ErrnoException).code ?? error.message}); later log lines are dropped\n`),
  });
  installProcessHandlers(logger);

  let app: App | null = null;
  let chat: TerminalChat | null = null;
  const steps: StopStep[] = [];
  const shutdown = createShutdown({
    steps: () => [...(chat ? [{ name: 'terminal chat', stop: () => chat!.stop() }] : []), ...steps, ...(app?.stopSteps() ?? [])],
    deadlineMs: config.MOODREEL_SHUTDOWN_SECONDS * 1000,
    logger,
    exit: (code) => process.exit(code),
  });
  process.on('SIGINT', () => shutdown.onSignal('SIGINT'));
  process.on('SIGTERM', () => shutdown.onSignal('SIGTERM'));
  if (terminal) {
    // `npm start | head -1`: once the reader of stdout is gone, the chat has no one to talk to.
    guardLogStream(process.stdout, { name: 'stdout', onOff: () => void shutdown.run(0, 'stdout closed') });
  }

  app = await createApp(config, logger, { interactive: process.stderr.isTTY === true });
  if (shutdown.started) return;

  const bots = adapters.filter((a): a is 'telegram' | 'discord' => a !== 'terminal');
  if (bots.length) steps.push(...(await startBots(bots, config, app, logger)));
  app.startSchedules();

  if (terminal) {
    chat = new TerminalChat({ handler: app.handler, input: process.stdin, output: process.stdout });
    app.parties.registerNotifier(chat.notifier);
    await chat.run();
    await shutdown.run(0, 'input ended');
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
