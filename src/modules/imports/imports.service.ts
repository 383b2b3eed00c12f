import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { v7 as uuidv7 } from 'uuid';
import { assertCan, type Actor } from '../../infra/access.js';
import { inTransaction, type Ctx } from '../../infra/context.js';
import { AppError, notFound } from '../../infra/errors.js';
import { formatMoney } from '../../infra/money.js';
import type { PageResult } from '../../infra/schemas.js';
import { recordAudit, type AuditEntry } from '../audit/index.js';
import { resolveActiveSupplier } from '../organizations/index.js';
import { importCategories } from './imports.categories.js';
import { Problems, readCsv } from './imports.csv.js';
import type { ImportHandler, ImportJob } from './imports.job.js';
import { importOrders } from './imports.orders.js';
import { importProducts, PRODUCT_COLUMNS } from './imports.products.js';
import * as repo from './imports.repo.js';
import type { ImportRunDto, ImportRunSummaryDto, ListImportsQueryInput } from './imports.schemas.js';
import type { ImportKind } from './imports.tables.js';

/**
 * The actor of the command line (`npm run import`): allowed everything, like a platform admin, and
 * recorded as nobody (`created_by`, `placed_by`, movement actors are null).
 */
export const SYSTEM_ACTOR: Actor = Object.freeze({
  userId: '00000000-0000-0000-0000-000000000000',
  email: 'system@agora.invalid',
  platformPermissions: ['*'],
  memberships: [],
});

/** The user id to record for the actor: null for the system actor. */
const recordedUser = (actor: Actor): string | null => (actor.userId === SYSTEM_ACTOR.userId ? null : actor.userId);

const HANDLERS: Record<ImportKind, ImportHandler> = {
  categories: importCategories,
  products: importProducts,
  orders: importOrders,
};

/** Thrown inside the import transaction to roll it back when the file has problems. */
class FileRejected extends Error {}

function toRunSummary(r: Omit<repo.ImportRunRow, 'errors'> & { errorCount: number }): ImportRunSummaryDto {
  return {
    id: r.id,
    supplier_id: r.supplierId,
    kind: r.kind,
    filename: r.filename,
    status: r.status,
    row_count: r.rowCount,
    summary: r.summary,
    error_count: r.errorCount,
    created_by: r.createdBy,
    created_at: r.createdAt.toISOString(),
  };
}

const toRunDto = (r: repo.ImportRunRow): ImportRunDto => ({ ...toRunSummary({ ...r, errorCount: r.errors.length }), errors: r.errors });

/** What `runImport` takes: the kind, the supplier (optional when the caller has one) and the file. */
export interface ImportInput {
  kind: ImportKind;
  supplierId?: string;
  filename: string | null;
  content: Buffer;
}

/**
 * Imports one CSV file for a supplier (`imports:run`: owner, manager), all or nothing: the whole
 * file is read and checked first (every problem collected as `{line, column, message}`), then
 * written in ONE transaction with multi-row statements, which also records the `succeeded` run.
 * Imports of one supplier run one at a time (an advisory lock in the transaction).
 * @returns the succeeded run with its summary counts.
 * @throws 403 without `imports:run` in any supplier; 404 supplier not the caller's (or inactive);
 *   422 `body/supplier_id` when several suppliers qualify; 422 `VALIDATION_FAILED` with every problem
 *   as `errors[{path: "line 7/price", message}]` and `details.import_run_id` when the file is
 *   rejected: then nothing is written but the `failed` run (outside the rolled-back transaction).
 */
export async function runImport(ctx: Ctx, input: ImportInput): Promise<ImportRunDto> {
  const supplier = await resolveActiveSupplier(ctx, 'imports:run', input.supplierId, 'body/supplier_id');
  const userId = recordedUser(ctx.actor!);
  const problems = new Problems();
  const runId = uuidv7();
  const file = readCsv(input.content, problems);
  const rowCount = file?.records.length ?? 0;
  const base = { id: runId, supplierId: supplier.id, kind: input.kind, filename: input.filename, rowCount, createdBy: userId };
  // One audit row per run, whatever its outcome (the command line's runs have no actor).
  const audited = (status: 'succeeded' | 'failed', more: Record<string, unknown>): AuditEntry => ({
    organizationId: supplier.id,
    entityType: 'import_run',
    entityId: runId,
    action: `import.${status}`,
    actorId: userId,
    changes: { kind: input.kind, filename: input.filename, row_count: rowCount, status, ...more },
  });
  if (file) {
    const job: ImportJob = {
      supplierId: supplier.id,
      currency: supplier.currency,
      runId,
      userId,
      now: new Date(),
      header: file.header,
      records: file.records,
      problems,
    };
    try {
      const run = await inTransaction(ctx, async (tx) => {
        await repo.lockSupplierImports(tx.db, supplier.id);
        const summary = await HANDLERS[input.kind](tx, job);
        if (!summary || problems.count > 0) throw new FileRejected();
        const inserted = await repo.insertRun(tx.db, { ...base, status: 'succeeded', summary });
        await recordAudit(tx, audited('succeeded', { summary }));
        return inserted;
      });
      return toRunDto(run);
    } catch (err) {
      if (!(err instanceof FileRejected)) throw err;
    }
  }
  const errors = problems.sorted();
  await inTransaction(ctx, async (tx) => {
    await repo.insertRun(tx.db, { ...base, status: 'failed', errors });
    await recordAudit(tx, audited('failed', { error_count: problems.count }));
  });
  const n = problems.count;
  throw new AppError(422, 'VALIDATION_FAILED', `The file has ${n} problem${n === 1 ? '' : 's'}; nothing was imported`, {
    errors: errors.map((e) => ({ path: e.column ? `line ${e.line}/${e.column}` : `line ${e.line}`, message: e.message })),
    details: { import_run_id: runId, kind: input.kind, row_count: rowCount, error_count: n },
  });
}

