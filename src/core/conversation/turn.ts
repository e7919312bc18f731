/**
 * The one shape every platform speaks to the core in, and the one shape the core
 * answers in. Adapters only translate platform updates into a Turn and Replies
 * into platform calls (grammY's frameworks.ts is the model: a dozen lines each).
 */
export type Platform = 'telegram' | 'discord' | 'terminal';

export interface ImageInput {
  /** Size as announced by the platform, when known (checked before download). */
  readonly sizeBytes: number | null;
  readonly mimeType: string | null;
  readonly fileName?: string;
  /** Downloads the bytes into memory. Must reject (UserError 'image_too_large') past maxBytes. */
  load(maxBytes: number): Promise<Uint8Array>;
}

export interface Turn {
  readonly platform: Platform;
  /** Platform user id as a string (Telegram from.id, Discord user.id, terminal 'local'). */
  readonly user: { readonly id: string; readonly name?: string };
  readonly chat: { readonly id: string; readonly kind: 'private' | 'group' };
  /**
   * Message text, commands included ('/mood I feel rough'). Absent for button presses and bare media.
   * Platforms with typed command options join them in declared order with ' | '
   * ('/review Heat | tense and brilliant').
   */
  readonly text?: string;
  /** The payload of a pressed button (what the core put in Button.action). */
  readonly action?: string;
  /** An image sent as a photo, an image document, or a slash-command attachment. */
  readonly image?: ImageInput;
  /** Media the core does not handle, named for the reply: 'sticker', 'animation', 'video', 'voice', 'audio', 'document', ... */
  readonly unsupportedMedia?: string;
  /** True when the message was a reply to one of the bot's own messages (groups: privacy mode). */
  readonly isReplyToBot?: boolean;
  readonly receivedAt: Date;
}

/**
 * A button. `key` is a short name for text-only platforms (the terminal types
 * `/press <key>` or `/rate <card> <key>`); chat platforms show `label`.
 */
export type Button =
  | { readonly label: string; readonly action: string; readonly key?: string }
  | { readonly label: string; readonly url: string };

export interface PickCard {
  readonly movieId: number;
  readonly rank: number;
  readonly title: string;
  readonly year: number | null;
  readonly genres: readonly string[];
  readonly runtime: number | null;
  /** Absolute URL; the platform fetches it itself. */
  readonly posterUrl: string | null;
  readonly links: readonly { readonly label: string; readonly url: string }[];
  readonly reason: string;
  /** Rows of buttons (ratings: 1-5 stars, seen it, not for me). */
  readonly buttons: readonly (readonly Button[])[];
  /** What the user already said about this pick in this answer ('★4 saved'); shown on the card. */
  readonly mark?: string;
}

export type Reply =
  | {
      readonly kind: 'text';
      readonly text: string;
      readonly buttons?: readonly (readonly Button[])[];
      /**
       * Names this message so a later 'update' reply can edit it in place
       * ('party:<id>'). Platforms that cannot edit ignore it.
       */
      readonly ref?: string;
      /** Only the user sees it (Discord ephemeral); platforms without it send normally. */
      readonly ephemeral?: boolean;
    }
  | {
      /**
       * One answer with several picks. Adapters render it as one message in the
       * platform's own way (a paged card on Telegram, embeds on Discord, a list in
       * the terminal), never as a message per pick.
       */
      readonly kind: 'picks';
      /** The mood line: it sits on the same message as the cards. */
      readonly header: string;
      readonly cards: readonly PickCard[];
      readonly footer?: string;
      readonly footerButtons?: readonly (readonly Button[])[];
      /**
       * The answer to a press on a picks message (a mood correction): platforms
       * that can edit that message show these picks in its place; others send a
       * new answer.
       */
      readonly replacesPressed?: boolean;
      /** Only the presser sees it (Discord ephemeral, in servers); platforms without it send normally. */
      readonly ephemeral?: boolean;
    }
  | {
      /** A file; an image/* one is shown as a picture where the platform can (Telegram photo, terminal: a file path). */
      readonly kind: 'file';
      readonly fileName: string;
      readonly mimeType: string;
      readonly data: Uint8Array;
      readonly caption: string;
      readonly ephemeral?: boolean;
    }
  | {
      /**
       * The answer to a button press: a short toast (callback answer), and, when
       * `buttons` is given, the pressed message's keyboard is replaced in place
       * (null removes it). `text` replaces the message text when given.
       */
      readonly kind: 'ack';
      readonly toast: string;
      readonly alert?: boolean;
      readonly buttons?: readonly (readonly Button[])[] | null;
      readonly text?: string;
      /**
       * A rating press: the note to show on the rated pick card ('★4 saved').
       * `buttons` then are that card's rating rows with the choice marked, and
       * adapters that show several picks on one message replace only those rows.
       */
      readonly mark?: string;
    }
  | {
      /**
       * Edits the message an earlier reply named with `ref` (a watch party's
       * proposal when the party closes). Where the platform cannot (restart,
       * message gone), nothing is shown: the core sends what must be seen as a
       * separate reply.
       */
      readonly kind: 'update';
      readonly ref: string;
      readonly text: string;
      /** New keyboard; null removes it. */
      readonly buttons: readonly (readonly Button[])[] | null;
    }
  | { readonly kind: 'error'; readonly code: string; readonly text: string; readonly ephemeral?: boolean };

export interface ConversationHandler {
  /** Never throws: every failure is turned into an 'error' Reply. */
  handle(turn: Turn): Promise<Reply[]>;
}

/** Lets the core speak first (watch-party deadlines). Each adapter registers one. */
export interface Notifier {
  readonly platform: Platform;
  send(chatId: string, replies: readonly Reply[]): Promise<void>;
}

/** Commands as data: adapters register them (setMyCommands, Discord slash commands). */
export interface CommandSpec {
  readonly name: string;
  readonly description: string;
  /** Slash-command options, in order; `rest` takes the remainder of the text. */
  readonly options: readonly {
    readonly name: string;
    readonly description: string;
    readonly type: 'string' | 'integer' | 'attachment';
    readonly required: boolean;
  }[];
  /** Works in group chats too (otherwise private only). */
  readonly group: boolean;
}
