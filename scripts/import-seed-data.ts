/**
 * `npm run import:seed-data [-- --out <dir>]`: converts the seed systems' data (../shared/data or
 * SEED_DATA_DIR; scripts/convert-seed-data.ts) into CSV files and imports every file, through the
 * same service as `POST /api/v1/imports`, into the database named by DATABASE_URL (default the
 * embedded PGlite in .data/). One supplier per source, created when its slug is free and reused
 * otherwise (a rerun updates categories and products in place; an orders file whose orders the
 * supplier already has is skipped). Prints a report (rows, what was written, problems, time per
 * file) and exits 1 on any failure.
 *
 * | source | supplier (slug) | currency |
 * |---|---|---|
 * | seed 003 dump | Forsit Electronics (`seed-003-forsit-electronics`) | USD |
 * | seed 002 JSON | Mami Supermarket (`seed-002-mami-supermarket`) | ILS |
 * | seed 001 JSON | Shubh Store (`seed-001-shubh-store`) | USD |
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { and, count, eq, inArray } from 'drizzle-orm';
import { formatProblems, formatSummary, systemContext } from '../src/cli/import.js';
import { ConfigError, loadConfig, type Config } from '../src/config.js';
import { openAndPrepareDatabase } from '../src/infra/bootstrap.js';
import { STARTUP_HOOKS } from '../src/startup.js';
import type { Database } from '../src/infra/db/client.js';
import { AppError } from '../src/infra/errors.js';
import { runImport } from '../src/modules/imports/index.js';
import { orders } from '../src/modules/orders/index.js';
import { organizations } from '../src/modules/organizations/index.js';
import { convertSeedData, seedDataDir, type ConvertedSource } from './convert-seed-data.js';

/** The supplier of a source: found by slug (it must be a supplier in the same currency) or created, public. */
async function supplierFor(database: Database, s: ConvertedSource['supplier']): Promise<{ id: string; created: boolean }> {
  const [existing] = await database.db.select().from(organizations).where(eq(organizations.slug, s.slug));
  if (existing) {
    if (existing.type !== 'supplier' || existing.currency !== s.currency) {
      throw new Error(`organization "${s.slug}" exists but is not a ${s.currency} supplier`);
    }
    return { id: existing.id, created: false };
  }
  const [row] = await database.db
    .insert(organizations)
    .values({ type: 'supplier', name: s.name, slug: s.slug, currency: s.currency, catalogVisibility: 'public' })
    .returning({ id: organizations.id });
  return { id: row.id, created: true };
}

/** True when every order number of the file is already an order of this supplier (a rerun). */
async function ordersAlreadyImported(database: Database, supplierId: string, numbers: string[]): Promise<boolean> {
  if (numbers.length === 0) return false;
  const [{ n }] = await database.db
    .select({ n: count() })
    .from(orders)
    .where(and(eq(orders.supplierId, supplierId), inArray(orders.number, numbers)));
  return n === numbers.length;
}

async function main(argv: string[]): Promise<number> {
  let config: Config;
  let outDir: string;
  try {
    const { values } = parseArgs({ args: argv, options: { out: { type: 'string' } }, strict: true, allowPositionals: false });
    outDir = path.resolve(values.out ?? mkdtempSync(path.join(tmpdir(), 'agora-seed-csv-')));
    config = loadConfig(process.env, { loadDemo: false });
  } catch (err) {
    console.error(`import-seed-data: ${err instanceof ConfigError ? `configuration error: ${err.message}` : (err as Error).message}`);
    console.error('Usage: npm run import:seed-data [-- --out <dir for the CSV files>]   (SEED_DATA_DIR, DATABASE_URL)');
    return 1;
  }
  const dataDir = seedDataDir();
  if (!existsSync(dataDir)) {
    console.error(`import-seed-data: no seed data at ${dataDir} (set SEED_DATA_DIR)`);
    return 1;
  }
  const started = Date.now();
  let sources: ConvertedSource[];
  try {
    sources = convertSeedData(dataDir, outDir);
  } catch (err) {
    console.error(`import-seed-data: conversion failed: ${(err as Error).message}`);
    return 1;
  }
  console.log(`import-seed-data: converted ${dataDir} into ${outDir} in ${Date.now() - started} ms`);

  const database = await openAndPrepareDatabase(config, STARTUP_HOOKS);
  let failures = 0;
  try {
    const ctx = systemContext(database, config);
    console.log(`import-seed-data: importing into the ${database.kind} database`);
    for (const source of sources) {
      const supplier = await supplierFor(database, source.supplier);
      console.log(
        `\n${source.supplier.name} (${source.supplier.currency}, ${source.supplier.slug}, ${supplier.created ? 'created' : 'existing'} ${supplier.id}) from ${source.origin}`,
      );
      for (const note of source.notes) console.log(`  note: ${note}`);
      for (const file of source.files) {
        const label = `  ${file.kind.padEnd(10)} ${String(file.rows).padStart(5)} rows`;
        if (file.orderNumbers && (await ordersAlreadyImported(database, supplier.id, file.orderNumbers))) {
          console.log(`${label}  skipped: the supplier has these ${file.orderNumbers.length} orders already`);
          continue;
        }
        const t = Date.now();
        try {
          const run = await runImport(ctx, { kind: file.kind, supplierId: supplier.id, filename: path.basename(file.path), content: readFileSync(file.path) });
          console.log(`${label}  succeeded in ${Date.now() - t} ms (run ${run.id})`);
          for (const l of formatSummary(run)) console.log(`  ${l}`);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          failures++;
          const details = err.extra.details as { error_count?: number } | undefined;
          console.log(`${label}  FAILED in ${Date.now() - t} ms: ${err.message}${details?.error_count ? ` (${details.error_count} problems)` : ''}`);
          for (const l of formatProblems(err).slice(0, 50)) console.log(`  ${l}`);
        }
      }
    }
  } finally {
    await database.close();
  }
  console.log(`\nimport-seed-data: ${failures === 0 ? 'all files imported' : `${failures} file(s) failed`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return failures === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error('import-seed-data failed:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
