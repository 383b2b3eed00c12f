/**
 * Products file: `sku,name,description,price,cost_price,compare_at_price,category_slug,unit,
 * image_url,is_active,attributes` plus `stock:<location>` and `reorder_point:<location>` columns,
 * upserted by SKU (among the supplier's products not archived).
 */
import type { TxCtx } from '../../infra/context.js';
import type { Decimal } from '../../infra/money.js';
import { ensureDefaultLocation, lockSupplierLocations } from '../stock/index.js';
import { readHeader, RowReader, type AmountCache } from './imports.csv.js';
import { widthMatches, type ImportHandler } from './imports.job.js';
import * as repo from './imports.repo.js';

export const PRODUCT_COLUMNS = [
  'sku',
  'name',
  'description',
  'price',
  'cost_price',
  'compare_at_price',
  'category_slug',
  'unit',
  'image_url',
  'is_active',
  'attributes',
] as const;
const REQUIRED = ['sku', 'name', 'price'] as const;
/** Stock figures and reorder points are whole units up to this. */
const MAX_UNITS = 1_000_000_000;

/** Which product field each optional column sets. */
const FIELD_OF_COLUMN: Record<string, repo.ProductField> = {
  name: 'name',
  description: 'description',
  price: 'price',
  cost_price: 'costPrice',
  compare_at_price: 'compareAtPrice',
  category_slug: 'categoryId',
  unit: 'unit',
  image_url: 'imageUrl',
  is_active: 'isActive',
  attributes: 'attributes',
};

interface ProductLine {
  line: number;
  sku: string;
  name: string;
  description: string | null;
  price: Decimal;
  costPrice: Decimal | null;
  compareAtPrice: Decimal | null;
  categorySlug: string | null;
  unit: string;
  imageUrl: string | null;
  isActive: boolean;
  attributes: Record<string, unknown>;
  /** Header location index → units, for the cells given. */
  stock: Map<number, number>;
  reorder: Map<number, number>;
}

/**
 * Imports a products file (see `ImportHandler`). A column absent from the header leaves that
 * field of existing products alone; an empty cell sets the field's empty value (null, `each` for
 * unit, true for is_active, `{}` for attributes) and an empty stock cell leaves that level alone.
 * Problems: bad values, duplicate SKUs, unknown category slugs, inactive locations, a stock figure
 * below what open orders reserve at that location.
 * Summary: `products_created|updated|unchanged`, `locations_created`, `stock_levels_created|updated`,
 * `stock_movements`.
 */
