/**
 * `npm run import -- --supplier <id or slug> [--kind categories|products|orders] <file.csv>`:
 * imports one CSV file for a supplier without the HTTP server, through the same service as
 * `POST /api/v1/imports` (all or nothing; formats in docs/import.md). The database is the server's
 * (DATABASE_URL, default the embedded PGlite in .data/); the actor is the system (allowed
 * everything, recorded as nobody). Without --kind the kind is told from the header.
 *
 * Exit codes: 0 imported; 1 rejected file (every problem printed), bad arguments or failure.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { eq } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import { ConfigError, loadConfig, loadEnvFile, type Config } from '../config.js';
import { openAndPrepareDatabase } from '../infra/bootstrap.js';
import { STARTUP_HOOKS } from '../startup.js';
import type { Ctx } from '../infra/context.js';
import type { Database } from '../infra/db/client.js';
import { AppError } from '../infra/errors.js';
import { isUuid } from '../infra/ids.js';
import { createAccessTokens } from '../infra/tokens.js';
import { IMPORT_KINDS, runImport, SYSTEM_ACTOR, type ImportKind, type ImportRunDto } from '../modules/imports/index.js';
import { organizations } from '../modules/organizations/index.js';

const USAGE = `Usage: npm run import -- --supplier <supplier id or slug> [--kind categories|products|orders] <file.csv>
Imports one CSV file (UTF-8, header row; formats in docs/import.md) for the supplier, all or nothing.
Without --kind, the kind is told from the header (order_number → orders, sku → products, slug → categories).
The database is the one the server uses: DATABASE_URL, or the embedded PGlite in .data/ (stop the server first).`;

class UsageError extends Error {}

const noop = () => undefined;
/** Services take a logger; the command prints its own report. */
const quietLogger: FastifyBaseLogger = {
  level: 'silent',
  fatal: noop,
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  trace: noop,
  silent: noop,
  child: () => quietLogger,
} as unknown as FastifyBaseLogger;

/** A service context for the system actor over `database` (no HTTP request). */
export function systemContext(database: Database, config: Config): Ctx {
  return { actor: SYSTEM_ACTOR, db: database.db, log: quietLogger, requestId: `cli-${uuidv7()}`, config, tokens: createAccessTokens(config) };
}

/**
 * The kind of a file told from its header row: `order_number` → orders, `sku` → products,
 * `slug` → categories. @returns undefined when none fits.
 */
export function inferKind(content: Buffer): ImportKind | undefined {
  const firstLine =
    content
      .toString('utf8', 0, Math.min(content.length, 64 * 1024))
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/, 1)[0] ?? '';
  const columns = firstLine.split(',').map((c) => c.trim().replace(/^"|"$/g, '').trim().toLowerCase());
  if (columns.includes('order_number')) return 'orders';
  if (columns.includes('sku')) return 'products';
  if (columns.includes('slug')) return 'categories';
  return undefined;
}

/** One line per summary count, e.g. `  products_created: 121`. */
export function formatSummary(run: ImportRunDto): string[] {
  return Object.entries(run.summary)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `  ${k}: ${v}`);
}

/** The problems of a rejected import, one per line (`  line 7, price: must be a decimal amount`). */
export function formatProblems(err: AppError): string[] {
  return (err.extra.errors ?? []).map((e) => {
    const [line, column] = e.path.split(/\/(.*)/s);
    return `  ${line}${column ? `, ${column}` : ''}: ${e.message}`;
  });
}

function readArgs(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { supplier: { type: 'string' }, kind: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return null;
  if (!values.supplier?.trim()) throw new UsageError('--supplier is required');
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'name the CSV file to import' : 'import one file at a time');
  if (values.kind !== undefined && !IMPORT_KINDS.includes(values.kind as ImportKind)) throw new UsageError(`--kind must be one of ${IMPORT_KINDS.join(', ')}`);
  return { supplier: values.supplier.trim(), kind: values.kind as ImportKind | undefined, file: positionals[0] };
}

/**
 * Runs the command. `out`/`err` receive the report (stdout/stderr by default).
 * @returns the exit code.
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, io = { out: console.log, err: console.error }): Promise<number> {
  let args;
  let config: Config;
  try {
    args = readArgs(argv);
    config = loadConfig(env, { loadDemo: false });
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`import: ${e.message}\n\n${USAGE}`);
      return 1;
    }
    if (e instanceof ConfigError) {
      io.err(`import: configuration error: ${e.message}`);
      return 1;
    }
    throw e;
  }
  if (!args) {
    io.out(USAGE);
    return 0;
  }
  let content: Buffer;
  try {
    content = await readFile(args.file);
  } catch (e) {
    io.err(`import: cannot read ${args.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return 1;
  }
  const kind = args.kind ?? inferKind(content);
  if (!kind) {
    io.err(`import: cannot tell the kind of ${args.file} from its header; pass --kind ${IMPORT_KINDS.join('|')}`);
    return 1;
  }
  const database = await openAndPrepareDatabase(config, STARTUP_HOOKS);
  try {
    const where = isUuid(args.supplier) ? eq(organizations.id, args.supplier) : eq(organizations.slug, args.supplier);
    const [org] = await database.db.select().from(organizations).where(where);
    if (!org || org.type !== 'supplier') {
      io.err(`import: no supplier "${args.supplier}" (give its id or slug)`);
      return 1;
    }
    const started = Date.now();
    try {
      const run = await runImport(systemContext(database, config), { kind, supplierId: org.id, filename: path.basename(args.file), content });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      io.out(`import: ${kind} from ${args.file} into ${org.name}: ${run.row_count} rows imported in ${seconds} s (run ${run.id})`);
      for (const l of formatSummary(run)) io.out(l);
      return 0;
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      const details = e.extra.details as { import_run_id?: string; error_count?: number } | undefined;
      if (e.status === 422 && details?.import_run_id) {
        io.err(`import: ${args.file} rejected with ${details.error_count} problems; nothing was imported (run ${details.import_run_id})`);
        for (const l of formatProblems(e)) io.err(l);
      } else {
        io.err(`import: ${e.message}`);
      }
      return 1;
    }
  } finally {
    await database.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  // .env is read by the command only: main() takes its environment as an argument.
  Promise.resolve()
    .then(() => {
      loadEnvFile();
      return main(process.argv.slice(2));
    })
    .then(
      (code) => process.exit(code),
      (err) => {
        console.error('import failed:', err instanceof Error ? err.message : err);
        process.exit(1);
      },
    );
}
