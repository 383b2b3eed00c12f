import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { buildConsumer, buildSupplier, call, createTestApp, expectProblem, registerUser, uniq, type Res } from '../../../test/helpers.js';
import { loadConfig } from '../../config.js';
import { main as importCli } from '../../cli/import.js';
import { openAndPrepareDatabase } from '../../infra/bootstrap.js';
import { STARTUP_HOOKS } from '../../startup.js';
import { queryRows } from '../../infra/db/client.js';
import { organizations } from '../organizations/index.js';

const { app, database } = await createTestApp();

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/import');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name));

type Supplier = Awaited<ReturnType<typeof buildSupplier>>;

/** A multipart/form-data body built by hand: text fields, then an optional file part. */
function multipart(fields: Record<string, string>, file?: { content: Buffer | string; filename?: string; field?: string }) {
  const boundary = `----agora-test-${uniq()}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.filename ?? 'data.csv'}"\r\nContent-Type: text/csv\r\n\r\n`,
      ),
    );
    chunks.push(Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function upload(token: string, kind: string, content: Buffer | string, opts: { supplierId?: string; filename?: string } = {}): Promise<Res> {
  const { payload, contentType } = multipart({ kind, ...(opts.supplierId ? { supplier_id: opts.supplierId } : {}) }, { content, filename: opts.filename });
  return call(app, 'POST', '/api/v1/imports', { token, body: payload, headers: { 'content-type': contentType } });
}

async function imported(token: string, kind: string, content: Buffer | string, supplierId?: string) {
  const res = await upload(token, kind, content, { supplierId });
  if (res.status !== 201) throw new Error(`import failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The fixture's order numbers made unique to this run (numbers are unique across the database). */
const ordersFixture = (prefix: string) => fixture('orders.csv').toString('utf8').replaceAll('FX-', `${prefix}-`);

const count = async (table: string, supplierId: string) =>
  Number((await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from ${sql.identifier(table)} where supplier_id = ${supplierId}`))[0].n);

async function snapshot(supplierId: string) {
  const rows = await queryRows<Record<string, number>>(
    database.db,
    sql`
    select (select count(*)::int from categories where supplier_id = ${supplierId}) as categories,
           (select count(*)::int from products where supplier_id = ${supplierId}) as products,
           (select count(*)::int from stock_locations where supplier_id = ${supplierId}) as locations,
           (select count(*)::int from stock_levels sl join products p on p.id = sl.product_id where p.supplier_id = ${supplierId}) as levels,
           (select count(*)::int from stock_movements sm join products p on p.id = sm.product_id where p.supplier_id = ${supplierId}) as movements,
           (select count(*)::int from orders where supplier_id = ${supplierId}) as orders,
           (select count(*)::int from customers where supplier_id = ${supplierId}) as customers,
           (select count(*)::int from sales_channels where supplier_id = ${supplierId}) as channels`,
  );
  return rows[0];
}

/** A supplier in USD with the fixture's categories and products imported. */
async function supplierWithCatalog(opts: { catalog_visibility?: 'public' | 'linked' } = {}) {
  const s = await buildSupplier(app, { currency: 'USD', ...opts });
  await imported(s.owner.token, 'categories', fixture('categories.csv'));
  await imported(s.owner.token, 'products', fixture('products.csv'));
  return s;
}

async function productsOf(s: Supplier) {
  const res = await call(app, 'GET', `/api/v1/products?supplier_id=${s.org.id}&limit=100&sort=sku`, { token: s.owner.token });
  expect(res.status).toBe(200);
  return Object.fromEntries((res.body.items as any[]).map((p) => [p.sku, p]));
}

