import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { buildConsumer, buildSupplier, call, createTestApp, expectProblem, uniq } from '../../../test/helpers.js';
import { buildProduct } from '../../../test/factories.js';
import { queryRows } from '../../infra/db/client.js';
import { inTransaction, type Ctx } from '../../infra/context.js';
import { ensureDefaultLocation } from '../stock/index.js';

const { app, database, config } = await createTestApp();

type Supplier = Awaited<ReturnType<typeof buildSupplier>>;

const movementCount = async (productId: string) =>
  Number((await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from stock_movements where product_id = ${productId}`))[0].n);

/** Simulates an order's reservation (the orders module does this for real). */
const reserve = (productId: string, reserved: number) =>
  database.db.execute(sql`update stock_levels set reserved = ${reserved} where product_id = ${productId}`);

describe('ensureDefaultLocation', () => {
  it('creates the default location once, even when asked concurrently', async () => {
    const s = await buildSupplier(app);
    const ctx = { db: database.db, actor: null, config } as unknown as Ctx;
    const results = await Promise.all([1, 2, 3, 4].map(() => inTransaction(ctx, (tx) => ensureDefaultLocation(tx, s.org.id))));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results[0].name).toBe('Main warehouse');
    const rows = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from stock_locations where supplier_id = ${s.org.id}`);
    expect(Number(rows[0].n)).toBe(1);
  });
});

describe('GET /products/{id}/inventory', () => {
  it('answers totals and locations to staff', async () => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s, { stock: 12 });
    const res = await call(app, 'GET', `/api/v1/products/${p.id}/inventory`, { token: s.employee.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ product_id: p.id, sku: p.sku, on_hand: 12, reserved: 0, available: 12 });
    expect(res.body.locations).toEqual([
      { location_id: expect.any(String), name: 'Main warehouse', is_default: true, on_hand: 12, reserved: 0, available: 12, reorder_point: 0 },
    ]);
  });

  it('hides the inventory from other suppliers and consumers (404), 401 anonymous', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const c = await buildConsumer(app);
    const p = await buildProduct(app, s, { stock: 1 });
    expectProblem(await call(app, 'GET', `/api/v1/products/${p.id}/inventory`, { token: other.owner.token }), 404);
    expectProblem(await call(app, 'GET', `/api/v1/products/${p.id}/inventory`, { token: c.owner.token }), 404);
    expectProblem(await call(app, 'GET', `/api/v1/products/${p.id}/inventory/movements`, { token: other.manager.token }), 404);
    expectProblem(await call(app, 'GET', `/api/v1/products/${p.id}/inventory`), 401);
    expectProblem(await call(app, 'GET', '/api/v1/products/0190a0a0-0000-7000-8000-000000000000/inventory', { token: s.owner.token }), 404);
  });
});

