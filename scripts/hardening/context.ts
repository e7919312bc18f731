/**
 * What every section shares: options, the report, the process guard, the
 * app's captured logs, the SQLite app (tests/helpers/app.ts startTestApp), a
 * pristine copy of its database (catalogue and profiles, no users) for child
 * processes and PostgreSQL seeding, the face samples and the privacy markers.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Rng } from './lib/rng.js';
import type { Report } from './lib/report.js';
import type { ProcessGuard } from './lib/guard.js';
import type { MemoryLog } from './lib/logs.js';
import type { Face, ImageCase } from './fixtures/images.js';
import type { TestApp } from '../../tests/helpers/app.js';

export const SECTIONS = ['fuzz-core', 'fuzz-telegram', 'soak', 'kill', 'lifecycle', 'db-down', 'api-faults', 'retrain', 'privacy', 'multi'] as const;
export type SectionName = (typeof SECTIONS)[number];

export interface HardeningOptions {
  readonly seed: number;
  /** Fuzz inputs in total: 60 % through the core, 40 % through the Telegram adapter. */
  readonly fuzz: number;
  readonly soakSeconds: number;
  readonly users: number;
  readonly sections: ReadonlySet<SectionName>;
  /** Run the PostgreSQL parts (db-down, multi). */
  readonly pg: boolean;
  /** Progress lines (stderr); the table goes to stdout at the end. */
  readonly progress: (line: string) => void;
}

/** Distinctive strings planted in messages, reviews and photos; the audit searches disks and logs for them. */
export class Markers {
  /** Random per run, so leftovers of earlier runs never match. */
  readonly nonce = randomBytes(5).toString('hex');
  /** Texts that must never be stored anywhere. */
  readonly never: string[] = [];
  /** Reviews the user asked to store: allowed in the Review table only. */
  readonly reviews: string[] = [];
  /** Reviews erased with /forget: must be gone. */
  readonly forgotten: string[] = [];
  /** Sentences an opted-in user corrected: allowed in the DonatedSentence table only. */
  readonly donated: string[] = [];
  /** Donated sentences erased by turning the setting off or by /forget: must be gone. */
  readonly erasedDonations: string[] = [];

  private make(kind: string, list: string[]): string {
    const marker = `hz${kind}${this.nonce}n${list.length}q`;
    list.push(marker);
    return marker;
  }
  text(): string {
    return this.make('t', this.never);
  }
  review(): string {
    return this.make('r', this.reviews);
  }
  forgottenReview(): string {
    return this.make('f', this.forgotten);
  }
  donation(): string {
    return this.make('d', this.donated);
  }
  erasedDonation(): string {
    return this.make('e', this.erasedDonations);
  }
}

export interface Context {
  readonly options: HardeningOptions;
  readonly report: Report;
  readonly guard: ProcessGuard;
  /** The SQLite app's own pino lines (diverted from stderr). */
  readonly appLog: MemoryLog;
  readonly rng: Rng;
  readonly sqlite: TestApp;
  /** A copy of the app database before any user arrived (VACUUM INTO). */
  readonly pristineDb: string;
  readonly faces: readonly Face[];
  /** The image corpus, built once per run on first use. */
  readonly images: () => Promise<ImageCase[]>;
  readonly markers: Markers;
  /** Folders this run created (scanned by the audit, removed at the end). */
  readonly scratchDirs: string[];
  /** Every adapter/child log text of the run, for the token search. */
  readonly logTexts: (() => string)[];
  /** Image bytes this run sent that are unique to it (searched for on disk). */
  readonly sentImages: Uint8Array[];
  /** Telegram tokens used this run (must never appear in logs). */
  readonly tokens: string[];
}

export const scratchDir = (ctx: Pick<Context, 'scratchDirs'>, prefix: string): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), `moodreel-hardening-${prefix}-`));
  ctx.scratchDirs.push(dir);
  return dir;
};

/** A Telegram-shaped token nobody else uses, for the "never in logs" search. */
export const distinctiveToken = (): string => `${6_100_000_000 + Math.floor(Math.random() * 99_999_999)}:AAHz${randomBytes(24).toString('base64url').slice(0, 31)}`;