describe('POST /imports: categories', () => {
  it('imports a tree whose parents come later in the file, visible through GET /categories', async () => {
    const s = await buildSupplier(app, { currency: 'USD' });
    const res = await upload(s.owner.token, 'categories', fixture('categories.csv'), { filename: 'categories.csv' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      supplier_id: s.org.id,
      kind: 'categories',
      filename: 'categories.csv',
      status: 'succeeded',
      row_count: 5,
      error_count: 0,
      errors: [],
      created_by: s.owner.id,
      summary: { categories_created: 5, categories_updated: 0, categories_unchanged: 0 },
    });
    const list = await call(app, 'GET', `/api/v1/categories?supplier_id=${s.org.id}&limit=100`, { token: s.owner.token });
    const bySlug = Object.fromEntries((list.body.items as any[]).map((c) => [c.slug, c]));
    expect(Object.keys(bySlug).sort()).toEqual(['apple-ipads', 'electronics', 'groceries', 'smart-watches', 'tablets']);
    expect(bySlug['smart-watches'].parent_id).toBe(bySlug.electronics.id);
    expect(bySlug['apple-ipads'].parent_id).toBe(bySlug.tablets.id);
    expect(bySlug.electronics.parent_id).toBeNull();
    expect(bySlug['apple-ipads'].description).toBe('Apple tablets; the "Pro" and "Air" lines');
    expect(bySlug['smart-watches'].description).toBe('Watches that pair with a phone, with health sensors');
  });

  it('updates by slug on re-import instead of duplicating, and moves a category', async () => {
    const s = await buildSupplier(app, { currency: 'USD' });
    await imported(s.owner.token, 'categories', fixture('categories.csv'));
    const again = await imported(s.owner.token, 'categories', fixture('categories.csv'));
    expect(again.summary).toEqual({ categories_created: 0, categories_updated: 0, categories_unchanged: 5 });
    const moved = await imported(s.owner.token, 'categories', 'slug,name,parent_slug\ntablets,Tablets & e-readers,\nkids,Kids,groceries\n');
    expect(moved.summary).toEqual({ categories_created: 1, categories_updated: 1, categories_unchanged: 0 });
    expect(await count('categories', s.org.id)).toBe(6);
    const list = (await call(app, 'GET', `/api/v1/categories?supplier_id=${s.org.id}&limit=100`, { token: s.owner.token })).body.items as any[];
    const tablets = list.find((c) => c.slug === 'tablets');
    expect(tablets).toMatchObject({ name: 'Tablets & e-readers', parent_id: null });
    // The description column was absent: the description stayed.
    expect(list.find((c) => c.slug === 'smart-watches').description).toBe('Watches that pair with a phone, with health sensors');
  });

  it('rejects unknown parents, cycles, bad and duplicate slugs, every one reported (422), and writes nothing', async () => {
    const s = await buildSupplier(app, { currency: 'USD' });
    await imported(s.owner.token, 'categories', 'slug,name,parent_slug\nroot,Root,\nchild,Child,root\n');
    const before = await snapshot(s.org.id);
    const bad =
      'slug,name,parent_slug,description\n' +
      'a,A,b,\n' + // 2: a → b → a
      'b,B,a,\n' + // 3
      'root,Root,child,\n' + // 4: root → child → root (child is in the database)
      'Bad Slug,Bad,,\n' + // 5
      'x,,,\n' + // 6: no name
      'y,Y,nowhere,\n' + // 7: unknown parent
      'y,Y again,,\n' + // 8: duplicate
      'z,Z,z,\n'; // 9: own parent
    const res = await upload(s.owner.token, 'categories', bad);
    const p = expectProblem(res, 422, 'VALIDATION_FAILED');
    const paths = (p.errors as any[]).map((e) => e.path);
    expect(paths).toEqual([
      'line 2/parent_slug',
      'line 3/parent_slug',
      'line 4/parent_slug',
      'line 5/slug',
      'line 6/name',
      'line 7/parent_slug',
      'line 8/slug',
      'line 9/parent_slug',
    ]);
    expect(p.errors[0].message).toContain('cycle');
    expect(p.details).toMatchObject({ kind: 'categories', row_count: 8, error_count: 8 });
    expect(await snapshot(s.org.id)).toEqual(before);
    const run = await call(app, 'GET', `/api/v1/imports/${p.details.import_run_id}`, { token: s.owner.token });
    expect(run.body).toMatchObject({ status: 'failed', row_count: 8, error_count: 8, summary: {} });
    expect(run.body.errors[0]).toEqual({ line: 2, column: 'parent_slug', message: expect.stringContaining('cycle') });
  });
});