describe('PATCH /products/{id}/inventory', () => {
  it('restocks by delta and sets on_hand, creating the default location and level on first use', async () => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s, { stock: null });
    const url = `/api/v1/products/${p.id}/inventory`;
    const before = await call(app, 'GET', url, { token: s.owner.token });
    expect(before.body).toMatchObject({ on_hand: 0, reserved: 0, available: 0 });

    const restock = await call(app, 'PATCH', url, { token: s.manager.token, body: { delta: 10, reason: 'restock', note: 'truck 1' } });
    expect(restock.status).toBe(200);
    expect(restock.body).toMatchObject({ on_hand: 10, reserved: 0, available: 10 });
    expect(restock.body.locations).toHaveLength(1);
    expect(restock.body.locations[0]).toMatchObject({ name: 'Main warehouse', is_default: true, on_hand: 10 });

    const set = await call(app, 'PATCH', url, { token: s.owner.token, body: { on_hand: 4, reason: 'adjustment' } });
    expect(set.body).toMatchObject({ on_hand: 4, available: 4 });
    const back = await call(app, 'PATCH', url, { token: s.owner.token, body: { delta: -1, reason: 'adjustment' } });
    expect(back.body.on_hand).toBe(3);
    const ret = await call(app, 'PATCH', url, { token: s.owner.token, body: { delta: 2, reason: 'return', location_id: set.body.locations[0].location_id } });
    expect(ret.body.on_hand).toBe(5);
    // The product list shows the same stock.
    const prod = await call(app, 'GET', `/api/v1/products/${p.id}`, { token: s.owner.token });
    expect(prod.body.stock).toEqual({ on_hand: 5, reserved: 0, available: 5 });
  });

  it('refuses to go below the reserved quantity or zero with 409 STOCK_BELOW_RESERVED, writing nothing', async () => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s, { stock: 10 });
    await reserve(p.id, 6);
    const url = `/api/v1/products/${p.id}/inventory`;
    const moves = await movementCount(p.id);

    const set = expectProblem(await call(app, 'PATCH', url, { token: s.owner.token, body: { on_hand: 5, reason: 'adjustment' } }), 409, 'STOCK_BELOW_RESERVED');
    expect(set.details).toEqual({ on_hand: 10, reserved: 6 });
    const delta = expectProblem(
      await call(app, 'PATCH', url, { token: s.owner.token, body: { delta: -5, reason: 'adjustment' } }),
      409,
      'STOCK_BELOW_RESERVED',
    );
    expect(delta.details).toEqual({ on_hand: 10, reserved: 6 });

    const inv = await call(app, 'GET', url, { token: s.owner.token });
    expect(inv.body).toMatchObject({ on_hand: 10, reserved: 6, available: 4 });
    expect(await movementCount(p.id)).toBe(moves);

    // Exactly down to the reserved quantity is allowed.
    const ok = await call(app, 'PATCH', url, { token: s.owner.token, body: { delta: -4, reason: 'adjustment' } });
    expect(ok.body).toMatchObject({ on_hand: 6, reserved: 6, available: 0 });

    const q = await buildProduct(app, s, { stock: 2 });
    expectProblem(
      await call(app, 'PATCH', `/api/v1/products/${q.id}/inventory`, { token: s.owner.token, body: { delta: -3, reason: 'adjustment' } }),
      409,
      'STOCK_BELOW_RESERVED',
    );
  });

  it.each([
    ['neither on_hand nor delta', { reason: 'restock' }],
    ['both on_hand and delta', { on_hand: 3, delta: 1, reason: 'restock' }],
    ['a zero delta', { delta: 0, reason: 'restock' }],
    ['a fractional delta', { delta: 1.5, reason: 'restock' }],
    ['a negative on_hand', { on_hand: -1, reason: 'adjustment' }],
    ['an unknown reason', { delta: 1, reason: 'theft' }],
    ['a system reason', { delta: 1, reason: 'sale' }],
    ['no reason', { delta: 1 }],
  ])('rejects %s with 422 and writes nothing', async (_, body) => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s, { stock: 5 });
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${p.id}/inventory`, { token: s.owner.token, body }), 422, 'VALIDATION_FAILED');
    const inv = await call(app, 'GET', `/api/v1/products/${p.id}/inventory`, { token: s.owner.token });
    expect(inv.body.on_hand).toBe(5);
    expect(await movementCount(p.id)).toBe(1);
  });

  it('requires the location to be one of the supplier (422)', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const p = await buildProduct(app, s, { stock: 5 });
    const q = await buildProduct(app, other, { stock: 5 });
    const foreignLoc = (await call(app, 'GET', `/api/v1/products/${q.id}/inventory`, { token: other.owner.token })).body.locations[0].location_id;
    const res = await call(app, 'PATCH', `/api/v1/products/${p.id}/inventory`, {
      token: s.owner.token,
      body: { delta: 1, reason: 'restock', location_id: foreignLoc },
    });
    expect(expectProblem(res, 422).errors[0].path).toBe('body/location_id');
    expect(await movementCount(p.id)).toBe(1);
  });

  it('refuses another supplier (404) and sales or employees (403)', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const p = await buildProduct(app, s, { stock: 5 });
    const body = { delta: 1, reason: 'restock' };
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${p.id}/inventory`, { token: other.owner.token, body }), 404);
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${p.id}/inventory`, { token: s.sales.token, body }), 403);
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${p.id}/inventory`, { token: s.employee.token, body }), 403);
    expect((await call(app, 'GET', `/api/v1/products/${p.id}/inventory`, { token: s.owner.token })).body.on_hand).toBe(5);
    expect(await movementCount(p.id)).toBe(1);
  });

  it('keeps stock consistent under concurrent adjustments', async () => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s, { stock: 5 });
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        call(app, 'PATCH', `/api/v1/products/${p.id}/inventory`, { token: s.owner.token, body: { delta: -1, reason: 'adjustment' } }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(5);
    expect(results.filter((r) => r.status === 409)).toHaveLength(3);
    const moves = await call(app, 'GET', `/api/v1/products/${p.id}/inventory/movements?limit=100`, { token: s.owner.token });
    const afters = moves.body.items.filter((m: { reason: string }) => m.reason === 'adjustment').map((m: { on_hand_after: number }) => m.on_hand_after);
    expect(afters.sort()).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('GET /products/{id}/inventory/movements', () => {
  it('lists movements newest first with before/after, actor and note, paged', async () => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s, { stock: 3 });
    const url = `/api/v1/products/${p.id}/inventory`;
    await call(app, 'PATCH', url, { token: s.manager.token, body: { delta: 7, reason: 'restock', note: 'delivery' } });
    await reserve(p.id, 2);
    await call(app, 'PATCH', url, { token: s.owner.token, body: { on_hand: 8, reason: 'adjustment' } });

    const res = await call(app, 'GET', `${url}/movements`, { token: s.sales.token });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(3);
    expect(res.body.items.map((m: { reason: string }) => m.reason)).toEqual(['adjustment', 'restock', 'initial']);
    const [adj, restock, initial] = res.body.items;
    expect(adj).toMatchObject({
      product_id: p.id,
      delta_on_hand: -2,
      on_hand_before: 10,
      on_hand_after: 8,
      reserved_before: 2,
      reserved_after: 2,
      actor_id: s.owner.id,
      note: null,
      order_id: null,
    });
    expect(restock).toMatchObject({
      delta_on_hand: 7,
      on_hand_before: 3,
      on_hand_after: 10,
      reserved_before: 0,
      reserved_after: 0,
      actor_id: s.manager.id,
      note: 'delivery',
    });
    expect(initial).toMatchObject({ delta_on_hand: 3, on_hand_before: 0, on_hand_after: 3, actor_id: s.owner.id });
    expect(adj.location_id).toBe(initial.location_id);

    const page = await call(app, 'GET', `${url}/movements?limit=1&offset=1`, { token: s.owner.token });
    expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 1 });
    expect(page.body.items[0].id).toBe(restock.id);
  });
});

