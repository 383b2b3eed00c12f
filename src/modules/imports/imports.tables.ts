import { index, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id } from '../../infra/db/columns.js';
import { users } from '../identity/identity.tables.js';
import { organizations } from '../organizations/organizations.tables.js';

/** What a CSV file holds: categories, products (with stock per location) or historical order lines. */
export const IMPORT_KINDS = ['categories', 'products', 'orders'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** One row problem of an import: the file's line (1 = header), the column and why. */
export interface ImportRowError {
  line: number;
  column: string | null;
  message: string;
}

/**
 * One run of a CSV import for a supplier. An import is all-or-nothing per file: `succeeded` means
 * every row was written in one transaction, `failed` that nothing was, with every bad row in
 * `errors`. `summary` counts what was created or updated (e.g. `{products_created: 10}`).
 */
export const importRuns = pgTable(
  'import_runs',
  {
    id: id(),
    supplierId: uuid('supplier_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: IMPORT_KINDS }).notNull(),
    filename: text('filename'),
    status: text('status', { enum: ['succeeded', 'failed'] }).notNull(),
    rowCount: integer('row_count').notNull(),
    summary: jsonb('summary').$type<Record<string, number>>().notNull().default({}),
    errors: jsonb('errors').$type<ImportRowError[]>().notNull().default([]),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [index('import_runs_supplier_created_idx').on(t.supplierId, t.createdAt)],
);
