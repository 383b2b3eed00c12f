/**
 * Reading CSV files for imports: decoding (UTF-8, optional BOM), RFC 4180 parsing with the line
 * each record starts on, the header, and strict cell parsers that record every problem as
 * `{line, column, message}` instead of stopping at the first one.
 */
import { jsonStorageProblem } from '../../infra/json.js';
import { CsvError } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import { AppError } from '../../infra/errors.js';
import { type Decimal, parseMoney } from '../../infra/money.js';
import type { ImportRowError } from './imports.tables.js';

/** More problems than this in one file are not listed one by one (the file is rejected anyway). */
export const MAX_LISTED_ERRORS = 10_000;

/** Collects the problems of one file, at most `MAX_LISTED_ERRORS` of them. */
export class Problems {
  readonly list: ImportRowError[] = [];
  private dropped = 0;

  add(line: number, column: string | null, message: string): void {
    if (this.list.length < MAX_LISTED_ERRORS) this.list.push({ line, column, message });
    else this.dropped++;
  }

  get count(): number {
    return this.list.length + this.dropped;
  }

  /** The problems by line (stable within a line), with a last entry saying how many were left out. */
  sorted(): ImportRowError[] {
    const out = [...this.list].sort((a, b) => a.line - b.line);
    if (this.dropped > 0) out.push({ line: out[out.length - 1].line, column: null, message: `${this.dropped} more problems not listed` });
    return out;
  }
}

const QUOTING = 'quote a cell holding commas, quotes or line breaks ("…") and double each quote inside it ("")';
const CSV_ERRORS: Partial<Record<string, string>> = {
  CSV_INVALID_CLOSING_QUOTE: `a quoted cell goes on after its closing quote; ${QUOTING}`,
  CSV_QUOTE_NOT_CLOSED: `a quoted cell is never closed; ${QUOTING}`,
  CSV_INVALID_OPENING_QUOTE: `a quote appears inside a cell that is not quoted; ${QUOTING}`,
  CSV_MAX_RECORD_SIZE: 'a record is too large',
};

/** One CSV record: the file line it starts on (1 = the header) and its cells, trimmed. */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/** The line (1-based) holding the first byte that is not valid UTF-8, or 0 when the bytes are valid. */
function firstInvalidUtf8Line(content: Buffer): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  let line = 1;
  while (start <= content.length) {
    let end = content.indexOf(0x0a, start);
    if (end === -1) end = content.length;
    try {
      decoder.decode(content.subarray(start, end));
    } catch {
      return line;
    }
    start = end + 1;
    line++;
  }
  return 0;
}

/**
 * Decodes and parses a CSV file: UTF-8 (a BOM is skipped), comma separated, RFC 4180 quoting,
 * any line ending; empty lines are skipped. Cells are trimmed.
 * @returns the header and the data records, or null after recording the problem (not UTF-8,
 *   empty, or malformed quoting, which makes the rest of the file unreadable).
 */
export function readCsv(content: Buffer, problems: Problems): { header: CsvRecord; records: CsvRecord[] } | null {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(content);
  } catch {
    problems.add(firstInvalidUtf8Line(content) || 1, null, 'the file is not valid UTF-8 text; save it as CSV UTF-8');
    return null;
  }
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    parsed = parse(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true }) as never;
  } catch (err) {
    if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines ?? 1;
      problems.add(line, null, `the file is not valid CSV: ${CSV_ERRORS[err.code] ?? err.message}; the rest of the file was not read`);
      return null;
    }
    throw err;
  }
  const records = parsed.map(({ record, info }) => {
    // `info.lines` is the line the record ends on; a quoted cell may hold line breaks.
    let inner = 0;
    for (const cell of record) for (let i = cell.indexOf('\n'); i !== -1; i = cell.indexOf('\n', i + 1)) inner++;
    return { line: info.lines - inner, cells: record.map((c) => c.trim()) };
  });
  if (records.length === 0) {
    problems.add(1, null, 'the file is empty: a header row is required');
    return null;
  }
  const [header, ...rest] = records;
  return { header, records: rest };
}

/** Amounts already parsed in a file, by cell text (an error message for a bad one). */
export type AmountCache = Map<string, Decimal | { error: string }>;

/** Where a location column points: the location's name as written and what it sets. */
export interface LocationColumn {
  column: string;
  /** Index of the location among `Header.locations` (one per distinct name, case-insensitively). */
  location: number;
  kind: 'stock' | 'reorder_point';
  index: number;
}

/** The header of a file: the fixed columns present and, for products, the location columns. */
export interface Header {
  /** Column name (lower case) → cell index. */
  columns: Map<string, number>;
  /** Distinct location names of `stock:`/`reorder_point:` columns, as first written. */
  locations: string[];
  locationColumns: LocationColumn[];
  width: number;
}