describe('POST /imports: products', () => {
  it("imports products with stock per location, in the supplier's currency, visible through GET /products", async () => {
    const s = await buildSupplier(app, { currency: 'USD' });
    await imported(s.owner.token, 'categories', fixture('categories.csv'));
    const run = await imported(s.owner.token, 'products', fixture('products.csv'));
    expect(run).toMatchObject({ status: 'succeeded', row_count: 4 });
    expect(run.summary).toEqual({
      products_created: 4,
      products_updated: 0,
      products_unchanged: 0,
      locations_created: 1,
      stock_levels_created: 7,
      stock_levels_updated: 0,
      stock_movements: 6,
    });
    const products = await productsOf(s);
    expect(products['WATCH-10']).toMatchObject({
      name: 'Watch Series 10',
      description: 'GPS, 42 mm case',
      price: '329.50',
      cost_price: '255.00',
      currency: 'USD',
      unit: 'each',
      image_url: 'https://example.com/watch.jpg',
      is_active: true,
      attributes: { colour: 'silver' },
      stock: { on_hand: 45, reserved: 0, available: 45 },
    });
    expect(products['IPAD-256']).toMatchObject({ price: '1580.00', is_active: false, description: 'Space Gray', stock: { on_hand: 3 } });
    expect(products.APPLES).toMatchObject({ unit: 'kg', price: '12.90', cost_price: null, stock: { on_hand: 150 } });
    const categories = (await call(app, 'GET', `/api/v1/categories?supplier_id=${s.org.id}&limit=100`, { token: s.owner.token })).body.items as any[];
    expect(products['IPAD-64'].category_id).toBe(categories.find((c) => c.slug === 'apple-ipads').id);

    const locations = await queryRows<{ name: string; kind: string; is_default: boolean }>(
      database.db,
      sql`
      select name, kind, is_default from stock_locations where supplier_id = ${s.org.id} order by name`,
    );
    expect(locations).toEqual([
      { name: 'Dizengoff branch', kind: 'branch', is_default: false },
      { name: 'Main warehouse', kind: 'warehouse', is_default: true },
    ]);
    const levels = await queryRows<{ name: string; on_hand: number; reserved: number; reorder_point: number }>(
      database.db,
      sql`
      select l.name, sl.on_hand, sl.reserved, sl.reorder_point from stock_levels sl join stock_locations l on l.id = sl.location_id
       where sl.product_id = ${products['WATCH-10'].id} order by l.name`,
    );
    expect(levels).toEqual([
      { name: 'Dizengoff branch', on_hand: 5, reserved: 0, reorder_point: 0 },
      { name: 'Main warehouse', on_hand: 40, reserved: 0, reorder_point: 10 },
    ]);
    const movements = await queryRows<{ reason: string; note: string; on_hand_after: number; actor_id: string }>(
      database.db,
      sql`
      select reason, note, on_hand_after, actor_id from stock_movements where product_id = ${products['WATCH-10'].id} order by on_hand_after`,
    );
    expect(movements).toEqual([
      { reason: 'initial', note: `import ${run.id}`, on_hand_after: 5, actor_id: s.owner.id },
      { reason: 'initial', note: `import ${run.id}`, on_hand_after: 40, actor_id: s.owner.id },
    ]);
  });

  it('updates by SKU on re-import: unchanged rows stay, changes write adjustment movements', async () => {
    const s = await supplierWithCatalog();
    const same = await imported(s.manager.token, 'products', fixture('products.csv'));
    expect(same.summary).toMatchObject({ products_created: 0, products_updated: 0, products_unchanged: 4, stock_movements: 0, locations_created: 0 });
    const changed = await imported(s.owner.token, 'products', 'sku,price,name,stock:main WAREHOUSE\nWATCH-10,299.99,Watch Series 10,35\nNEW-1,1.00,New one,\n');
    expect(changed.summary).toEqual({
      products_created: 1,
      products_updated: 1,
      products_unchanged: 0,
      locations_created: 0,
      stock_levels_created: 0,
      stock_levels_updated: 1,
      stock_movements: 1,
    });
    expect(await count('products', s.org.id)).toBe(5);
    const products = await productsOf(s);
    // Columns absent from the file are left alone.
    expect(products['WATCH-10']).toMatchObject({ price: '299.99', description: 'GPS, 42 mm case', cost_price: '255.00', stock: { on_hand: 40 } });
    expect(products['NEW-1']).toMatchObject({ price: '1.00', unit: 'each', is_active: true, description: null, stock: { on_hand: 0 } });
    const [m] = await queryRows<{ reason: string; on_hand_before: number; on_hand_after: number; note: string }>(
      database.db,
      sql`
      select reason, on_hand_before, on_hand_after, note from stock_movements where product_id = ${products['WATCH-10'].id} and reason = 'adjustment'`,
    );
    expect(m).toEqual({ reason: 'adjustment', on_hand_before: 40, on_hand_after: 35, note: `import ${changed.id}` });
  });

  it('reports every bad row with its line and column (422) and writes nothing', async () => {
    const s = await buildSupplier(app, { currency: 'USD' });
    await imported(s.owner.token, 'categories', fixture('categories.csv'));
    const before = await snapshot(s.org.id);
    const p = expectProblem(await upload(s.owner.token, 'products', fixture('products-bad.csv')), 422, 'VALIDATION_FAILED');
    expect((p.errors as any[]).map((e) => e.path)).toEqual([
      'line 3/sku',
      'line 4/price',
      'line 5/category_slug',
      'line 6/sku',
      'line 7/price',
      'line 7/cost_price',
      'line 7/category_slug',
      'line 7/is_active',
      'line 7/attributes',
      'line 7/stock:Main warehouse',
    ]);
    const byPath = Object.fromEntries((p.errors as any[]).map((e) => [e.path, e.message]));
    expect(byPath['line 3/sku']).toBe('is required');
    expect(byPath['line 4/price']).toBe('must have at most 2 decimals for USD');
    expect(byPath['line 5/category_slug']).toContain('no-such-category');
    expect(byPath['line 6/sku']).toContain('line 2');
    expect(byPath['line 7/price']).toBe('must be 0 or more');
    expect(p.detail).toBe('The file has 10 problems; nothing was imported');
    expect(await snapshot(s.org.id)).toEqual(before);
    // The failed run is recorded, outside the rolled-back transaction.
    const runs = await call(app, 'GET', '/api/v1/imports', { token: s.owner.token });
    expect(runs.status).toBe(200);
    expect(runs.body.items[0]).toMatchObject({ id: p.details.import_run_id, kind: 'products', status: 'failed', row_count: 6, error_count: 10 });
    expect(runs.body.items[0].errors).toBeUndefined();
    expect(runs.body.total).toBe(2);
  });

  it('reports header problems, bad widths and bad CSV at their lines', async () => {
    const s = await buildSupplier(app, { currency: 'USD' });
    const header = expectProblem(await upload(s.owner.token, 'products', 'sku,name,colour,stock:,sku\nA,B,C,1,A\n'), 422);
    expect((header.errors as any[]).map((e) => e.path).sort()).toEqual(['line 1/colour', 'line 1/price', 'line 1/sku', 'line 1/stock:']);
    const width = expectProblem(
      await upload(s.owner.token, 'products', 'sku,name,price,description\nA,Apple,1.00,\nB,Banana,1,00,\nC,Cherry,2.00,"on\ntwo lines"\nD,Date\n'),
      422,
    );
    expect(width.errors).toEqual([
      { path: 'line 3', message: expect.stringContaining('5 cells') },
      { path: 'line 6', message: expect.stringContaining('2 cells') },
    ]);
    const quotes = expectProblem(await upload(s.owner.token, 'products', 'sku,name,price\nA,"Apple" pie,1.00\n'), 422);
    expect(quotes.errors[0].path).toBe('line 2');
    const empty = expectProblem(await upload(s.owner.token, 'products', ''), 422);
    expect(empty.errors).toEqual([{ path: 'line 1', message: 'the file is empty: a header row is required' }]);
    const latin1 = expectProblem(await upload(s.owner.token, 'products', Buffer.from('sku,name,price\nA,Caf\xe9,1.00\n', 'latin1')), 422);
    expect(latin1.errors[0]).toEqual({ path: 'line 2', message: expect.stringContaining('UTF-8') });
    expect(await count('products', s.org.id)).toBe(0);
  });

  it('turns hostile cells into problems, never a 500', async () => {
    const s = await buildSupplier(app, { currency: 'USD' });
    const deep = `${'{"a":'.repeat(30)}1${'}'.repeat(30)}`;
    const csv =
      'sku,name,price,attributes,stock:X\n' +
      'A,Nul\u0000name,1,,\n' + // 2
      `B,Escaped nul,1,"{""a"":""\\u0000""}",\n` + // 3
      `C,Lone surrogate,1,"{""a"":""\\ud800""}",\n` + // 4
      `D,Deep,1,"${deep.replaceAll('"', '""')}",\n` + // 5
      `E,${'x'.repeat(201)},1e3,[],99999999999\n` + // 6
      'F,Big,1000000000000000,,-0\n'; // 7
    const p = expectProblem(await upload(s.owner.token, 'products', csv), 422);
    expect((p.errors as any[]).map((e) => e.path)).toEqual([
      'line 2/name',
      'line 3/attributes',
      'line 4/attributes',
      'line 5/attributes',
      'line 6/name',
      'line 6/price',
      'line 6/attributes',
      'line 6/stock:X',
      'line 7/price',
      'line 7/stock:X',
    ]);
    expect(await count('products', s.org.id)).toBe(0);
  });

  it('refuses a stock figure below what open orders reserve at that location', async () => {
    const s = await supplierWithCatalog({ catalog_visibility: 'public' });
    const shopper = await registerUser(app);
    const products = await productsOf(s);
    const order = await call(app, 'POST', '/api/v1/orders', {
      token: shopper.token,
      body: { supplier_id: s.org.id, items: [{ product_id: products.APPLES.id, quantity: 4 }] },
    });
    expect(order.status).toBe(201);
    // The order reserved 4 at the default location (100 on hand).
    const p = expectProblem(await upload(s.owner.token, 'products', 'sku,name,price,stock:Main warehouse\nAPPLES,Apples Gala,12.90,3\n'), 422);
    expect(p.errors).toEqual([{ path: 'line 2/stock:Main warehouse', message: '3 is below the 4 units reserved by open orders at Main warehouse' }]);
    const ok = await imported(s.owner.token, 'products', 'sku,name,price,stock:Main warehouse\nAPPLES,Apples Gala,12.90,4\n');
    expect(ok.summary).toMatchObject({ stock_levels_updated: 1, stock_movements: 1 });
    expect((await productsOf(s)).APPLES.stock).toEqual({ on_hand: 54, reserved: 4, available: 50 });
  });

  it('imports 10,000 products in one run', async () => {
    const s = await buildSupplier(app, { currency: 'USD' });
    const lines = ['sku,name,description,price,cost_price,unit,is_active,attributes,stock:Main warehouse,stock:North'];
    for (let i = 0; i < 10_000; i++)
      lines.push(
        `BULK-${String(i).padStart(5, '0')},Product ${i},"Bulk item ${i}, boxed",${(i % 500) + 1}.99,1.50,each,true,"{""n"":${i}}",${i % 50},${i % 7}`,
      );
    const started = Date.now();
    const run = await imported(s.owner.token, 'products', `${lines.join('\n')}\n`);
    const seconds = (Date.now() - started) / 1000;
    expect(run.summary).toMatchObject({ products_created: 10_000, locations_created: 1, stock_levels_created: 20_000 });
    expect(await count('products', s.org.id)).toBe(10_000);
    console.info(`imports: 10,000 products imported in ${seconds.toFixed(1)} s on ${database.kind}`);
    const again = await imported(s.owner.token, 'products', `${lines.join('\n')}\n`);
    expect(again.summary).toMatchObject({ products_unchanged: 10_000, stock_movements: 0 });
    const exported = await call(app, 'GET', `/api/v1/products/export.csv?supplier_id=${s.org.id}`, { token: s.owner.token });
    expect(exported.status).toBe(200);
    expect((parse(exported.body) as string[][]).length).toBe(10_001);
  }, 180_000);
});