/* ---------- reorder point, manual reasons ---------- */

async function createLocation(s: Supplier, body: Record<string, unknown> = {}) {
  const res = await call(app, 'POST', '/api/v1/locations', { token: s.owner.token, body: { name: `Branch ${uniq()}`, kind: 'branch', ...body } });
  if (res.status !== 201) throw new Error(`create location failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; name: string };
}

describe('PATCH /products/{id}/inventory: reorder point and reasons', () => {
  it('sets the reorder point alone (no movement) or with a stock change, per location', async () => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s, { stock: 5 });
    const branch = await createLocation(s, { name: 'Branch' });
    const url = `/api/v1/products/${p.id}/inventory`;

    const alone = await call(app, 'PATCH', url, { token: s.manager.token, body: { reorder_point: 3 } });
    expect(alone.status).toBe(200);
    expect(alone.body.locations.find((l: { is_default: boolean }) => l.is_default)).toMatchObject({ on_hand: 5, reorder_point: 3 });
    expect(await movementCount(p.id)).toBe(1);

    const both = await call(app, 'PATCH', url, { token: s.owner.token, body: { delta: 2, reason: 'restock', reorder_point: 7, location_id: branch.id } });
    expect(both.status).toBe(200);
    expect(both.body.locations.find((l: { location_id: string }) => l.location_id === branch.id)).toMatchObject({ on_hand: 2, reorder_point: 7 });
    expect(both.body.locations.find((l: { is_default: boolean }) => l.is_default)).toMatchObject({ reorder_point: 3 });
    expect(await movementCount(p.id)).toBe(2);

    // A reorder point at a location without stock creates the (zero) level.
    const q = await buildProduct(app, s, { stock: null });
    const fresh = await call(app, 'PATCH', `/api/v1/products/${q.id}/inventory`, { token: s.owner.token, body: { reorder_point: 4, location_id: branch.id } });
    expect(fresh.body.locations.find((l: { location_id: string }) => l.location_id === branch.id)).toMatchObject({ on_hand: 0, reorder_point: 4 });
  });

  it.each([
    ['a negative reorder point', { reorder_point: -1 }],
    ['a fractional reorder point', { reorder_point: 1.5 }],
    ['a reason without a stock change', { reorder_point: 1, reason: 'restock' }],
    ['a note without a stock change', { reorder_point: 1, note: 'x' }],
    ['an empty body', {}],
    ['a restock that removes stock', { delta: -1, reason: 'restock' }],
    ['a return that removes stock', { delta: -1, reason: 'return' }],
    ['a restock that sets on_hand lower', { on_hand: 2, reason: 'restock' }],
    ['a restock that sets on_hand to the same', { on_hand: 5, reason: 'restock' }],
    ['a transfer reason', { delta: 1, reason: 'transfer' }],
    ['an initial reason', { delta: 1, reason: 'initial' }],
  ])('rejects %s with 422 and writes nothing', async (_, body) => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s, { stock: 5 });
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${p.id}/inventory`, { token: s.owner.token, body }), 422, 'VALIDATION_FAILED');
    const inv = await call(app, 'GET', `/api/v1/products/${p.id}/inventory`, { token: s.owner.token });
    expect(inv.body.locations[0]).toMatchObject({ on_hand: 5, reorder_point: 0 });
    expect(await movementCount(p.id)).toBe(1);
  });

  it('lets a restock set a higher on_hand and an adjustment set a lower one', async () => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s, { stock: 5 });
    const url = `/api/v1/products/${p.id}/inventory`;
    expect((await call(app, 'PATCH', url, { token: s.owner.token, body: { on_hand: 9, reason: 'restock' } })).body.on_hand).toBe(9);
    expect((await call(app, 'PATCH', url, { token: s.owner.token, body: { on_hand: 1, reason: 'adjustment' } })).body.on_hand).toBe(1);
  });

  it('refuses the reorder point to sales and employees (403) and other suppliers (404)', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const p = await buildProduct(app, s, { stock: 5 });
    const url = `/api/v1/products/${p.id}/inventory`;
    expectProblem(await call(app, 'PATCH', url, { token: s.sales.token, body: { reorder_point: 2 } }), 403);
    expectProblem(await call(app, 'PATCH', url, { token: s.employee.token, body: { reorder_point: 2 } }), 403);
    expectProblem(await call(app, 'PATCH', url, { token: other.owner.token, body: { reorder_point: 2 } }), 404);
    expect((await call(app, 'GET', url, { token: s.owner.token })).body.locations[0].reorder_point).toBe(0);
  });
});

