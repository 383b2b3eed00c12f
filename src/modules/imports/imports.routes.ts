import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { AppError, type FieldError } from '../../infra/errors.js';
import { isUuid } from '../../infra/ids.js';
import { problems } from '../../infra/problem.js';
import { IdParams } from '../../infra/schemas.js';
import { ExportQuery, ImportForm, ImportRun, ImportRunPage, ListImportsQuery } from './imports.schemas.js';
import * as service from './imports.service.js';
import { IMPORT_KINDS, type ImportKind } from './imports.tables.js';

/** Largest CSV file an import takes. */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

/**
 * Reads the multipart form of `POST /imports`: fields `kind`, `supplier_id` (optional) and the
 * `file` part, buffered (at most `MAX_IMPORT_BYTES`). Other fields are ignored.
 * @throws 415 not multipart/form-data; 413 file too large; 400 malformed multipart; 422 with
 *   every bad field (`body/kind`, `body/supplier_id`, `body/file`).
 */
async function readImportForm(req: FastifyRequest): Promise<service.ImportInput> {
  if (!req.isMultipart()) {
    throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the import as multipart/form-data with the fields kind, supplier_id (optional) and file');
  }
  const fields: Record<string, string> = {};
  let file: { filename: string | null; content: Buffer } | undefined;
  const errors: FieldError[] = [];
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        const content = await part.toBuffer();
        if (part.fieldname !== 'file') errors.push({ path: `body/${part.fieldname}`, message: 'only the field "file" takes a file' });
        else if (file) errors.push({ path: 'body/file', message: 'send one file per import' });
        else file = { filename: part.filename ? part.filename.slice(0, 255) : null, content };
      } else if (typeof part.value === 'string' && !(part.fieldname in fields)) {
        fields[part.fieldname] = part.value.trim();
      }
    }
  } catch (err) {
    const e = err as { statusCode?: number; code?: string; message?: string };
    if (e.statusCode === 413)
      throw new AppError(413, 'PAYLOAD_TOO_LARGE', `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB, or the form has too many parts`);
    throw new AppError(400, 'BAD_REQUEST', 'The multipart body is malformed');
  }
  const kind = fields.kind;
  if (kind === undefined || kind === '') errors.push({ path: 'body/kind', message: `is required: one of ${IMPORT_KINDS.join(', ')}` });
  else if (!IMPORT_KINDS.includes(kind as ImportKind)) errors.push({ path: 'body/kind', message: `must be one of ${IMPORT_KINDS.join(', ')}` });
  const supplierId = fields.supplier_id || undefined;
  if (supplierId !== undefined && !isUuid(supplierId)) errors.push({ path: 'body/supplier_id', message: 'must be a UUID' });
  if (!file) errors.push({ path: 'body/file', message: 'is required: the CSV file as a file part named "file"' });
  if (errors.length) throw new AppError(422, 'VALIDATION_FAILED', 'The request is invalid', { errors });
  return { kind: kind as ImportKind, supplierId, filename: file!.filename, content: file!.content };
}

/** `/imports` (CSV imports and their runs) and `/products/export.csv`. */
export const importsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['imports'];

  app.post(
    '/imports',
    {
      schema: {
        operationId: 'runImport',
        tags,
        summary: 'Import a CSV file of categories, products (with stock) or historical orders',
        description:
          'multipart/form-data with `kind` (categories | products | orders), `supplier_id` (needed only when you run imports for several suppliers) ' +
          'and `file` (UTF-8 CSV with a header row, at most 20 MB; formats in docs/import.md). All or nothing: the whole file is checked first and ' +
          'every problem answered in one 422 (`errors[].path` like `line 7/price`, `details.import_run_id`), with nothing written; otherwise ' +
          'everything is written in one transaction. Either way the run is recorded.',
        consumes: ['multipart/form-data'],
        body: ImportForm,
        // 409: a concurrent write of the same rows (a unique index, or a serialisation failure), mapped by the error handler.
        response: { 201: ImportRun, ...problems(400, 401, 403, 404, 413, 415, 422, { 409: ['DUPLICATE', 'CONCURRENT_UPDATE'] }) },
      },
      config: { permission: 'imports:run' },
      // The multipart body is read and checked by the handler (readImportForm); the schema documents it.
      validatorCompiler: () => () => true,
    },
    async (req, reply) => reply.code(201).send(await service.runImport(req.ctx, await readImportForm(req))),
  );

  app.get(
    '/imports',
    {
      schema: {
        operationId: 'listImportRuns',
        tags,
        summary: 'Import runs of a supplier, newest first',
        description: "Runs of the caller's supplier (`supplier_id` when several), succeeded and failed, without their problem lists.",
        querystring: ListImportsQuery,
        response: { 200: ImportRunPage, ...problems(401, 403, 404, 422) },
      },
      config: { permission: 'imports:run' },
    },
    async (req) => service.listRuns(req.ctx, req.query),
  );

  app.get(
    '/imports/:id',
    {
      schema: {
        operationId: 'getImportRun',
        tags,
        summary: 'One import run with every problem',
        params: IdParams,
        response: { 200: ImportRun, ...problems(401, 403, 404, 422) },
      },
      config: { permission: 'imports:run' },
    },
    async (req) => service.getRun(req.ctx, req.params.id),
  );

  app.get(
    '/products/export.csv',
    {
      schema: {
        operationId: 'exportProducts',
        tags: ['products', 'imports'],
        summary: "Export the supplier's products as CSV (the products import format)",
        description:
          'Products not archived, by SKU, with `stock:<location>` and `reorder_point:<location>` columns for each active location. ' +
          'Importing the file back changes nothing. Streamed; `text/csv; charset=utf-8` with a Content-Disposition file name.',
        querystring: ExportQuery,
        response: {
          200: { description: 'CSV file (header row, then one product per row)', content: { 'text/csv': { schema: { type: 'string' } } } },
          ...problems(401, 403, 404, 422),
        },
      },
      config: { permission: 'products:read' },
    },
    async (req, reply) => {
      const { filename, stream } = await service.exportProductsCsv(req.ctx, req.query.supplier_id);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`)
        .header('cache-control', 'no-store')
        .send(stream);
    },
  );
};
