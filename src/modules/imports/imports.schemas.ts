import { Type, type Static } from '@sinclair/typebox';
import { Page, PageQuery, Query, Timestamp, Uuid } from '../../infra/schemas.js';
import { IMPORT_KINDS } from './imports.tables.js';

export const ImportKindSchema = Type.Union(
  IMPORT_KINDS.map((k) => Type.Literal(k)),
  { title: 'ImportKind', description: 'What the file holds' },
);

export const ImportRowErrorSchema = Type.Object(
  {
    line: Type.Integer({ description: 'Line of the file (1 = the header)' }),
    column: Type.Union([Type.String(), Type.Null()], { description: 'The column, or null for the whole row or file' }),
    message: Type.String(),
  },
  { title: 'ImportRowError' },
);

const runFields = {
  id: Uuid,
  supplier_id: Uuid,
  kind: ImportKindSchema,
  filename: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')], {
    description: 'succeeded: every row was written in one transaction; failed: nothing was written',
  }),
  row_count: Type.Integer({ description: 'Data rows of the file (the header and empty lines not counted)' }),
  summary: Type.Record(Type.String(), Type.Integer(), {
    description: 'What was written, e.g. {"products_created": 10, "products_updated": 2, "products_unchanged": 0, "stock_movements": 12}',
  }),
  error_count: Type.Integer(),
  created_by: Type.Union([Uuid, Type.Null()], { description: 'The importing user; null for the command line' }),
  created_at: Timestamp,
};

/** One import run with its problems. */
export const ImportRun = Type.Object({ ...runFields, errors: Type.Array(ImportRowErrorSchema) }, { title: 'ImportRun' });
export type ImportRunDto = Static<typeof ImportRun>;

/** A run in a list (its problems are in `GET /imports/{id}`). */
export const ImportRunSummary = Type.Object(runFields, { title: 'ImportRunSummary' });
export type ImportRunSummaryDto = Static<typeof ImportRunSummary>;
export const ImportRunPage = Page(ImportRunSummary, 'ImportRunPage');

export const ListImportsQuery = Query({ supplier_id: Type.Optional(Uuid), ...PageQuery });
export type ListImportsQueryInput = Static<typeof ListImportsQuery>;

export const ExportQuery = Query({ supplier_id: Type.Optional(Uuid) });

/** The multipart form of `POST /imports` (documentation; the route reads the parts itself). */
export const ImportForm = Type.Object(
  {
    kind: ImportKindSchema,
    supplier_id: Type.Optional(Type.String({ format: 'uuid', description: 'Needed only when the caller runs imports for several suppliers' })),
    file: Type.String({ format: 'binary', description: 'The CSV file (UTF-8, header row, comma separated), at most 20 MB' }),
  },
  { title: 'ImportForm' },
);