/**
 * The import runs of the caller's supplier (`imports:run`), newest first, without their problem
 * lists. @throws 403, 404 (supplier not the caller's), 422 several suppliers and no `supplier_id`.
 */
export async function listRuns(ctx: Ctx, q: ListImportsQueryInput): Promise<PageResult<ImportRunSummaryDto>> {
  const supplier = await resolveActiveSupplier(ctx, 'imports:run', q.supplier_id, 'querystring/supplier_id');
  const { items, total } = await repo.listRuns(ctx.db, supplier.id, q);
  return { items: items.map(toRunSummary), total, limit: q.limit, offset: q.offset };
}

/** One import run with every problem. @throws 404 missing or of a supplier that is not the caller's; 403 without `imports:run`. */
export async function getRun(ctx: Ctx, id: string): Promise<ImportRunDto> {
  const run = await repo.findRun(ctx.db, id);
  if (!run) throw notFound('Import run');
  assertCan(ctx.actor, 'imports:run', run.supplierId, 'Import run');
  return toRunDto(run);
}

/** Products per page of the export (bounded memory whatever the catalog's size). */
const EXPORT_PAGE = 1000;

/**
 * The supplier's products not archived as CSV in the products import format (`products:read`):
 * the fixed columns, then `stock:<location>` and `reorder_point:<location>` for each active
 * location (default first), so that exporting and importing the file changes nothing. Amounts
 * have the currency's minor digits; an empty attributes object is an empty cell. The CSV is
 * produced page by page (keyset on the SKU) as the response streams.
 * @returns the file name and the stream.
 * @throws 403, 404 (supplier not the caller's), 422 several suppliers and no `supplier_id`.
 */
export async function exportProductsCsv(ctx: Ctx, supplierIdGiven: string | undefined): Promise<{ filename: string; stream: Readable }> {
  const supplier = await resolveActiveSupplier(ctx, 'products:read', supplierIdGiven, 'querystring/supplier_id');
  const locations = (await repo.listLocations(ctx.db, supplier.id)).filter((l) => l.isActive);
  const header = [...PRODUCT_COLUMNS, ...locations.map((l) => `stock:${l.name}`), ...locations.map((l) => `reorder_point:${l.name}`)];
  const db = ctx.db;
  async function* lines(): AsyncGenerator<string> {
    yield stringify([header]);
    let after: string | null = null;
    for (;;) {
      const page = await repo.exportPage(db, supplier.id, after, EXPORT_PAGE);
      if (page.length === 0) return;
      const levels = new Map(
        (
          await repo.levelsOf(
            db,
            page.map((p) => p.id),
          )
        ).map((l) => [`${l.productId}:${l.locationId}`, l]),
      );
      const money = (v: string | null, currency: string) => (v === null ? '' : formatMoney(v, currency));
      yield stringify(
        page.map((p) => {
          const at = locations.map((l) => levels.get(`${p.id}:${l.id}`));
          return [
            p.sku,
            p.name,
            p.description ?? '',
            money(p.price, p.currency),
            money(p.costPrice, p.currency),
            money(p.compareAtPrice, p.currency),
            p.categorySlug ?? '',
            p.unit,
            p.imageUrl ?? '',
            p.isActive ? 'true' : 'false',
            Object.keys(p.attributes ?? {}).length ? JSON.stringify(p.attributes) : '',
            ...at.map((lv) => (lv ? String(lv.onHand) : '')),
            ...at.map((lv) => (lv ? String(lv.reorderPoint) : '')),
          ];
        }),
      );
      if (page.length < EXPORT_PAGE) return;
      after = page[page.length - 1].sku;
    }
  }
  const day = new Date().toISOString().slice(0, 10);
  return { filename: `products-${supplier.slug}-${day}.csv`, stream: Readable.from(lines()) };
}