describe('POST /imports: historical orders', () => {
  it('imports orders with their lines, customers and channels, visible through GET /orders, without moving stock', async () => {
    const s = await supplierWithCatalog();
    const prefix = `FX${uniq()}`;
    const before = await productsOf(s);
    const run = await imported(s.owner.token, 'orders', ordersFixture(prefix));
    expect(run.summary).toEqual({ orders_created: 3, order_lines_created: 4, customers_created: 2, channels_created: 2 });
    const list = await call(app, 'GET', `/api/v1/orders?supplier_id=${s.org.id}&limit=100`, { token: s.owner.token });
    expect(list.body.total).toBe(3);
    const byNumber = Object.fromEntries((list.body.items as any[]).map((o) => [o.number, o]));
    expect(byNumber[`${prefix}-1001`]).toMatchObject({
      status: 'completed',
      stock_state: 'none',
      currency: 'USD',
      subtotal: '1259.00',
      tax_total: '1.20',
      shipping_total: '0.99',
      discount_total: '0.00',
      total: '1261.19',
      created_at: '2025-05-18T15:53:32.000Z',
      placed_by: s.owner.id,
      consumer: null,
      line_count: 2,
    });
    expect(byNumber[`${prefix}-1002`]).toMatchObject({ status: 'pending', total: '38.70', created_at: '2025-05-19T04:00:00.000Z' });
    expect(byNumber[`${prefix}-1003`]).toMatchObject({ status: 'cancelled', total: '1575.00', discount_total: '5.00', created_at: '2025-05-20T00:00:00.000Z' });
    const one = await call(app, 'GET', `/api/v1/orders/${byNumber[`${prefix}-1001`].id}`, { token: s.owner.token });
    expect(one.body.lines.map((l: any) => [l.sku, l.name, l.unit_price, l.quantity, l.line_total])).toEqual([
      ['WATCH-10', 'Watch Series 10', '329.50', 2, '659.00'],
      ['IPAD-64', 'iPad 10.2-inch 64GB', '600.00', 1, '600.00'],
    ]);
    expect(one.body.status_history).toEqual([
      { from_status: null, to_status: 'completed', note: `import ${run.id}`, actor_id: s.owner.id, created_at: '2025-05-18T15:53:32.000Z' },
    ]);
    const rows = await queryRows<{
      number: string;
      source: string;
      channel: string;
      customer: string | null;
      email: string | null;
      shipping_address: string | null;
    }>(
      database.db,
      sql`
      select o.number, o.source, ch.name as channel, c.name as customer, c.email, o.shipping_address
        from orders o join sales_channels ch on ch.id = o.channel_id left join customers c on c.id = o.customer_id
       where o.supplier_id = ${s.org.id} order by o.number`,
    );
    expect(rows).toEqual([
      {
        number: `${prefix}-1001`,
        source: 'import',
        channel: 'Web shop',
        customer: 'Haris Iqbal',
        email: 'haris@example.com',
        shipping_address: 'Karachi, Sindh',
      },
      {
        number: `${prefix}-1002`,
        source: 'import',
        channel: 'Default',
        customer: 'Haris Iqbal',
        email: 'haris@example.com',
        shipping_address: 'Karachi, Sindh',
      },
      { number: `${prefix}-1003`, source: 'import', channel: 'Counter', customer: 'Walk-in', email: null, shipping_address: null },
    ]);
    // Historical orders never move stock.
    const after = await productsOf(s);
    for (const sku of Object.keys(before)) expect(after[sku].stock).toEqual(before[sku].stock);
  });

  it('reports every bad row (422), including taken order numbers, and writes nothing', async () => {
    const s = await supplierWithCatalog();
    const prefix = `FX${uniq()}`;
    await imported(s.owner.token, 'orders', ordersFixture(prefix));
    const before = await snapshot(s.org.id);
    const bad =
      'order_number,created_at,status,sku,quantity,unit_price,tax_total,customer_email\n' +
      `${prefix}-1001,2025-05-18T10:00:00Z,pending,WATCH-10,1,329.50,,\n` + // 2: number taken
      `${prefix}-2,2025-05-18T10:00:00Z,shipped_out,NOPE,0,1.5.0,,\n` + // 3: status, sku, quantity, price
      `${prefix}-3,2025-05-18 10:00,pending,WATCH-10,1.5,329.50,,\n` + // 4: no time zone, fractional quantity
      `${prefix}-4,2025-05-18,pending,WATCH-10,1,329.50,1.00,a@example.com\n` + // 5: email without a customer name
      `${prefix}-4,2025-05-19,pending,IPAD-64,1,600.00,2.00,\n` + // 6: created_at and tax_total differ
      `${prefix}-4,,,WATCH-10,2,329.50,,\n` + // 7: SKU twice in one order
      `${prefix}-5,2999-01-01,pending,APPLES,1,12.90,,\n` + // 8: in the future
      `${prefix}-6,,,APPLES,1,12.90,,\n`; // 9: no created_at, no status
    const p = expectProblem(await upload(s.owner.token, 'orders', bad), 422);
    expect((p.errors as any[]).map((e) => e.path)).toEqual([
      'line 2/order_number',
      'line 3/status',
      'line 3/quantity',
      'line 3/unit_price',
      'line 3/sku',
      'line 4/created_at',
      'line 4/quantity',
      'line 5/customer_name',
      'line 6/created_at',
      'line 6/tax_total',
      'line 7/sku',
      'line 8/created_at',
      'line 9/created_at',
      'line 9/status',
    ]);
    const byPath = Object.fromEntries((p.errors as any[]).map((e) => [e.path, e.message]));
    expect(byPath['line 2/order_number']).toContain('already taken');
    expect(byPath['line 3/status']).toContain('pending, accepted');
    expect(byPath['line 3/sku']).toContain('NOPE');
    expect(byPath['line 4/created_at']).toContain('time zone');
    expect(byPath['line 6/created_at']).toContain('line 5');
    expect(byPath['line 8/created_at']).toBe('must not be in the future');
    expect(await snapshot(s.org.id)).toEqual(before);
  });
});

