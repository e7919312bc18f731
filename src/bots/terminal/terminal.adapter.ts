/**
 * The terminal chat: plain lines on standard input, replies on standard output,
 * through the same conversation core as the bots. A script or a test can pipe
 * a whole conversation in. Buttons are shown with a key and pressed with
 * `/press <key>`; `/rate <pick> <1-5|seen|no>` rates a pick of the last answer.
 * Pictures (the /moodlog chart) are written to a file whose path is printed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { UserError } from '../../core/errors.js';
import type { Button, ConversationHandler, ImageInput, Notifier, PickCard, Reply, Turn } from '../../core/conversation/turn.js';

export interface TerminalOptions {
  readonly handler: ConversationHandler;
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  readonly userId?: string;
  /** Shown before each line when the input is a TTY. */
  readonly prompt?: string;
  /** Where pictures are written (default: <OS temp dir>/moodreel). */
  readonly fileDir?: string;
}

const CHAT_ID = 'terminal';

/** Loads a photo from disk for `/selfie <path>`, refusing past the size limit before reading. */
export function fileImage(path: string): ImageInput {
  return {
    sizeBytes: null,
    mimeType: null,
    fileName: path,
    async load(maxBytes: number) {
      let size: number;
      try {
        size = (await stat(path)).size;
      } catch {
        throw new UserError('image_unreadable', `I can't open ${path}: no such file.`);
      }
      if (size > maxBytes) throw new UserError('image_too_large', `That photo is too large (the limit is ${Math.round(maxBytes / 1e6)} MB).`);
      return new Uint8Array(await readFile(path));
    },
  };
}

export class TerminalChat {
  private buttons = new Map<string, string>();
  private rl: readline.Interface | null = null;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();
  private cards: PickCard[] = [];
  private readonly write: (s: string) => void;

  constructor(private readonly o: TerminalOptions) {
    this.write = (s) => void o.output.write(`${s}\n`);
  }

  /** A notifier so watch-party results reach the terminal too. */
  readonly notifier: Notifier = {
    platform: 'terminal',
    send: async (_chatId, replies) => this.render(replies),
  };

  /** Reads lines until the input ends or stop(); resolves when every line read has been answered. */
  run(): Promise<void> {
    this.running = this.readLines();
    return this.running;
  }

  private async readLines(): Promise<void> {
    const rl = readline.createInterface({ input: this.o.input, terminal: false });
    this.rl = rl;
    if (this.stopped) rl.close();
    const interactive = (this.o.input as { isTTY?: boolean }).isTTY === true;
    const prompt = () => interactive && this.o.output.write(this.o.prompt ?? 'you> ');
    this.write('MoodReel terminal chat. Tell me how you feel, or /help. Ctrl+D to leave.');
    prompt();
    for await (const line of rl) {
      if (this.stopped) break;
      await this.line(line);
      prompt();
    }
  }

