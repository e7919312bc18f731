/**
 * Discord unreachable (issue 17): the fake's REST and gateway refuse
 * connections for a while, then come back. Counts what the bot does meanwhile:
 * every TCP connection it opens to the fake (through node's `net.client.socket`
 * diagnostics channel: the gateway's WebSocket and REST's undici both open
 * sockets through `net`) and every IDENTIFY the fake receives afterwards.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/core/ports.js';
import { startDiscordRig } from '../../fakes/discord-rig.js';
import { ScriptedHandler } from '../../fakes/discord-scripted-handler.js';

interface LogEntry {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

function memoryLogger(entries: LogEntry[] = [], bindings: Record<string, unknown> = {}): Logger {
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => entries.push({ level, message, fields: { ...bindings, ...fields } });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (more) => memoryLogger(entries, { ...bindings, ...more }) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts the TCP connections this process opens to `port` while it runs. */
function connectionCounter(port: () => number): { readonly count: number; stop(): void } {
  let count = 0;
  const onSocket = (message: unknown) => {
    const socket = (message as { socket: Socket }).socket;
    socket.once('connectionAttempt', (_ip: string, remote: number) => void (remote === port() && count++));
  };
  subscribe('net.client.socket', onSocket);
  return {
    get count() {
      return count;
    },
    stop: () => unsubscribe('net.client.socket', onSocket),
  };
}

const OUTAGE_MS = 8_000;
const BACKOFF = { baseMs: 1_000, factor: 1.2, maxMs: 4_000, jitter: 0.2 } as const;

describe('Discord adapter when Discord is unreachable, counted', () => {
  it('given the gateway and REST down for 8 s, waits with back-off (no 500 ms reconnect loop) and logs in exactly once when Discord returns', async () => {
    const logs: LogEntry[] = [];
    const rig = await startDiscordRig({ handler: new ScriptedHandler(), logger: memoryLogger(logs), backoff: BACKOFF });
    const port = Number(new URL(rig.fake.apiUrl).port);
    const counter = connectionCounter(() => port);
    try {
      const identifiesBefore = rig.fake.identifies.length;
      const logsBefore = logs.length;
      await rig.fake.goDown();
      await sleep(OUTAGE_MS);
      const attempts = counter.count;
      await rig.fake.comeBack();
      const back = Date.now();
      while (rig.fake.identifiedSessions().length === 0 && Date.now() - back < 15_000) await sleep(25);
      // A client left over would identify within discord.js's 500 ms retry, the adapter's own within one back-off wait: let both have their turn.
      await sleep(BACKOFF.maxMs + 1_000);
      const seen = `${attempts} connection attempts, ${rig.fake.identifies.length - identifiesBefore} IDENTIFY, ${rig.fake.identifiedSessions().length} sessions`;
      expect(rig.fake.identifies.length - identifiesBefore, seen).toBe(1);
      expect(rig.fake.identifiedSessions(), seen).toHaveLength(1);
      // Back-off from 1 s: at most 8 login attempts in 8 s, one refused REST call each; the leftover client's 500 ms loop alone made 16.
      expect(attempts, seen).toBeLessThanOrEqual(10);
      expect(logs.slice(logsBefore).map((l) => l.fields.event).filter(Boolean)).toEqual(['api_unreachable', 'api_reachable']);
      const answer = await rig.driver.repliesTo(await rig.driver.userRuns(rig.driver.channel(), rig.driver.user('Back'), 'help'), { timeoutMs: 10_000 });
      expect(answer.text).toBe('ok');
      expect(answer.messages).toHaveLength(1);
    } finally {
      counter.stop();
      await rig.stop();
    }
  }, 60_000);
});