describe('order numbers are per supplier', () => {
  it("refuses imported numbers of the generated form ORD-<digits>, so an import cannot block any supplier's next orders", async () => {
    const a = await supplierWithCatalog();
    const b = await supplierWithCatalog({ catalog_visibility: 'public' });
    const [next] = await queryRows<{ n: string }>(database.db, sql`select last_value + 1 as n from order_number_seq`);
    const numbers = [0, 1, 2, 3, 4].map((i) => `ORD-${Number(next.n) + i}`);
    const csv =
      'order_number,created_at,status,sku,quantity,unit_price\n' +
      numbers.map((n) => `${n},2025-05-18T10:00:00Z,completed,WATCH-10,1,329.50`).join('\n') +
      '\n';
    const before = await snapshot(a.org.id);
    const p = expectProblem(await upload(a.owner.token, 'orders', csv), 422);
    expect((p.errors as any[]).map((e) => e.path)).toEqual(numbers.map((_, i) => `line ${i + 2}/order_number`));
    expect(p.errors[0].message).toContain('reserved for the numbers Agora generates');
    expect(await snapshot(a.org.id)).toEqual(before);
    // Both suppliers go on placing orders, with generated numbers.
    const shopper = await registerUser(app);
    const watchB = (await productsOf(b))['WATCH-10'];
    for (let i = 0; i < 3; i++) {
      const res = await call(app, 'POST', '/api/v1/orders', {
        token: shopper.token,
        body: { supplier_id: b.org.id, items: [{ product_id: watchB.id, quantity: 1 }] },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.number).toMatch(/^ORD-\d+$/);
    }
  });

  it('lets two suppliers import the same order number; the same supplier twice is 422', async () => {
    const a = await supplierWithCatalog();
    const b = await supplierWithCatalog();
    const prefix = `SHARED${uniq()}`;
    await imported(a.owner.token, 'orders', ordersFixture(prefix));
    const run = await imported(b.owner.token, 'orders', ordersFixture(prefix));
    expect(run.summary.orders_created).toBe(3);
    const p = expectProblem(await upload(a.owner.token, 'orders', ordersFixture(prefix)), 422);
    expect(p.errors[0]).toMatchObject({ path: 'line 2/order_number' });
    expect(p.errors[0].message).toContain('already taken by another order of this supplier');
  });
});

describe('GET /products/export.csv', () => {
  it('exports in the import format, and export → import round-trips', async () => {
    const s = await supplierWithCatalog();
    const res = await call(app, 'GET', `/api/v1/products/export.csv?supplier_id=${s.org.id}`, { token: s.sales.token });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(String(res.headers['content-disposition'])).toMatch(/^attachment; filename="products-[\w-]+-\d{4}-\d{2}-\d{2}\.csv"$/);
    const rows = parse(res.body) as string[][];
    expect(rows[0]).toEqual([
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
      'stock:Main warehouse',
      'stock:Dizengoff branch',
      'reorder_point:Main warehouse',
      'reorder_point:Dizengoff branch',
    ]);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['APPLES', 'IPAD-256', 'IPAD-64', 'WATCH-10']);
    expect(rows[4]).toEqual([
      'WATCH-10',
      'Watch Series 10',
      'GPS, 42 mm case',
      '329.50',
      '255.00',
      '349.00',
      'smart-watches',
      'each',
      'https://example.com/watch.jpg',
      'true',
      '{"colour":"silver"}',
      '40',
      '5',
      '10',
      '0',
    ]);
    expect(rows[3][12]).toBe(''); // IPAD-64 has no level at the branch

    // Into the same supplier: nothing changes.
    const same = await imported(s.owner.token, 'products', res.body);
    expect(same.summary).toMatchObject({ products_unchanged: 4, stock_movements: 0, stock_levels_updated: 0, stock_levels_created: 0 });
    // Into another supplier (same categories): it exports the same file.
    const t = await buildSupplier(app, { currency: 'USD' });
    await imported(t.owner.token, 'categories', fixture('categories.csv'));
    await imported(t.owner.token, 'products', res.body);
    const back = await call(app, 'GET', '/api/v1/products/export.csv', { token: t.owner.token });
    expect(back.body).toBe(res.body);
  });

  it("answers 403 without products:read and 404 for another tenant's supplier", async () => {
    const s = await supplierWithCatalog();
    const other = await buildSupplier(app);
    const consumer = await buildConsumer(app);
    expectProblem(await call(app, 'GET', `/api/v1/products/export.csv?supplier_id=${s.org.id}`, { token: consumer.buyer.token }), 403);
    expectProblem(await call(app, 'GET', `/api/v1/products/export.csv?supplier_id=${s.org.id}`, { token: other.owner.token }), 404);
    expectProblem(await call(app, 'GET', '/api/v1/products/export.csv?supplier_id=nope', { token: s.owner.token }), 422);
    expectProblem(await call(app, 'GET', `/api/v1/products/export.csv?supplier_id=${s.org.id}`), 401);
  });
});

