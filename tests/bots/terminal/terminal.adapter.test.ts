import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TerminalChat } from '../../../src/bots/terminal/terminal.adapter.js';
import type { ConversationHandler, Reply, Turn } from '../../../src/core/conversation/turn.js';

/** A core whose answer to each line waits until the test lets it go. */
class GatedHandler implements ConversationHandler {
  readonly seen: string[] = [];
  private release: (() => void) | null = null;
  async handle(turn: Turn): Promise<Reply[]> {
    this.seen.push(turn.text ?? '');
    await new Promise<void>((resolve) => (this.release = resolve));
    return [{ kind: 'text', text: `answer to ${turn.text}` }];
  }
  letGo(): void {
    this.release?.();
  }
}

const tick = (ms = 10) => new Promise((resolve) => setTimeout(resolve, ms));

describe('terminal chat stop()', () => {
  it('given a line being answered, finishes it, reads no further line, and resolves after it', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let written = '';
    output.setEncoding('utf8').on('data', (chunk: string) => (written += chunk));
    const handler = new GatedHandler();
    const chat = new TerminalChat({ handler, input, output });
    const running = chat.run();
    input.write('first line\nsecond line\n');
    await tick();
    expect(handler.seen).toEqual(['first line']);

    let stopped = false;
    const stopping = chat.stop().then(() => (stopped = true));
    await tick();
    expect(stopped).toBe(false);
    handler.letGo();
    await stopping;
    await running;
    expect(written).toContain('answer to first line');
    expect(handler.seen).toEqual(['first line']);
  });

  it('given stop() before any input, run() ends at once', async () => {
    const chat = new TerminalChat({ handler: new GatedHandler(), input: new PassThrough(), output: new PassThrough() });
    const running = chat.run();
    await chat.stop();
    await running;
  });
});
