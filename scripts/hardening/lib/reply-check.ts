/**
 * What "a clear user-facing message" means, checked on the core's Replies and
 * on what the Telegram fake received: something is said (never nothing in a
 * private chat), it is not empty, and it carries no internals (stack traces,
 * "undefined", driver error names). The generic apology is allowed to reach
 * the user but is counted as an internal error: it means a bug was hit.
 */
import { decodeAction } from '../../../src/core/conversation/actions.js';
import { APOLOGY } from '../../../src/core/conversation/texts.js';
import type { Button, Reply } from '../../../src/core/conversation/turn.js';
import type { BotOutput } from '../../../tests/fakes/telegram-api.fake.js';

export const TIMEOUT_APOLOGY_PREFIX = 'Sorry, that took me too long';

const INTERNALS: readonly RegExp[] = [
  /\bundefined\b/,
  /\bNaN\b/,
  /\[object \w+\]/,
  /\n\s*at\s+\S.*:\d+:\d+/, // stack frame
  /\b(TypeError|RangeError|ReferenceError|SyntaxError)\b/,
  /prisma|PrismaClient|SQLITE_|\bP20\d\d\b|ECONNREFUSED|ECONNRESET|ETIMEDOUT/i,
  /node_modules|\/src\/.*\.ts/,
];

/** Problems found in one user-visible string (empty when fine). */
export function textProblems(text: string | undefined, what: string): string[] {
  if (text === undefined || text.trim().length === 0) return [`${what} is empty`];
  const found = INTERNALS.find((re) => re.test(text));
  return found ? [`${what} shows internals (${found.source}): ${JSON.stringify(text.slice(0, 120))}`] : [];
}

export const isApology = (text: string | undefined) => text === APOLOGY || (text?.startsWith(TIMEOUT_APOLOGY_PREFIX) ?? false);

export interface Verdict {
  readonly problems: string[];
  /** The reply was the generic apology (an unexpected error inside). */
  readonly internal: boolean;
  /** Error codes (error replies), 'ack' toasts are summarised as 'ack'. */
  readonly codes: string[];
}

/** Checks the core's answer to one turn. `allowEmpty`: group chatter may get no answer. */
export function checkReplies(replies: readonly Reply[], allowEmpty: boolean): Verdict {
  const problems: string[] = [];
  const codes: string[] = [];
  let internal = false;
  if (!Array.isArray(replies)) return { problems: ['replies is not a list'], internal, codes };
  if (replies.length === 0 && !allowEmpty) problems.push('no reply at all');
  for (const reply of replies) {
    switch (reply.kind) {
      case 'text':
        problems.push(...textProblems(reply.text, 'text'));
        problems.push(...buttonProblems(reply.buttons ?? []));
        codes.push('text');
        break;
      case 'picks':
        problems.push(...textProblems(reply.header, 'picks header'));
        if (reply.cards.length === 0) problems.push('picks without cards');
        for (const card of reply.cards) {
          problems.push(...textProblems(card.title, 'card title'), ...textProblems(card.reason, 'card reason'));
          problems.push(...buttonProblems(card.buttons));
        }
        problems.push(...buttonProblems(reply.footerButtons ?? []));
        codes.push('picks');
        break;
      case 'file':
        if (reply.data.byteLength === 0) problems.push('empty file');
        problems.push(...textProblems(reply.caption, 'file caption'));
        codes.push('file');
        break;
      case 'ack':
        problems.push(...textProblems(reply.toast, 'toast'));
        if (reply.text !== undefined) problems.push(...textProblems(reply.text, 'ack text'));
        problems.push(...buttonProblems(reply.buttons ?? []));
        if (isApology(reply.toast)) internal = true;
        codes.push(reply.alert ? 'ack-alert' : 'ack');
        break;
      case 'error':
        problems.push(...textProblems(reply.text, `error ${reply.code}`));
        if (!reply.code) problems.push('error without code');
        if (reply.code === 'internal' || isApology(reply.text)) internal = true;
        codes.push(reply.code);
        break;
      default:
        problems.push(`unknown reply kind ${JSON.stringify((reply as { kind?: unknown }).kind)}`);
    }
  }
  return { problems, internal, codes };
}

/** Buttons the core makes must decode again (else a press would be refused as stale). */
function buttonProblems(rows: readonly (readonly Button[])[]): string[] {
  const problems: string[] = [];
  for (const row of rows) {
    for (const button of row) {
      if (!button.label.trim()) problems.push('button without label');
      if ('action' in button && decodeAction(button.action) === null && !button.action.startsWith('t:')) {
        // Music buttons use their own payloads ('t:...'); everything else must decode.
        problems.push(`button payload does not decode: ${button.action}`);
      }
    }
  }
  return problems;
}

/**
 * Checks what the Telegram fake received for one update. `expectOutput`: a
 * private message or a press must produce something the user sees.
 */
export function checkTelegramOutputs(outputs: readonly BotOutput[], options: { expectOutput: boolean; queryId?: string }): Verdict {
  const problems: string[] = [];
  const codes: string[] = [];
  let internal = false;
  if (options.expectOutput && outputs.length === 0) problems.push('the user saw nothing');
  for (const output of outputs) {
    if (output.kind === 'message') {
      const text = output.text ?? output.caption;
      if (output.document === undefined && output.photo === undefined) problems.push(...textProblems(text, `${output.method} text`));
      else if (text !== undefined) problems.push(...textProblems(text, `${output.method} caption`));
      if (isApology(text)) internal = true;
      codes.push(output.method);
    } else if (output.kind === 'edit') {
      const text = output.text ?? output.caption;
      if (text !== undefined) problems.push(...textProblems(text, `${output.method} text`));
      codes.push('edit');
    } else {
      if (output.text !== undefined) problems.push(...textProblems(output.text, 'callback answer'));
      if (isApology(output.text)) internal = true;
      codes.push('answer');
    }
  }
  if (options.queryId !== undefined) {
    const answers = outputs.filter((o) => o.kind === 'callback_answer' && o.queryId === options.queryId).length;
    if (answers !== 1) problems.push(`button press answered ${answers} times (expected once)`);
  }
  return { problems, internal, codes };
}