describe('POST /imports: access and bad requests', () => {
  it("refuses roles without imports:run (403) and other tenants' suppliers (404), writing nothing", async () => {
    const s = await buildSupplier(app, { currency: 'USD' });
    const other = await buildSupplier(app, { currency: 'USD' });
    const consumer = await buildConsumer(app);
    const csv = fixture('categories.csv');
    expectProblem(await upload(s.sales.token, 'categories', csv), 403);
    expectProblem(await upload(s.employee.token, 'categories', csv), 403);
    expectProblem(await upload(consumer.buyer.token, 'categories', csv), 403);
    expectProblem(await upload(other.owner.token, 'categories', csv, { supplierId: s.org.id }), 404);
    expectProblem(await upload(consumer.owner.token, 'categories', csv, { supplierId: consumer.org.id }), 404);
    expect(await count('categories', s.org.id)).toBe(0);
    expect(await count('import_runs', s.org.id)).toBe(0);
    const run = await imported(s.owner.token, 'categories', csv);
    expectProblem(await call(app, 'GET', `/api/v1/imports/${run.id}`, { token: other.owner.token }), 404);
    expectProblem(await call(app, 'GET', `/api/v1/imports/${run.id}`, { token: s.sales.token }), 403);
    expectProblem(await call(app, 'GET', `/api/v1/imports?supplier_id=${s.org.id}`, { token: other.owner.token }), 404);
  });

  it('answers 422 for a bad or missing kind, a bad supplier_id or a missing file, and 415 when not multipart', async () => {
    const s = await buildSupplier(app, { currency: 'USD' });
    const send = (fields: Record<string, string>, file?: { content: string; field?: string }) => {
      const { payload, contentType } = multipart(fields, file);
      return call(app, 'POST', '/api/v1/imports', { token: s.owner.token, body: payload, headers: { 'content-type': contentType } });
    };
    const csv = { content: 'slug,name\na,A\n' };
    expect(expectProblem(await send({ kind: 'customers' }, csv), 422).errors).toEqual([
      { path: 'body/kind', message: 'must be one of categories, products, orders' },
    ]);
    expect(expectProblem(await send({}, csv), 422).errors[0].path).toBe('body/kind');
    expect(expectProblem(await send({ kind: 'categories', supplier_id: 'x' }, csv), 422).errors[0].path).toBe('body/supplier_id');
    expect(expectProblem(await send({ kind: 'categories' }), 422).errors).toEqual([{ path: 'body/file', message: expect.stringContaining('required') }]);
    expect(expectProblem(await send({ kind: 'categories' }, { ...csv, field: 'upload' }), 422).errors.map((e: any) => e.path)).toEqual([
      'body/upload',
      'body/file',
    ]);
    expectProblem(await call(app, 'POST', '/api/v1/imports', { token: s.owner.token, body: { kind: 'categories' } }), 415);
    const broken = await call(app, 'POST', '/api/v1/imports', {
      token: s.owner.token,
      body: '--x\r\nnot a part',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
    });
    expect(broken.status).toBeGreaterThanOrEqual(400);
    expect(broken.status).toBeLessThan(500);
    expectProblem(await call(app, 'POST', '/api/v1/imports', { body: multipart({ kind: 'categories' }, csv).payload }), 401);
    expect(await count('categories', s.org.id)).toBe(0);
  });

  it('answers 413 for a file over 20 MB', async () => {
    const s = await buildSupplier(app, { currency: 'USD' });
    const big = Buffer.alloc(20 * 1024 * 1024 + 10, 'a');
    expectProblem(await upload(s.owner.token, 'products', big), 413);
  });
});