  /** Stops reading (a signal, or the output is gone); resolves once the line being answered is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.rl?.close();
    await this.running.catch(() => undefined);
  }

  async line(raw: string): Promise<void> {
    const line = raw.replace(/\r$/, '');
    if (!line.trim()) return;
    const turn = this.toTurn(line.trim());
    if (!turn) return;
    this.render(await this.o.handler.handle(turn));
  }

  private base(): Pick<Turn, 'platform' | 'user' | 'chat' | 'receivedAt'> {
    return { platform: 'terminal', user: { id: this.o.userId ?? 'local' }, chat: { id: CHAT_ID, kind: 'private' }, receivedAt: new Date() };
  }

  private toTurn(line: string): Turn | null {
    const press = /^\/press\s+(\S+)$/i.exec(line);
    if (press) {
      const action = this.buttons.get(press[1]!.toLowerCase());
      if (!action) {
        this.write(`No button "${press[1]}" on the last answer.`);
        return null;
      }
      return { ...this.base(), action };
    }
    const rate = /^\/rate\s+(\d+)\s+(\S+)$/i.exec(line);
    if (rate) {
      const card = this.cards.find((c) => c.rank === Number(rate[1]));
      const key = rate[2]!.toLowerCase();
      const button = card?.buttons.flat().find((b): b is Extract<Button, { action: string }> => 'action' in b && b.key === key);
      if (!button) {
        this.write(card ? 'Rate with 1-5, seen or no: /rate 2 4' : `There is no pick #${rate[1]} in the last answer.`);
        return null;
      }
      return { ...this.base(), action: button.action };
    }
    const selfie = /^\/selfie(?:\s+(.+))?$/i.exec(line);
    if (selfie?.[1]) return { ...this.base(), image: fileImage(selfie[1].trim()) };
    return { ...this.base(), text: line };
  }

  private listButtons(rows: readonly (readonly Button[])[] | null | undefined): string {
    if (!rows?.length) return '';
    return rows
      .map((row) =>
        row
          .map((b) => {
            if ('url' in b) return `${b.label}: ${b.url}`;
            const key = (b.key ?? String(this.buttons.size + 1)).toLowerCase();
            this.buttons.set(key, b.action);
            return `[${key}] ${b.label}`;
          })
          .join('  '),
      )
      .join('\n');
  }

  /** Writes a picture under fileDir with a unique name; returns its absolute path. */
  private saveFile(fileName: string, data: Uint8Array): string {
    const dir = path.resolve(this.o.fileDir ?? path.join(os.tmpdir(), 'moodreel'));
    mkdirSync(dir, { recursive: true });
    const safe = path.basename(fileName).replace(/[^\w.-]+/g, '_');
    const ext = path.extname(safe);
    const file = path.join(dir, `${path.basename(safe, ext)}-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}${ext}`);
    writeFileSync(file, data);
    return file;
  }

  render(replies: readonly Reply[]): void {
    for (const reply of replies) {
      switch (reply.kind) {
        case 'text': {
          this.buttons = new Map();
          this.write(reply.text);
          const b = this.listButtons(reply.buttons);
          if (b) this.write(`${b}\n(press with /press <key>)`);
          break;
        }
        case 'picks': {
          this.buttons = new Map();
          this.cards = [...reply.cards];
          this.write(reply.header);
          for (const c of reply.cards) {
            const facts = [c.genres.join(', '), c.runtime ? `${c.runtime} min` : ''].filter(Boolean).join(' · ');
            this.write(`  ${c.rank}. ${c.title}${c.year ? ` (${c.year})` : ''}${facts ? ` · ${facts}` : ''}`);
            this.write(`     ${c.reason}`);
            if (c.links.length) this.write(`     ${c.links.map((l) => l.url).join('  ')}`);
          }
          this.write('  Rate a pick: /rate <number> <1-5|seen|no>');
          if (reply.footer) this.write(reply.footer);
          const b = this.listButtons(reply.footerButtons);
          if (b) this.write(`${b}\n(press with /press <key>)`);
          break;
        }
        case 'file':
          if (reply.mimeType.startsWith('image/')) {
            this.write(`${reply.caption}\nSaved the picture to ${this.saveFile(reply.fileName, reply.data)}`);
            break;
          }
          this.write(`${reply.caption}\n--- ${reply.fileName} ---\n${new TextDecoder().decode(reply.data)}\n--- end ---`);
          break;
        case 'ack': {
          this.write(reply.alert ? `⚠ ${reply.toast}` : `✔ ${reply.toast}`);
          if (reply.text) this.write(reply.text);
          // A rating press marks a card: the answer's other keys (mood corrections) stay pressable.
          if (reply.buttons && reply.mark === undefined) {
            this.buttons = new Map();
            const b = this.listButtons(reply.buttons);
            if (b && !reply.buttons.flat().some((x) => 'action' in x && /^[1-5]$|^seen$|^no$/.test(x.key ?? ''))) this.write(b);
          }
          break;
        }
        case 'error':
          this.write(`⚠ ${reply.text}`);
          break;
        case 'update':
          // Edits an earlier message (a watch party's proposal); the terminal's lines are already printed.
          break;
      }
    }
  }
}