/* ---------- stock levels list ---------- */

type LevelRow = {
  product: { id: string; sku: string; name: string };
  location: { id: string; name: string };
  on_hand: number;
  reserved: number;
  available: number;
  reorder_point: number;
  low_stock: boolean;
};

describe('GET /inventory', () => {
  it('lists one row per product and location with availability and low_stock, filtered and paged', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    await buildProduct(app, other, { name: 'Apple elsewhere', stock: 1 });
    const apple = await buildProduct(app, s, { name: 'Apple', sku: `APL-${uniq()}`, stock: 10 });
    const bread = await buildProduct(app, s, { name: 'Bread', stock: 2 });
    const gone = await buildProduct(app, s, { name: 'Archived', stock: 2 });
    await call(app, 'DELETE', `/api/v1/products/${gone.id}`, { token: s.owner.token });
    const branch = await createLocation(s, { name: 'Branch' });
    await call(app, 'POST', '/api/v1/inventory/transfers', {
      token: s.owner.token,
      body: {
        from_location_id: (await call(app, 'GET', '/api/v1/locations?is_active=true&limit=1', { token: s.owner.token })).body.items[0].id,
        to_location_id: branch.id,
        lines: [{ product_id: apple.id, quantity: 3 }],
      },
    });
    await reserve(bread.id, 1);
    await call(app, 'PATCH', `/api/v1/products/${apple.id}/inventory`, { token: s.owner.token, body: { reorder_point: 3, location_id: branch.id } });
    await call(app, 'PATCH', `/api/v1/products/${bread.id}/inventory`, { token: s.owner.token, body: { reorder_point: 1 } });

    const res = await call(app, 'GET', '/api/v1/inventory', { token: s.employee.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 3, limit: 20, offset: 0 });
    const rows = res.body.items as LevelRow[];
    expect(rows.map((r) => [r.product.name, r.location.name, r.on_hand, r.reserved, r.available, r.reorder_point, r.low_stock])).toEqual([
      ['Apple', 'Main warehouse', 7, 0, 7, 0, false],
      ['Apple', 'Branch', 3, 0, 3, 3, true],
      ['Bread', 'Main warehouse', 2, 1, 1, 1, true],
    ]);
    expect(rows[0].product).toEqual({ id: apple.id, sku: apple.sku, name: 'Apple' });
    expect(rows[1].location).toEqual({ id: branch.id, name: 'Branch' });

    const names = async (query: string) =>
      ((await call(app, 'GET', `/api/v1/inventory?${query}`, { token: s.sales.token })).body.items as LevelRow[]).map(
        (r) => `${r.product.name}@${r.location.name}`,
      );
    expect(await names('low_stock=true')).toEqual(['Apple@Branch', 'Bread@Main warehouse']);
    expect(await names('low_stock=false')).toEqual(['Apple@Main warehouse']);
    expect(await names(`location_id=${branch.id}`)).toEqual(['Apple@Branch']);
    expect(await names(`product_id=${bread.id}`)).toEqual(['Bread@Main warehouse']);
    expect(await names('q=bre')).toEqual(['Bread@Main warehouse']);
    expect(await names(`q=${apple.sku.toLowerCase()}`)).toEqual(['Apple@Main warehouse', 'Apple@Branch']);
    expect(await names('q=%25')).toEqual([]);
    const page = await call(app, 'GET', '/api/v1/inventory?limit=1&offset=2', { token: s.owner.token });
    expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 2 });
    expect(page.body.items[0].product.name).toBe('Bread');
  });

  it('answers in a bounded number of queries whatever the page size', async () => {
    const s = await buildSupplier(app);
    for (let i = 0; i < 6; i++) await buildProduct(app, s, { stock: i });
    const queries = async (url: string) => {
      const before = database.queryCount();
      expect((await call(app, 'GET', url, { token: s.owner.token })).status).toBe(200);
      return database.queryCount() - before;
    };
    expect(await queries('/api/v1/inventory?limit=1')).toBe(await queries('/api/v1/inventory?limit=100'));
    expect(await queries('/api/v1/inventory/movements?limit=1')).toBe(await queries('/api/v1/inventory/movements?limit=100'));
  });

  it('refuses consumers (403), another supplier (404) and bad filters (422)', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const c = await buildConsumer(app);
    expectProblem(await call(app, 'GET', '/api/v1/inventory', { token: c.owner.token }), 403);
    expectProblem(await call(app, 'GET', '/api/v1/inventory', { token: c.buyer.token }), 403);
    expectProblem(await call(app, 'GET', `/api/v1/inventory?supplier_id=${other.org.id}`, { token: s.owner.token }), 404);
    expectProblem(await call(app, 'GET', '/api/v1/inventory?low_stock=often', { token: s.owner.token }), 422);
    expectProblem(await call(app, 'GET', '/api/v1/inventory?location_id=x', { token: s.owner.token }), 422);
    expectProblem(await call(app, 'GET', '/api/v1/inventory'), 401);
    // Another supplier's location or product as a filter shows nothing of theirs.
    const theirs = await buildProduct(app, other, { stock: 3 });
    expect((await call(app, 'GET', `/api/v1/inventory?product_id=${theirs.id}`, { token: s.owner.token })).body.total).toBe(0);
  });
});