describe('npm run import (command line)', () => {
  it('imports through the same service against a PGlite directory, inferring the kind, and exits 1 with every problem', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'agora-import-')), 'db');
    const env = { ...process.env, NODE_ENV: 'test' as const, DATABASE_URL: `pglite://${dir}`, LOG_LEVEL: 'silent' };
    const prepared = await openAndPrepareDatabase(loadConfig(env, { loadDemo: false }), STARTUP_HOOKS);
    const slug = `cli-store-${uniq()}`;
    await prepared.db.insert(organizations).values({ type: 'supplier', name: 'CLI Store', slug, currency: 'USD' });
    await prepared.close();

    const out: string[] = [];
    const io = { out: (l: string) => void out.push(l), err: (l: string) => void out.push(l) };
    expect(await importCli(['--supplier', slug, path.join(FIXTURES, 'categories.csv')], env, io)).toBe(0);
    expect(await importCli(['--supplier', slug, path.join(FIXTURES, 'products.csv')], env, io)).toBe(0);
    expect(out.join('\n')).toContain('products_created: 4');
    const bad = path.join(path.dirname(dir), 'bad.csv');
    writeFileSync(bad, 'sku,name,price\nA,Apple,1.001\n,Nameless,1\n');
    expect(await importCli(['--supplier', slug, bad], env, io)).toBe(1);
    expect(out.slice(-3)).toEqual([
      expect.stringMatching(/^import: .*bad\.csv rejected with 2 problems; nothing was imported \(run [0-9a-f-]{36}\)$/),
      '  line 2, price: must have at most 2 decimals for USD',
      '  line 3, sku: is required',
    ]);
    expect(await importCli(['--supplier', 'no-such-supplier', bad], env, io)).toBe(1);
    expect(await importCli([bad], env, io)).toBe(1);

    const check = await openAndPrepareDatabase(loadConfig(env, { loadDemo: false }), STARTUP_HOOKS);
    try {
      const rows = await queryRows<{ products: number; runs: number; failed: number; by: string | null }>(
        check.db,
        sql`
        select (select count(*)::int from products) as products, (select count(*)::int from import_runs) as runs,
               (select count(*)::int from import_runs where status = 'failed') as failed,
               (select max(created_by::text) from import_runs) as by`,
      );
      expect(rows[0]).toEqual({ products: 4, runs: 3, failed: 1, by: null });
    } finally {
      await check.close();
    }

    // The real command, as a process: exit code and report.
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/import.ts'), '--supplier', slug, '--kind', 'products', bad], {
      env,
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(child.status).toBe(1);
    expect(child.stderr).toContain('line 2, price: must have at most 2 decimals for USD');
    rmSync(path.dirname(dir), { recursive: true, force: true });
  }, 180_000);
});