/**
 * Reads the header: known columns are matched case-insensitively; `stock:<name>` and
 * `reorder_point:<name>` columns are accepted when `withLocations`. Unknown, duplicate, unnamed
 * and missing required columns are problems (line 1).
 * @returns the header, or null when it has problems (the rows cannot be read then).
 */
export function readHeader(
  header: CsvRecord,
  spec: { columns: readonly string[]; required: readonly string[]; withLocations?: boolean },
  problems: Problems,
): Header | null {
  const before = problems.count;
  const columns = new Map<string, number>();
  const locations: string[] = [];
  const locationColumns: LocationColumn[] = [];
  const seenLocationColumns = new Set<string>();
  header.cells.forEach((raw, index) => {
    const name = raw.toLowerCase();
    if (name === '') {
      problems.add(1, null, `column ${index + 1} has no name`);
      return;
    }
    const loc = /^(stock|reorder_point)\s*:\s*(.*)$/i.exec(raw);
    if (loc && spec.withLocations) {
      const kind = loc[1].toLowerCase() as 'stock' | 'reorder_point';
      const locationName = loc[2].trim();
      if (!locationName) {
        problems.add(1, raw, `name the stock location after "${kind}:"`);
        return;
      }
      if (locationName.length > 100) {
        problems.add(1, raw, 'a location name has at most 100 characters');
        return;
      }
      const key = `${kind}:${locationName.toLowerCase()}`;
      if (seenLocationColumns.has(key)) {
        problems.add(1, raw, 'appears twice in the header (location names are case-insensitive)');
        return;
      }
      seenLocationColumns.add(key);
      let location = locations.findIndex((l) => l.toLowerCase() === locationName.toLowerCase());
      if (location === -1) location = locations.push(locationName) - 1;
      locationColumns.push({ column: `${kind}:${locationName}`, location, kind, index });
      return;
    }
    if (!spec.columns.includes(name)) {
      const extra = spec.withLocations ? ', stock:<location name>, reorder_point:<location name>' : '';
      problems.add(1, raw, `unknown column; the columns are ${spec.columns.join(', ')}${extra}`);
      return;
    }
    if (columns.has(name)) {
      problems.add(1, raw, 'appears twice in the header');
      return;
    }
    columns.set(name, index);
  });
  for (const r of spec.required) if (!columns.has(r)) problems.add(1, r, 'this column is required');
  if (problems.count > before) return null;
  return { columns, locations, locationColumns, width: header.cells.length };
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SLUG_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const CONTROL_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * Reads the cells of one record by column name, recording a problem for each bad cell. A column
 * absent from the header reads as `undefined` (the field is left alone); an empty cell as `null`.
 */
export class RowReader {
  private bad = false;

  /**
   * @param amounts the file's parsed amounts by cell text (parseMoney once per distinct amount:
   *   catalogs repeat their prices, and parsing looks up the currency's digits each time).
   */
  constructor(
    readonly record: CsvRecord,
    private readonly header: Header,
    private readonly problems: Problems,
    private readonly amounts: AmountCache = new Map(),
  ) {}

  get line(): number {
    return this.record.line;
  }

  /** False once any cell of the row was reported. */
  get ok(): boolean {
    return !this.bad;
  }

  has(column: string): boolean {
    return this.header.columns.has(column);
  }

  fail(column: string | null, message: string): void {
    this.bad = true;
    this.problems.add(this.record.line, column, message);
  }

  /** The raw (trimmed) cell, undefined when the column is absent. */
  raw(column: string): string | undefined {
    const i = this.header.columns.get(column);
    return i === undefined ? undefined : (this.record.cells[i] ?? '');
  }

  /** A text cell: null when empty (a problem when `required`), at most `max` characters, no control characters. */
  text(column: string, opts: { required?: boolean; max: number; multiline?: boolean }): string | null | undefined {
    const v = this.raw(column);
    if (v === undefined) return undefined;
    if (v === '') {
      if (opts.required) this.fail(column, 'is required');
      return null;
    }
    if (v.length > opts.max) return (this.fail(column, `has at most ${opts.max} characters`), null);
    if (CONTROL_RE.test(v) || (!opts.multiline && /[\r\n\t]/.test(v))) return (this.fail(column, 'contains a control character'), null);
    return v;
  }

  /** A slug (`[a-z0-9]` words joined by dashes, at most 60 characters). */
  slug(column: string, opts: { required?: boolean } = {}): string | null | undefined {
    const v = this.text(column, { required: opts.required, max: 1000 });
    if (v === null || v === undefined) return v;
    if (v.length > 60 || !SLUG_RE.test(v))
      return (this.fail(column, 'must be a slug: lower-case letters and digits in words joined by dashes, at most 60 characters'), null);
    return v;
  }

  /** An exact amount in `currency` (parseMoney: at most its minor digits, ≥ 0). */
  money(column: string, currency: string, opts: { required?: boolean } = {}): Decimal | null | undefined {
    const v = this.text(column, { required: opts.required, max: 40 });
    if (v === null || v === undefined) return v;
    if (!/^-?[0-9]+(\.[0-9]+)?$/.test(v))
      return (this.fail(column, 'must be a decimal amount like 12.50 (a dot for decimals, no thousands separators or currency sign)'), null);
    let parsed = this.amounts.get(v);
    if (!parsed) {
      try {
        parsed = parseMoney(v, currency, column);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        parsed = { error: err.extra.errors?.[0]?.message ?? 'must be a decimal amount' };
      }
      this.amounts.set(v, parsed);
    }
    if ('error' in parsed) return (this.fail(column, parsed.error), null);
    return parsed;
  }

  /** A whole number between `min` and `max` (digits only). */
  int(column: string, opts: { required?: boolean; min: number; max: number }): number | null | undefined {
    const v = this.text(column, { required: opts.required, max: 40 });
    if (v === null || v === undefined) return v;
    return this.intValue(column, v, opts);
  }

  intValue(column: string, v: string, opts: { min: number; max: number }): number | null {
    const n = /^[0-9]+$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < opts.min || n > opts.max) {
      return (this.fail(column, `must be a whole number from ${opts.min} to ${opts.max}`), null);
    }
    return n;
  }

  /** true / false (also yes/no, 1/0), any case. */
  bool(column: string): boolean | null | undefined {
    const v = this.raw(column);
    if (v === undefined || v === '') return v === undefined ? undefined : null;
    const l = v.toLowerCase();
    if (['true', 'yes', '1'].includes(l)) return true;
    if (['false', 'no', '0'].includes(l)) return false;
    return (this.fail(column, 'must be true or false'), null);
  }

  /** A JSON object (`{"colour":"red"}`). */
  jsonObject(column: string): Record<string, unknown> | null | undefined {
    const v = this.text(column, { max: 20_000, multiline: true });
    if (v === null || v === undefined) return v;
    let value: unknown;
    try {
      value = JSON.parse(v);
    } catch {
      return (this.fail(column, 'must be a JSON object like {"colour":"red"}'), null);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return (this.fail(column, 'must be a JSON object like {"colour":"red"}'), null);
    const unstorable = jsonStorageProblem(value);
    if (unstorable) return (this.fail(column, unstorable), null);
    return value as Record<string, unknown>;
  }

  /** An http(s) URL. */
  url(column: string): string | null | undefined {
    const v = this.text(column, { max: 2000 });
    if (v === null || v === undefined) return v;
    let ok = false;
    try {
      const u = new URL(v);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      ok = false;
    }
    if (!ok) return (this.fail(column, 'must be an http(s) URL'), null);
    return v;
  }

  email(column: string): string | null | undefined {
    const v = this.text(column, { max: 254 });
    if (v === null || v === undefined) return v;
    if (!EMAIL_RE.test(v)) return (this.fail(column, 'must be an email address'), null);
    return v;
  }

  /**
   * A point in time: ISO 8601 (`2025-05-18T15:53:32Z`, `2025-05-18 15:53:32.725+00:00`) with a
   * time zone (`Z` or an offset), or a date alone (`2025-05-18`, midnight UTC). Not in the future.
   */
  timestamp(column: string, opts: { required?: boolean; now: Date }): Date | null | undefined {
    const v = this.text(column, { required: opts.required, max: 64 });
    if (v === null || v === undefined) return v;
    const m = TIMESTAMP_RE.exec(v);
    const bad = () => (
      this.fail(column, 'must be a date (2025-05-18) or a date and time with a time zone (2025-05-18T15:53:32Z, 2025-05-18 15:53:32+03:00)'),
      null
    );
    if (!m) return bad();
    const [, y, mo, d, h, mi, s, frac, zone] = m;
    if (h !== undefined && zone === undefined) return (this.fail(column, 'needs a time zone: end it with Z (UTC) or an offset like +03:00'), null);
    let offsetMinutes = 0;
    if (zone && zone.toUpperCase() !== 'Z') {
      const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
      const oh = Number(z[2]);
      const om = Number(z[3] ?? 0);
      if (oh > 14 || om > 59) return bad();
      offsetMinutes = (z[1] === '-' ? -1 : 1) * (oh * 60 + om);
    }
    const [year, month, day, hour, minute, second] = [y, mo, d, h ?? '0', mi ?? '0', s ?? '0'].map(Number);
    const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
    if (year < 1900 || month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate() || hour > 23 || minute > 59 || second > 59) {
      return bad();
    }
    const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000);
    if (date.getTime() > opts.now.getTime()) return (this.fail(column, 'must not be in the future'), null);
    return date;
  }
}

/** Splits `items` into arrays of at most `size`. */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
