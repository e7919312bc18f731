/**
 * What was tried and what held: every section adds checks here, and counters
 * for the final JSON line. The table and the line are the run's output.
 */

export interface Check {
  readonly section: string;
  readonly name: string;
  /** What was tried, in a few words ("120 inputs", "SIGKILL after 2.1 s"). */
  readonly tried: string;
  /** null = skipped (not run on this machine or by flag). */
  readonly held: boolean | null;
  /** The evidence: counts, latencies, or what went wrong. */
  readonly detail: string;
}

export interface Summary {
  /** Fuzz inputs (core turns and Telegram updates). */
  inputsTried: number;
  /** Unhandled rejections and uncaught exceptions in this process. */
  crashes: number;
  /** Simulated users, all sections together (the soak's are at once). */
  users: number;
  seconds: number;
  ratingsLost: number;
  faultsInjected: number;
  faultsSurvived: number;
}

/** A finding worth the lead's attention: a src/ bug or a missing piece, with the input that shows it. */
export interface Finding {
  readonly section: string;
  readonly text: string;
}

export class Report {
  readonly checks: Check[] = [];
  readonly findings: Finding[] = [];
  readonly counters: Summary = { inputsTried: 0, crashes: 0, users: 0, seconds: 0, ratingsLost: 0, faultsInjected: 0, faultsSurvived: 0 };
  private readonly started = performance.now();

  check(section: string, name: string, tried: string, held: boolean | null, detail: string): boolean | null {
    this.checks.push({ section, name, tried, held, detail });
    return held;
  }

  skip(section: string, name: string, why: string): void {
    this.check(section, name, '-', null, `skipped: ${why}`);
  }

  finding(section: string, text: string): void {
    if (!this.findings.some((f) => f.section === section && f.text === text)) this.findings.push({ section, text });
  }

  /** A fault was injected; `survived` when the system behaved as it should. */
  fault(survived: boolean, count = 1): void {
    this.counters.faultsInjected += count;
    if (survived) this.counters.faultsSurvived += count;
  }

  get allHeld(): boolean {
    return this.checks.every((c) => c.held !== false) && this.counters.crashes === 0 && this.counters.ratingsLost === 0;
  }

  summary(): Summary {
    return { ...this.counters, seconds: Math.round((performance.now() - this.started) / 100) / 10 };
  }

  /** The table, the findings, then the one JSON line (last line of output). */
  render(): string {
    const rows = this.checks.map((c) => [c.section, c.name, c.tried, c.held === null ? 'skip' : c.held ? 'held' : 'FAILED', c.detail]);
    const header = ['section', 'check', 'tried', 'result', 'detail'];
    const widths = header.map((h, i) => Math.min(i === 4 ? 200 : 52, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
    const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.slice(0, widths[i]).padEnd(widths[i]!))).join('  ');
    const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
    if (this.findings.length > 0) {
      out.push('', 'Findings (for src/):');
      for (const f of this.findings) out.push(`- [${f.section}] ${f.text}`);
    }
    out.push('', JSON.stringify(this.summary()));
    return out.join('\n');
  }
}
