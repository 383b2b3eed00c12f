import type { TxCtx } from '../../infra/context.js';
import type { CsvRecord, Problems } from './imports.csv.js';

/** One file being imported for one supplier, as each kind's handler sees it. */
export interface ImportJob {
  supplierId: string;
  /** The supplier's currency: every amount of the file is in it. */
  currency: string;
  /** The run's id, known before anything is written (stock movement notes carry it). */
  runId: string;
  /** The user recorded as author (created_by, placed_by, actor_id); null for the command line. */
  userId: string | null;
  /** When the import started (historical orders may not be later). */
  now: Date;
  header: CsvRecord;
  records: CsvRecord[];
  problems: Problems;
}

/**
 * Checks a file against the rules and the database and, when `problems` stayed empty, writes it.
 * Runs inside the import's transaction (`tx.db`). @returns the summary counts, or null when the
 * file has problems (they are in `job.problems`; the caller rolls back).
 */
export type ImportHandler = (tx: TxCtx, job: ImportJob) => Promise<Record<string, number> | null>;

/** A row whose width differs from the header's is reported once and skipped. */
export function widthMatches(job: ImportJob, record: CsvRecord, width: number): boolean {
  if (record.cells.length === width) return true;
  job.problems.add(record.line, null, `has ${record.cells.length} cells but the header has ${width}; quote cells holding commas ("…")`);
  return false;
}
