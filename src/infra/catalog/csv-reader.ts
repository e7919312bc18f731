/**
 * Reads a CSV data file (plain or .gz) into records, counting malformed rows
 * instead of failing: a real download may carry a few bad lines, and the
 * importer reports them.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';

export interface CsvResult<T> {
  readonly rows: T[];
  readonly malformed: number;
  /** First few malformed line numbers, for the report. */
  readonly examples: number[];
}

export function readText(file: string): string {
  const bytes = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

/**
 * Parses a headed CSV. `map` turns a record into a row or returns null when the
 * record is malformed (wrong field count is counted before `map` is called).
 */
export function readCsv<T>(file: string, required: readonly string[], map: (record: Record<string, string>) => T | null): CsvResult<T> {
  const records = parse(readText(file), {
    columns: true,
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    relax_quotes: true,
    info: true,
  }) as { record: Record<string, string>; info: { lines: number; invalid_field_length: number } }[];
  const rows: T[] = [];
  let malformed = 0;
  const examples: number[] = [];
  const bad = (line: number) => {
    malformed++;
    if (examples.length < 5) examples.push(line);
  };
  let invalidSoFar = 0; // csv-parse counts rows of the wrong length cumulatively
  for (const { record, info } of records) {
    const wrongLength = info.invalid_field_length > invalidSoFar;
    invalidSoFar = info.invalid_field_length;
    if (wrongLength || required.some((c) => record[c] === undefined || record[c] === '')) {
      bad(info.lines);
      continue;
    }
    const row = map(record);
    if (row === null) bad(info.lines);
    else rows.push(row);
  }
  if (records.length > 0) {
    const header = Object.keys(records[0]!.record);
    const missing = required.filter((c) => !header.includes(c));
    if (missing.length) throw new Error(`${file}: missing column(s) ${missing.join(', ')}; is this the official format?`);
  }
  return { rows, malformed, examples };
}

export const toInt = (s: string | undefined): number | null => {
  if (s === undefined || s.trim() === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? Math.trunc(n) : null;
};

export const toFloat = (s: string | undefined): number | null => {
  if (s === undefined || s.trim() === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
};

export const splitList = (s: string | undefined, sep = '|'): string[] =>
  (s ?? '')
    .split(sep)
    .map((x) => x.trim())
    .filter(Boolean);