/* ---------- movement history ---------- */

describe('GET /inventory/movements', () => {
  /** Puts a movement at a given time (the history is ordered and filtered by created_at). */
  const stamp = (id: string, at: string) => database.db.execute(sql`update stock_movements set created_at = ${at}::timestamptz where id = ${id}`);

  it("lists the supplier's movements newest first with product and location, filtered by product, location, reason and dates", async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    await buildProduct(app, other, { stock: 9 });
    const p = await buildProduct(app, s, { name: 'Milk', stock: 10 });
    const q = await buildProduct(app, s, { name: 'Eggs', stock: 4 });
    const branch = await createLocation(s, { name: 'Branch' });
    await call(app, 'PATCH', `/api/v1/products/${p.id}/inventory`, { token: s.manager.token, body: { delta: 5, reason: 'restock', note: 'truck' } });
    const t = await call(app, 'POST', '/api/v1/inventory/transfers', {
      token: s.owner.token,
      body: {
        from_location_id: (await call(app, 'GET', `/api/v1/products/${p.id}/inventory`, { token: s.owner.token })).body.locations[0].location_id,
        to_location_id: branch.id,
        lines: [{ product_id: p.id, quantity: 2 }],
      },
    });
    expect(t.status).toBe(201);

    const all = await call(app, 'GET', '/api/v1/inventory/movements', { token: s.sales.token });
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(5);
    expect(all.body.items.map((m: { reason: string; product: { name: string } }) => `${m.reason}:${m.product.name}`)).toEqual([
      'transfer:Milk',
      'transfer:Milk',
      'restock:Milk',
      'initial:Eggs',
      'initial:Milk',
    ]);
    const restock = all.body.items[2];
    expect(restock).toMatchObject({
      product_id: p.id,
      product: { id: p.id, sku: p.sku, name: 'Milk' },
      location: { name: 'Main warehouse' },
      reason: 'restock',
      delta_on_hand: 5,
      delta_reserved: 0,
      on_hand_before: 10,
      on_hand_after: 15,
      reserved_before: 0,
      reserved_after: 0,
      order_id: null,
      transfer_id: null,
      actor_id: s.manager.id,
      note: 'truck',
      created_at: expect.any(String),
    });

    const reasons = async (query: string) =>
      (
        (await call(app, 'GET', `/api/v1/inventory/movements?${query}`, { token: s.owner.token })).body.items as {
          reason: string;
          location: { name: string };
        }[]
      ).map((m) => `${m.reason}@${m.location.name}`);
    expect(await reasons('reason=transfer')).toEqual(['transfer@Branch', 'transfer@Main warehouse']);
    expect(await reasons(`location_id=${branch.id}`)).toEqual(['transfer@Branch']);
    expect(await reasons(`product_id=${q.id}`)).toEqual(['initial@Main warehouse']);
    expect(await reasons(`product_id=${p.id}&reason=initial`)).toEqual(['initial@Main warehouse']);

    // Dates: put the five movements on known days.
    const ids: string[] = all.body.items.map((m: { id: string }) => m.id);
    await stamp(ids[4], '2024-05-01T08:00:00Z');
    await stamp(ids[3], '2024-05-02T00:00:00Z');
    await stamp(ids[2], '2024-05-02T23:59:59.999Z');
    await stamp(ids[1], '2024-05-03T00:00:00Z');
    await stamp(ids[0], '2024-05-03T00:00:00Z');
    const within = async (query: string) =>
      ((await call(app, 'GET', `/api/v1/inventory/movements?${query}`, { token: s.owner.token })).body.items as { id: string }[]).map((m) => ids.indexOf(m.id));
    expect(await within('from=2024-05-02&to=2024-05-02')).toEqual([2, 3]);
    expect(await within('to=2024-05-01')).toEqual([4]);
    expect(await within('from=2024-05-03')).toEqual([0, 1]);
    expect(await within('from=2024-05-02T12:00:00Z&to=2024-05-03T00:00:00Z')).toEqual([0, 1, 2]);
    expect(await within('from=2024-05-02T02:00:00%2B03:00&to=2024-05-02T00:00')).toEqual([3]);
    expect(await within('to=2024-04-30')).toEqual([]);

    // The product route shares the filters.
    const productHistory = await call(app, 'GET', `/api/v1/products/${p.id}/inventory/movements?reason=transfer&from=2024-05-03`, { token: s.employee.token });
    expect(productHistory.body.total).toBe(2);
    expect(productHistory.body.items[0]).toMatchObject({ transfer_id: t.body.transfer_id, product: { name: 'Milk' } });
  });

  it.each([
    ['from after to', 'from=2024-05-03&to=2024-05-02', 'querystring/from'],
    ['from after a date-time to', 'from=2024-05-02T10:00:01Z&to=2024-05-02T10:00:00Z', 'querystring/from'],
    ['from at the end of a date-only to', 'from=2024-05-03T00:00:00Z&to=2024-05-02', 'querystring/from'],
    ['a day that does not exist', 'from=2024-02-30', 'querystring/from'],
    ['a malformed date', 'to=2024-5-1', 'querystring/to'],
    ['a time without a date', 'to=10:00', 'querystring/to'],
    ['an unknown reason', 'reason=theft', 'querystring/reason'],
  ])('rejects %s with 422', async (_, query, path) => {
    const s = await buildSupplier(app);
    const res = expectProblem(await call(app, 'GET', `/api/v1/inventory/movements?${query}`, { token: s.owner.token }), 422, 'VALIDATION_FAILED');
    expect(res.errors.map((e: { path: string }) => e.path)).toContain(path);
    const p = await buildProduct(app, s, { stock: 1 });
    expectProblem(await call(app, 'GET', `/api/v1/products/${p.id}/inventory/movements?${query}`, { token: s.owner.token }), 422, 'VALIDATION_FAILED');
  });

  it('accepts from equal to a date-time to, and a date-only to on the same day as from', async () => {
    const s = await buildSupplier(app);
    expect((await call(app, 'GET', '/api/v1/inventory/movements?from=2024-05-02T10:00:00Z&to=2024-05-02T10:00:00Z', { token: s.owner.token })).status).toBe(
      200,
    );
    expect((await call(app, 'GET', '/api/v1/inventory/movements?from=2024-05-02T23:00:00Z&to=2024-05-02', { token: s.owner.token })).status).toBe(200);
  });

  it("shows only the caller's supplier: consumers 403, another supplier 404, several suppliers 422", async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const c = await buildConsumer(app);
    const theirs = await buildProduct(app, other, { stock: 3 });
    await buildProduct(app, s, { stock: 1 });
    const mine = await call(app, 'GET', '/api/v1/inventory/movements', { token: s.owner.token });
    expect(mine.body.total).toBe(1);
    expect((await call(app, 'GET', `/api/v1/inventory/movements?product_id=${theirs.id}`, { token: s.owner.token })).body.total).toBe(0);
    expectProblem(await call(app, 'GET', `/api/v1/inventory/movements?supplier_id=${other.org.id}`, { token: s.owner.token }), 404);
    expectProblem(await call(app, 'GET', '/api/v1/inventory/movements', { token: c.owner.token }), 403);
    expectProblem(await call(app, 'GET', '/api/v1/inventory/movements', { token: c.buyer.token }), 403);
    await call(app, 'POST', '/api/v1/organizations', { token: s.owner.token, body: { type: 'supplier', name: `second ${uniq()}` } });
    expect(expectProblem(await call(app, 'GET', '/api/v1/inventory/movements', { token: s.owner.token }), 422).errors[0].path).toBe('querystring/supplier_id');
    expect((await call(app, 'GET', `/api/v1/inventory/movements?supplier_id=${s.org.id}`, { token: s.owner.token })).body.total).toBe(1);
  });
});