export const importProducts: ImportHandler = async (tx: TxCtx, job) => {
  const header = readHeader(job.header, { columns: PRODUCT_COLUMNS, required: REQUIRED, withLocations: true }, job.problems);
  if (!header) return null;
  const rows: ProductLine[] = [];
  const lineOfSku = new Map<string, number>();
  const amounts: AmountCache = new Map();
  for (const record of job.records) {
    if (!widthMatches(job, record, header.width)) continue;
    const r = new RowReader(record, header, job.problems, amounts);
    const sku = r.text('sku', { required: true, max: 100 });
    const name = r.text('name', { required: true, max: 200 });
    const description = r.text('description', { max: 5000, multiline: true }) ?? null;
    const price = r.money('price', job.currency, { required: true });
    const costPrice = r.money('cost_price', job.currency) ?? null;
    const compareAtPrice = r.money('compare_at_price', job.currency) ?? null;
    const categorySlug = r.slug('category_slug') ?? null;
    const unit = r.text('unit', { max: 30 }) ?? 'each';
    const imageUrl = r.url('image_url') ?? null;
    const isActive = r.bool('is_active') ?? true;
    const attributes = r.jsonObject('attributes') ?? {};
    const stock = new Map<number, number>();
    const reorder = new Map<number, number>();
    for (const c of header.locationColumns) {
      const v = record.cells[c.index] ?? '';
      if (v === '') continue;
      const n = r.intValue(c.column, v, { min: 0, max: MAX_UNITS });
      if (n !== null) (c.kind === 'stock' ? stock : reorder).set(c.location, n);
    }
    if (sku) {
      const first = lineOfSku.get(sku);
      if (first !== undefined) r.fail('sku', `"${sku}" is already on line ${first}`);
      else lineOfSku.set(sku, r.line);
    }
    if (r.ok && sku && name && price) {
      rows.push({ line: r.line, sku, name, description, price, costPrice, compareAtPrice, categorySlug, unit, imageUrl, isActive, attributes, stock, reorder });
    }
  }

  // What the file refers to.
  const existing = new Map((await repo.findProductsBySku(tx.db, job.supplierId, [...lineOfSku.keys()])).map((p) => [p.sku, p]));
  const categoryIds = new Map<string, string>();
  if (header.columns.has('category_slug')) {
    for (const c of await repo.listCategories(tx.db, job.supplierId)) categoryIds.set(c.slug, c.id);
    for (const row of rows) {
      if (row.categorySlug && !categoryIds.has(row.categorySlug)) {
        job.problems.add(row.line, 'category_slug', `the supplier has no category "${row.categorySlug}"; import the categories file first`);
      }
    }
  }

  // Locations of the header: found by name (case-insensitively), else created as branches.
  const locationIds: (string | undefined)[] = header.locations.map(() => undefined);
  if (header.locations.length > 0) {
    // The default location exists first, so that its name ("Main warehouse") finds it; the
    // supplier's location lock then keeps concurrent location writes out until we commit.
    await ensureDefaultLocation(tx, job.supplierId);
    await lockSupplierLocations(tx, job.supplierId);
    const all = await repo.listLocations(tx.db, job.supplierId);
    header.locations.forEach((name, i) => {
      const found = all.find((l) => l.name.toLowerCase() === name.toLowerCase());
      if (!found) return;
      if (!found.isActive) {
        const column = header.locationColumns.find((c) => c.location === i)!.column;
        job.problems.add(1, column, `the stock location "${found.name}" is inactive; reactivate it or remove the column`);
      }
      locationIds[i] = found.id;
    });
  }
  const known = locationIds.filter((id): id is string => id !== undefined);
  const levels = new Map(
    (
      await repo.lockLevels(
        tx.db,
        [...existing.values()].map((p) => p.id),
        known,
      )
    ).map((l) => [`${l.productId}:${l.locationId}`, l]),
  );
  for (const row of rows) {
    const product = existing.get(row.sku);
    if (!product) continue;
    for (const [i, units] of row.stock) {
      const level = locationIds[i] && levels.get(`${product.id}:${locationIds[i]}`);
      if (level && units < level.reserved) {
        const column = header.locationColumns.find((c) => c.location === i && c.kind === 'stock')!.column;
        job.problems.add(row.line, column, `${units} is below the ${level.reserved} units reserved by open orders at ${header.locations[i]}`);
      }
    }
  }
  if (job.problems.count > 0) return null;

  // Writes.
  const missing = header.locations.map((name, i) => ({ name, i })).filter((l) => locationIds[l.i] === undefined);
  if (missing.length > 0) {
    const created = await repo.insertBranches(
      tx.db,
      job.supplierId,
      missing.map((l) => l.name),
    );
    for (const l of missing) locationIds[l.i] = created.find((c) => c.name === l.name)!.id;
  }

  const update = [...header.columns.keys()].filter((c) => c !== 'sku').map((c) => FIELD_OF_COLUMN[c]);
  const changed = await repo.upsertProducts(
    tx.db,
    rows.map((r) => ({
      supplierId: job.supplierId,
      sku: r.sku,
      currency: job.currency,
      createdBy: job.userId,
      name: r.name,
      price: r.price.toFixed(),
      description: r.description,
      costPrice: r.costPrice?.toFixed() ?? null,
      compareAtPrice: r.compareAtPrice?.toFixed() ?? null,
      categoryId: r.categorySlug ? categoryIds.get(r.categorySlug)! : null,
      unit: r.unit,
      imageUrl: r.imageUrl,
      isActive: r.isActive,
      attributes: r.attributes,
    })),
    update,
  );
  const idOf = new Map([...existing.values()].map((p) => [p.sku, p.id]));
  for (const c of changed) idOf.set(c.sku, c.id);
  const unresolved = rows.filter((r) => !idOf.has(r.sku)).map((r) => r.sku);
  // Only when a product with the SKU appeared meanwhile (not through an import) and matched the file exactly.
  if (unresolved.length > 0) for (const p of await repo.findProductsBySku(tx.db, job.supplierId, unresolved)) idOf.set(p.sku, p.id);
  const created = changed.filter((c) => !existing.has(c.sku)).length;
  const updated = changed.length - created;

  const newLevels: { productId: string; locationId: string; onHand: number; reorderPoint: number }[] = [];
  const changedLevels: { productId: string; locationId: string; onHand: number | null; reorderPoint: number | null }[] = [];
  const movements: repo.MovementWrite[] = [];
  const note = `import ${job.runId}`;
  for (const row of rows) {
    const productId = idOf.get(row.sku)!;
    const touched = new Set([...row.stock.keys(), ...row.reorder.keys()]);
    for (const i of touched) {
      const locationId = locationIds[i]!;
      const units = row.stock.get(i);
      const reorderPoint = row.reorder.get(i);
      const level = levels.get(`${productId}:${locationId}`);
      if (!level) {
        newLevels.push({ productId, locationId, onHand: units ?? 0, reorderPoint: reorderPoint ?? 0 });
        if (units) {
          movements.push({
            productId,
            locationId,
            reason: 'initial',
            onHandBefore: 0,
            onHandAfter: units,
            reservedBefore: 0,
            reservedAfter: 0,
            actorId: job.userId,
            note,
          });
        }
        continue;
      }
      const onHandChanges = units !== undefined && units !== level.onHand;
      const reorderChanges = reorderPoint !== undefined && reorderPoint !== level.reorderPoint;
      if (!onHandChanges && !reorderChanges) continue;
      changedLevels.push({ productId, locationId, onHand: onHandChanges ? units : null, reorderPoint: reorderChanges ? reorderPoint : null });
      if (onHandChanges) {
        movements.push({
          productId,
          locationId,
          reason: 'adjustment',
          onHandBefore: level.onHand,
          onHandAfter: units,
          reservedBefore: level.reserved,
          reservedAfter: level.reserved,
          actorId: job.userId,
          note,
        });
      }
    }
  }
  await repo.insertLevels(tx.db, newLevels);
  await repo.updateLevels(tx.db, changedLevels);
  await repo.insertMovements(tx.db, movements);
  return {
    products_created: created,
    products_updated: updated,
    products_unchanged: rows.length - created - updated,
    locations_created: missing.length,
    stock_levels_created: newLevels.length,
    stock_levels_updated: changedLevels.length,
    stock_movements: movements.length,
  };
};
