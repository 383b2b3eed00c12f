import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { buildConsumer, buildSupplier, call, createTestApp, expectProblem, uniq } from '../../../test/helpers.js';
import { queryRows } from '../../infra/db/client.js';
import type { Ctx } from '../../infra/context.js';
import { ensureDefaultLocation } from './inventory.service.js';

const { app, database, config } = await createTestApp();

type Supplier = Awaited<ReturnType<typeof buildSupplier>>;

async function createProduct(s: Supplier, body: Record<string, unknown> = {}) {
  const res = await call(app, 'POST', '/api/v1/products', { token: s.owner.token, body: { sku: `SKU-${uniq()}`, name: 'Product', price: '10', ...body } });
  if (res.status !== 201) throw new Error(`create product failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; sku: string };
}

const movementCount = async (productId: string) =>
  Number((await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from stock_movements where product_id = ${productId}`))[0].n);

/** Simulates an order's reservation (the orders module does this for real). */
const reserve = (productId: string, reserved: number) => database.db.execute(sql`update stock_levels set reserved = ${reserved} where product_id = ${productId}`);

describe('ensureDefaultLocation', () => {
  it('creates the default location once, even when asked concurrently', async () => {
    const s = await buildSupplier(app);
    const ctx = { db: database.db, actor: null, config } as unknown as Ctx;
    const results = await Promise.all([1, 2, 3, 4].map(() => ensureDefaultLocation(ctx, s.org.id)));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results[0].name).toBe('Main warehouse');
    const rows = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from stock_locations where supplier_id = ${s.org.id}`);
    expect(Number(rows[0].n)).toBe(1);
  });
});

describe('GET /products/{id}/inventory', () => {
  it('answers totals and locations to staff', async () => {
    const s = await buildSupplier(app);
    const p = await createProduct(s, { initial_stock: 12 });
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
    const p = await createProduct(s, { initial_stock: 1 });
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
    const p = await createProduct(s);
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
    const p = await createProduct(s, { initial_stock: 10 });
    await reserve(p.id, 6);
    const url = `/api/v1/products/${p.id}/inventory`;
    const moves = await movementCount(p.id);

    const set = expectProblem(await call(app, 'PATCH', url, { token: s.owner.token, body: { on_hand: 5, reason: 'adjustment' } }), 409, 'STOCK_BELOW_RESERVED');
    expect(set.details).toEqual({ on_hand: 10, reserved: 6 });
    const delta = expectProblem(await call(app, 'PATCH', url, { token: s.owner.token, body: { delta: -5, reason: 'adjustment' } }), 409, 'STOCK_BELOW_RESERVED');
    expect(delta.details).toEqual({ on_hand: 10, reserved: 6 });

    const inv = await call(app, 'GET', url, { token: s.owner.token });
    expect(inv.body).toMatchObject({ on_hand: 10, reserved: 6, available: 4 });
    expect(await movementCount(p.id)).toBe(moves);

    // Exactly down to the reserved quantity is allowed.
    const ok = await call(app, 'PATCH', url, { token: s.owner.token, body: { delta: -4, reason: 'adjustment' } });
    expect(ok.body).toMatchObject({ on_hand: 6, reserved: 6, available: 0 });

    const q = await createProduct(s, { initial_stock: 2 });
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${q.id}/inventory`, { token: s.owner.token, body: { delta: -3, reason: 'adjustment' } }), 409, 'STOCK_BELOW_RESERVED');
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
    const p = await createProduct(s, { initial_stock: 5 });
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${p.id}/inventory`, { token: s.owner.token, body }), 422, 'VALIDATION_FAILED');
    const inv = await call(app, 'GET', `/api/v1/products/${p.id}/inventory`, { token: s.owner.token });
    expect(inv.body.on_hand).toBe(5);
    expect(await movementCount(p.id)).toBe(1);
  });

  it('requires the location to be one of the supplier (422)', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const p = await createProduct(s, { initial_stock: 5 });
    const q = await createProduct(other, { initial_stock: 5 });
    const foreignLoc = (await call(app, 'GET', `/api/v1/products/${q.id}/inventory`, { token: other.owner.token })).body.locations[0].location_id;
    const res = await call(app, 'PATCH', `/api/v1/products/${p.id}/inventory`, { token: s.owner.token, body: { delta: 1, reason: 'restock', location_id: foreignLoc } });
    expect(expectProblem(res, 422).errors[0].path).toBe('body/location_id');
    expect(await movementCount(p.id)).toBe(1);
  });

  it('refuses another supplier (404) and sales or employees (403)', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const p = await createProduct(s, { initial_stock: 5 });
    const body = { delta: 1, reason: 'restock' };
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${p.id}/inventory`, { token: other.owner.token, body }), 404);
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${p.id}/inventory`, { token: s.sales.token, body }), 403);
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${p.id}/inventory`, { token: s.employee.token, body }), 403);
    expect((await call(app, 'GET', `/api/v1/products/${p.id}/inventory`, { token: s.owner.token })).body.on_hand).toBe(5);
    expect(await movementCount(p.id)).toBe(1);
  });

  it('keeps stock consistent under concurrent adjustments', async () => {
    const s = await buildSupplier(app);
    const p = await createProduct(s, { initial_stock: 5 });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => call(app, 'PATCH', `/api/v1/products/${p.id}/inventory`, { token: s.owner.token, body: { delta: -1, reason: 'adjustment' } })),
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
    const p = await createProduct(s, { initial_stock: 3 });
    const url = `/api/v1/products/${p.id}/inventory`;
    await call(app, 'PATCH', url, { token: s.manager.token, body: { delta: 7, reason: 'restock', note: 'delivery' } });
    await reserve(p.id, 2);
    await call(app, 'PATCH', url, { token: s.owner.token, body: { on_hand: 8, reason: 'adjustment' } });

    const res = await call(app, 'GET', `${url}/movements`, { token: s.sales.token });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(3);
    expect(res.body.items.map((m: { reason: string }) => m.reason)).toEqual(['adjustment', 'restock', 'initial']);
    const [adj, restock, initial] = res.body.items;
    expect(adj).toMatchObject({ product_id: p.id, delta_on_hand: -2, on_hand_before: 10, on_hand_after: 8, reserved_before: 2, reserved_after: 2, actor_id: s.owner.id, note: null, order_id: null });
    expect(restock).toMatchObject({ delta_on_hand: 7, on_hand_before: 3, on_hand_after: 10, reserved_before: 0, reserved_after: 0, actor_id: s.manager.id, note: 'delivery' });
    expect(initial).toMatchObject({ delta_on_hand: 3, on_hand_before: 0, on_hand_after: 3, actor_id: s.owner.id });
    expect(adj.location_id).toBe(initial.location_id);

    const page = await call(app, 'GET', `${url}/movements?limit=1&offset=1`, { token: s.owner.token });
    expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 1 });
    expect(page.body.items[0].id).toBe(restock.id);
  });
});
