/**
 * A ConversationHandler that answers from a script, so the Discord adapter is
 * tested against the Turn/Reply contract alone (the real core plugs in later).
 * It records every Turn it receives for assertions.
 */
import type { ConversationHandler, Reply, Turn } from '../../src/core/conversation/turn.js';

export type Script = (turn: Turn) => readonly Reply[] | Promise<readonly Reply[]>;

/**
 * What a rule matches: '/mood' = a command (first word of the text); 'rate:'
 * (ending in ':') = any action with that prefix; any other string = that exact
 * action; a RegExp tests the text or action; a function decides itself.
 */
export type Match = string | RegExp | ((turn: Turn) => boolean);

export class ScriptedHandler implements ConversationHandler {
  readonly turns: Turn[] = [];
  private readonly rules: { match: (turn: Turn) => boolean; script: Script }[] = [];
  private readonly waiters: ((turn: Turn) => void)[] = [];

  constructor(private readonly fallback: Script = () => [{ kind: 'text', text: 'ok' }]) {}

  /** Adds a rule; later rules win over earlier ones, so a test can override a default. */
  on(match: Match, script: Script | readonly Reply[]): this {
    this.rules.unshift({ match: toPredicate(match), script: typeof script === 'function' ? script : () => script });
    return this;
  }

  /** Removes every rule and forgets recorded turns. */
  reset(): void {
    this.rules.length = 0;
    this.turns.length = 0;
  }

  async handle(turn: Turn): Promise<Reply[]> {
    this.turns.push(turn);
    for (const waiter of this.waiters.splice(0)) waiter(turn);
    const rule = this.rules.find((r) => r.match(turn));
    return [...(await (rule?.script ?? this.fallback)(turn))];
  }

  /** The most recent Turn (throws when none arrived). */
  lastTurn(): Turn {
    const turn = this.turns.at(-1);
    if (!turn) throw new Error('The handler received no turn');
    return turn;
  }

  /** Resolves with the next Turn the handler receives. */
  nextTurn(): Promise<Turn> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

function toPredicate(match: Match): (turn: Turn) => boolean {
  if (typeof match === 'function') return match;
  if (match instanceof RegExp) return (turn) => match.test(turn.text ?? turn.action ?? '');
  if (match.startsWith('/')) return (turn) => turn.text?.split(/\s+/)[0] === match;
  if (match.endsWith(':')) return (turn) => turn.action?.startsWith(match) ?? false;
  return (turn) => turn.action === match;
}
