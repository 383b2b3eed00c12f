/**
 * `npm run stock:check [-- --supplier <id>] [--repair --note "why"]`: checks the stock invariants of
 * every supplier (or one) — per level, reserved = what open orders hold and on-hand / reserved = the
 * sums of the movements; per reserving order, its reservation movements — and prints what breaks
 * them. With `--repair`, reconciles the drifted levels (a `reconciliation` movement with the note);
 * see docs/stock-invariants.md.
 *
 * Exit codes: 0 every invariant holds (after the repair, with --repair), 1 something is off or bad input.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { checkSupplierStock, listStockSuppliers, reconcileSupplierStock, type StockCheckResult } from '../flows/stock-check.js';
import { openAndPrepareDatabase } from '../infra/bootstrap.js';
import { isUuid } from '../infra/ids.js';
import { STARTUP_HOOKS } from '../startup.js';
import { systemContext } from './import.js';

const USAGE = `Usage: npm run stock:check -- [--supplier <supplier id>] [--repair --note "why"]
Checks every supplier's stock invariants (or one supplier's) and exits 1 when any level or order breaks them.
--repair sets each drifted level's reserved to what its open orders hold and writes a reconciliation movement with the note.
The database is the one the server uses: DATABASE_URL, or the embedded PGlite in .data/ (stop the server first).`;

function report(r: StockCheckResult, out: (s: string) => void) {
  if (r.ok) return out(`supplier ${r.supplier_id}: ok (${r.levels_checked} levels)`);
  out(`supplier ${r.supplier_id}: ${r.levels.length} level(s) and ${r.orders.length} order(s) break an invariant`);
  for (const l of r.levels) {
    out(
      `  level ${l.sku} @ ${l.location_id}: on_hand ${l.on_hand} (movements ${l.movements_on_hand}), reserved ${l.reserved} (orders hold ${l.held_by_orders}, movements ${l.movements_reserved})`,
    );
  }
  for (const o of r.orders) out(`  order ${o.number} product ${o.product_id}: lines ${o.quantity}, reservation movements ${o.movements_reserved}`);
}

/** Runs the command; returns the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, io = { out: console.log, err: console.error }): Promise<number> {
  let values: { supplier?: string; repair?: boolean; note?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { supplier: { type: 'string' }, repair: { type: 'boolean' }, note: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    io.err(`stock:check: ${(err as Error).message}\n\n${USAGE}`);
    return 1;
  }
  if (values.help) return (io.out(USAGE), 0);
  if (values.supplier !== undefined && !isUuid(values.supplier)) return (io.err(`stock:check: --supplier takes a supplier id (UUID)\n\n${USAGE}`), 1);
  const note = values.note?.trim();
  if (values.repair && !note) return (io.err(`stock:check: --repair needs --note "why" (kept on every movement it writes)\n\n${USAGE}`), 1);
  const config = loadConfig(env, { loadDemo: false });
  const database = await openAndPrepareDatabase(config, STARTUP_HOOKS);
  try {
    const suppliers = values.supplier ? [values.supplier.toLowerCase()] : await listStockSuppliers(database.db);
    let bad = 0;
    for (const supplierId of suppliers) {
      let result = await checkSupplierStock(database.db, supplierId);
      if (!result.ok && values.repair) {
        const ctx = { ...systemContext(database, config), actor: null };
        const { repaired, after } = await reconcileSupplierStock(ctx, supplierId, note!);
        io.out(`supplier ${supplierId}: repaired ${repaired.length} level(s)`);
        result = after;
      }
      report(result, io.out);
      if (!result.ok) bad++;
    }
    io.out(`${suppliers.length} supplier(s) checked, ${bad} with drift`);
    return bad === 0 ? 0 : 1;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error('stock:check failed:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
