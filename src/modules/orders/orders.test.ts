import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../infra/db/client.js';
import { buildConsumer, buildSupplier, call, createTestApp, expectProblem, registerUser, uniq, type TestUser } from '../../../test/helpers.js';
import { buildLink, buildProduct } from '../../../test/factories.js';

const { app, database } = await createTestApp();
const db = database.db;

/** A linked supplier and consumer with one product in stock. */
async function world(opts: { visibility?: 'linked' | 'public'; stock?: number; price?: string } = {}) {
  const s = await buildSupplier(app, { catalog_visibility: opts.visibility ?? 'linked' });
  const c = await buildConsumer(app);
  await buildLink(app, s, c);
  const p = await buildProduct(app, s, { stock: opts.stock ?? 100, ...(opts.price ? { price: opts.price } : {}) });
  return { s, c, p };
}

const place = (token: string, body: Record<string, unknown>) => call(app, 'POST', '/api/v1/orders', { token, body });

async function placeOk(token: string, body: Record<string, unknown>) {
  const res = await place(token, body);
  if (res.status !== 201) throw new Error(`place order failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const setStatus = (user: TestUser, id: string, status: string, note?: string) =>
  call(app, 'PATCH', `/api/v1/orders/${id}/status`, { token: user.token, body: { status, ...(note ? { note } : {}) } });

/** `on_hand` and `reserved` of a product, summed over its levels. */
async function level(productId: string) {
  const [r] = await queryRows<{ on_hand: number; reserved: number }>(
    db,
    sql`
    select coalesce(sum(on_hand), 0)::int as on_hand, coalesce(sum(reserved), 0)::int as reserved from stock_levels where product_id = ${productId}`,
  );
  return r;
}

/** What a rejected request must not change: orders, movements and stock of the supplier. */
async function snapshot(supplierId: string) {
  const [r] = await queryRows<{ orders: number; movements: number; reserved: number; events: number }>(
    db,
    sql`
    select (select count(*)::int from orders where supplier_id = ${supplierId}) as orders,
           (select count(*)::int from stock_movements m join stock_locations l on l.id = m.location_id where l.supplier_id = ${supplierId}) as movements,
           (select coalesce(sum(reserved), 0)::int from stock_levels s join stock_locations l on l.id = s.location_id where l.supplier_id = ${supplierId}) as reserved,
           (select count(*)::int from outbox_events where organization_id = ${supplierId} and type like 'order.%') as events`,
  );
  return r;
}

describe('placing an order', () => {
  it('places an order with exact totals, a unique number, price snapshots, a reservation and an event', async () => {
    const { s, c } = await world();
    const cheap = await buildProduct(app, s, { price: '0.10', stock: 50 });
    const dear = await buildProduct(app, s, { price: '15000.00', stock: 5 });
    const res = await place(c.buyer.token, {
      supplier_id: s.org.id,
      items: [
        { product_id: cheap.id, quantity: 3 },
        { product_id: dear.id, quantity: 1 },
      ],
      notes: 'Leave at the gate',
    });
    expect(res.status).toBe(201);
    const o = res.body;
    expect(o.number).toMatch(/^ORD-\d+$/);
    expect(o).toMatchObject({
      status: 'pending',
      stock_state: 'reserved',
      currency: 'KZT',
      placed_by: c.buyer.id,
      notes: 'Leave at the gate',
      supplier: { id: s.org.id, name: s.org.name },
      consumer: { id: c.org.id, name: c.org.name },
      subtotal: '15000.30',
      tax_total: '0.00',
      shipping_total: '0.00',
      discount_total: '0.00',
      total: '15000.30',
    });
    expect(o.lines).toEqual([
      expect.objectContaining({ product_id: cheap.id, sku: cheap.sku, name: cheap.name, unit_price: '0.10', quantity: 3, line_total: '0.30' }),
      expect.objectContaining({ product_id: dear.id, sku: dear.sku, unit_price: '15000.00', quantity: 1, line_total: '15000.00' }),
    ]);
    expect(o.status_history).toEqual([expect.objectContaining({ from_status: null, to_status: 'pending', actor_id: c.buyer.id })]);
    expect(await level(cheap.id)).toEqual({ on_hand: 50, reserved: 3 });
    expect(await level(dear.id)).toEqual({ on_hand: 5, reserved: 1 });
    const movements = await queryRows<{ reason: string; reserved_before: number; reserved_after: number; actor_id: string }>(
      db,
      sql`
      select reason, reserved_before, reserved_after, actor_id from stock_movements where order_id = ${o.id} order by product_id`,
    );
    expect(movements).toHaveLength(2);
    expect(movements.every((m) => m.reason === 'reservation' && m.actor_id === c.buyer.id)).toBe(true);
    const events = await queryRows<{ type: string; payload: { number: string; total: string } }>(
      db,
      sql`select type, payload from outbox_events where aggregate_id = ${o.id}`,
    );
    expect(events).toEqual([{ type: 'order.placed', payload: expect.objectContaining({ number: o.number, total: '15000.30' }) }]);

    // A later price change does not touch the order.
    const patch = await call(app, 'PATCH', `/api/v1/products/${cheap.id}`, { token: s.owner.token, body: { price: '99.99' } });
    expect(patch.status).toBe(200);
    const again = await call(app, 'GET', `/api/v1/orders/${o.id}`, { token: c.buyer.token });
    expect(again.status).toBe(200);
    expect(again.body.lines[0].unit_price).toBe('0.10');
    expect(again.body.total).toBe('15000.30');

    const second = await placeOk(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: cheap.id, quantity: 1 }] });
    expect(second.number).toMatch(/^ORD-\d+$/);
    expect(second.number).not.toBe(o.number);
    expect(second.total).toBe('99.99');
  });

  it('merges lines of the same product', async () => {
    const { s, c, p } = await world({ price: '2.50' });
    const o = await placeOk(c.buyer.token, {
      supplier_id: s.org.id,
      items: [
        { product_id: p.id, quantity: 2 },
        { product_id: p.id, quantity: 3 },
      ],
    });
    expect(o.lines).toHaveLength(1);
    expect(o.lines[0]).toMatchObject({ quantity: 5, line_total: '12.50' });
    expect(o.total).toBe('12.50');
    expect(await level(p.id)).toEqual({ on_hand: 100, reserved: 5 });
  });

  it.each([
    ['0', 0],
    ['-1', -1],
    ['1.5', 1.5],
    ['"abc"', 'abc'],
  ])('rejects quantity %s with 422 and writes nothing', async (_, quantity) => {
    const { s, c, p } = await world();
    const before = await snapshot(s.org.id);
    const res = await place(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity }] });
    const problem = expectProblem(res, 422, 'VALIDATION_FAILED');
    expect(problem.errors.some((e: { path: string }) => e.path === 'body/items/0/quantity')).toBe(true);
    expect(await snapshot(s.org.id)).toEqual(before);
  });

  it('rejects an empty order and more than 100 lines with 422', async () => {
    const { s, c, p } = await world();
    expectProblem(await place(c.buyer.token, { supplier_id: s.org.id, items: [] }), 422);
    const many = Array.from({ length: 101 }, () => ({ product_id: p.id, quantity: 1 }));
    expectProblem(await place(c.buyer.token, { supplier_id: s.org.id, items: many }), 422);
    expect((await snapshot(s.org.id)).orders).toBe(0);
  });

  it('rejects unknown, foreign, inactive and archived products with 422 naming each line, and writes nothing', async () => {
    const { s, c, p } = await world();
    const other = await buildSupplier(app);
    const foreign = await buildProduct(app, other);
    const inactive = await buildProduct(app, s, { is_active: false });
    const archived = await buildProduct(app, s);
    expect((await call(app, 'DELETE', `/api/v1/products/${archived.id}`, { token: s.owner.token })).status).toBe(204);
    const before = await snapshot(s.org.id);
    const res = await place(c.buyer.token, {
      supplier_id: s.org.id,
      items: [
        { product_id: p.id, quantity: 1 },
        { product_id: '01890000-0000-7000-8000-000000000000', quantity: 1 },
        { product_id: foreign.id, quantity: 1 },
        { product_id: inactive.id, quantity: 1 },
        { product_id: archived.id, quantity: 1 },
      ],
    });
    const problem = expectProblem(res, 422, 'VALIDATION_FAILED');
    expect(problem.errors).toEqual([
      { path: 'body/items/1/product_id', message: 'no such product at this supplier' },
      // Another supplier's product answers exactly like a missing one (no cross-tenant leak).
      { path: 'body/items/2/product_id', message: 'no such product at this supplier' },
      { path: 'body/items/3/product_id', message: expect.stringContaining('not active') },
      { path: 'body/items/4/product_id', message: expect.stringContaining('archived') },
    ]);
    expect(await snapshot(s.org.id)).toEqual(before);
    expect(await level(p.id)).toEqual({ on_hand: 100, reserved: 0 });
  });

  it('answers 409 INSUFFICIENT_STOCK with every short line and reserves nothing', async () => {
    const { s, c, p } = await world({ stock: 10 });
    const scarce = await buildProduct(app, s, { stock: 1 });
    const none = await buildProduct(app, s, { stock: 0 });
    const before = await snapshot(s.org.id);
    const res = await place(c.buyer.token, {
      supplier_id: s.org.id,
      items: [
        { product_id: p.id, quantity: 5 },
        { product_id: scarce.id, quantity: 3 },
        { product_id: none.id, quantity: 1 },
      ],
    });
    const problem = expectProblem(res, 409, 'INSUFFICIENT_STOCK');
    const lines = [...problem.details.lines].sort((a: { sku: string }, b: { sku: string }) => a.sku.localeCompare(b.sku));
    expect(lines).toEqual(
      [
        { product_id: scarce.id, sku: scarce.sku, requested: 3, available: 1 },
        { product_id: none.id, sku: none.sku, requested: 1, available: 0 },
      ].sort((a, b) => a.sku.localeCompare(b.sku)),
    );
    expect(await snapshot(s.org.id)).toEqual(before);
    expect(await level(p.id)).toEqual({ on_hand: 10, reserved: 0 });
    expect(await level(scarce.id)).toEqual({ on_hand: 1, reserved: 0 });
  });

  it('refuses a linked supplier without an accepted link with 403 NO_ACCEPTED_LINK', async () => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s);
    const c = await buildConsumer(app);
    expectProblem(await place(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] }), 403, 'NO_ACCEPTED_LINK');
    expectProblem(
      await place(c.buyer.token, { supplier_id: s.org.id, consumer_id: c.org.id, items: [{ product_id: p.id, quantity: 1 }] }),
      403,
      'NO_ACCEPTED_LINK',
    );
    // A pending link is not enough either.
    const req = await call(app, 'POST', '/api/v1/links/requests', { token: c.owner.token, body: { supplier_id: s.org.id } });
    expect(req.status).toBe(201);
    expectProblem(await place(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] }), 403, 'NO_ACCEPTED_LINK');
    // A customer without any organization cannot buy from a linked supplier.
    const customer = await registerUser(app);
    expectProblem(await place(customer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] }), 403, 'NO_ACCEPTED_LINK');
    expect((await snapshot(s.org.id)).orders).toBe(0);
  });

  it('lets a customer without any organization buy from a public supplier', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const p = await buildProduct(app, s, { price: '19.99', stock: 3 });
    const customer = await registerUser(app);
    const o = await placeOk(customer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 2 }] });
    expect(o).toMatchObject({ consumer: null, placed_by: customer.id, total: '39.98' });
    expect(await level(p.id)).toEqual({ on_hand: 3, reserved: 2 });
    const mine = await call(app, 'GET', '/api/v1/orders', { token: customer.token });
    expect(mine.body.items.map((i: { id: string }) => i.id)).toEqual([o.id]);
  });

  it('checks the consumer and the supplier named in the body', async () => {
    const { s, c, p } = await world();
    const stranger = await buildConsumer(app);
    // Not a member of that consumer: 404. A member without orders:create is impossible with built-in roles.
    expectProblem(await place(c.buyer.token, { supplier_id: s.org.id, consumer_id: stranger.org.id, items: [{ product_id: p.id, quantity: 1 }] }), 404);
    // A supplier organization is not a consumer.
    expectProblem(await place(s.owner.token, { supplier_id: s.org.id, consumer_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] }), 422);
    // Unknown supplier, or a consumer id as supplier: 404.
    expectProblem(await place(c.buyer.token, { supplier_id: '01890000-0000-7000-8000-000000000000', items: [{ product_id: p.id, quantity: 1 }] }), 404);
    expectProblem(await place(c.buyer.token, { supplier_id: c.org.id, items: [{ product_id: p.id, quantity: 1 }] }), 404);
    // Explicit consumer with a link works.
    const o = await placeOk(c.owner.token, { supplier_id: s.org.id, consumer_id: c.org.id, items: [{ product_id: p.id, quantity: 1 }] });
    expect(o.consumer.id).toBe(c.org.id);
    expectProblem(await call(app, 'POST', '/api/v1/orders', { body: { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] } }), 401);
  });
});

describe('reading orders', () => {
  it('scopes the list and the detail to the buyer side and the supplier side', async () => {
    const { s, c, p } = await world();
    const o1 = await placeOk(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] });
    const o2 = await placeOk(c.owner.token, {
      supplier_id: s.org.id,
      items: [
        { product_id: p.id, quantity: 2 },
        { product_id: (await buildProduct(app, s)).id, quantity: 1 },
      ],
    });
    const otherConsumer = await buildConsumer(app);
    await buildLink(app, s, otherConsumer);
    const o3 = await placeOk(otherConsumer.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] });
    const otherSupplier = await buildSupplier(app);

    const ids = async (user: TestUser, query = '') =>
      (await call(app, 'GET', `/api/v1/orders${query}`, { token: user.token })).body.items.map((i: { id: string }) => i.id);
    // The consumer's members see both of their organization's orders, newest first.
    expect(await ids(c.buyer)).toEqual([o2.id, o1.id]);
    expect(await ids(c.owner)).toEqual([o2.id, o1.id]);
    // The other consumer sees only its own.
    expect(await ids(otherConsumer.buyer)).toEqual([o3.id]);
    // Every supplier staff role sees all three; another supplier's staff none.
    for (const u of [s.owner, s.manager, s.sales, s.employee]) expect(await ids(u)).toEqual([o3.id, o2.id, o1.id]);
    expect(await ids(otherSupplier.owner)).toEqual([]);

    const page = await call(app, 'GET', '/api/v1/orders?limit=2&offset=0', { token: s.manager.token });
    expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(page.body.items).toHaveLength(2);
    expect(page.body.items[1]).toMatchObject({ id: o2.id, line_count: 2, total: o2.total, supplier: { id: s.org.id }, consumer: { id: c.org.id } });
    expect(page.body.items[1]).not.toHaveProperty('lines');
    expect(await ids(s.manager, '?status=accepted')).toEqual([]);
    expect(await ids(s.manager, `?consumer_id=${otherConsumer.org.id}`)).toEqual([o3.id]);
    expectProblem(await call(app, 'GET', '/api/v1/orders?status=lost', { token: s.manager.token }), 422);

    // Detail: visible sides 200, everyone else 404.
    expect((await call(app, 'GET', `/api/v1/orders/${o1.id}`, { token: s.employee.token })).status).toBe(200);
    expectProblem(await call(app, 'GET', `/api/v1/orders/${o1.id}`, { token: otherConsumer.buyer.token }), 404);
    expectProblem(await call(app, 'GET', `/api/v1/orders/${o1.id}`, { token: otherSupplier.owner.token }), 404);
    expectProblem(await call(app, 'GET', `/api/v1/orders/${o1.id}`, { token: (await registerUser(app)).token }), 404);
    expectProblem(await call(app, 'GET', '/api/v1/orders/01890000-0000-7000-8000-000000000000', { token: s.owner.token }), 404);
  });

  it('lists a page in a bounded number of queries', async () => {
    const { s, c, p } = await world();
    for (let i = 0; i < 5; i++) await placeOk(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] });
    const count = async (limit: number) => {
      const before = database.queryCount();
      const res = await call(app, 'GET', `/api/v1/orders?limit=${limit}`, { token: s.owner.token });
      expect(res.status).toBe(200);
      return database.queryCount() - before;
    };
    expect(await count(5)).toBe(await count(1));
  });
});

describe('access follows current membership', () => {
  it('hides the staff orders a removed sales rep wrote, and the orders a removed buyer placed, from them (404), list included', async () => {
    const { s, c, p } = await world({ visibility: 'public' });
    const staffOrder = await placeOk(s.sales.token, {
      supplier_id: s.org.id,
      customer: { name: 'Phoned in', email: `ph-${uniq()}@example.com` },
      shipping_address: '1 Secret Rd',
      items: [{ product_id: p.id, quantity: 1 }],
    });
    const buyerOrder = await placeOk(c.buyer.token, { supplier_id: s.org.id, consumer_id: c.org.id, items: [{ product_id: p.id, quantity: 1 }] });
    // While members, both see them.
    expect((await call(app, 'GET', `/api/v1/orders/${staffOrder.id}`, { token: s.sales.token })).status).toBe(200);
    expect((await call(app, 'GET', `/api/v1/orders/${buyerOrder.id}`, { token: c.buyer.token })).status).toBe(200);
    expect((await call(app, 'DELETE', `/api/v1/organizations/${s.org.id}/members/${s.sales.id}`, { token: s.owner.token })).status).toBe(204);
    expect((await call(app, 'DELETE', `/api/v1/organizations/${c.org.id}/members/${c.buyer.id}`, { token: c.owner.token })).status).toBe(204);
    const before = await level(p.id);
    expectProblem(await call(app, 'GET', `/api/v1/orders/${staffOrder.id}`, { token: s.sales.token }), 404);
    expectProblem(await call(app, 'GET', `/api/v1/orders/${buyerOrder.id}`, { token: c.buyer.token }), 404);
    expectProblem(await call(app, 'POST', `/api/v1/orders/${buyerOrder.id}/cancel`, { token: c.buyer.token, body: {} }), 404);
    expectProblem(await setStatus(c.buyer, buyerOrder.id, 'cancelled'), 404);
    for (const who of [s.sales, c.buyer]) {
      const list = await call(app, 'GET', '/api/v1/orders?limit=100', { token: who.token });
      expect(list.status).toBe(200);
      expect(list.body.items.map((o: { id: string }) => o.id)).toEqual([]);
    }
    expect(await level(p.id)).toEqual(before);
    const still = await call(app, 'GET', `/api/v1/orders/${buyerOrder.id}`, { token: c.owner.token });
    expect(still.body.status).toBe('pending');
  });

  it("keeps a person's own purchases theirs (no organization involved)", async () => {
    const { s, p } = await world({ visibility: 'public' });
    const shopper = await registerUser(app);
    const mine = await placeOk(shopper.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] });
    expect((await call(app, 'GET', `/api/v1/orders/${mine.id}`, { token: shopper.token })).status).toBe(200);
    const list = await call(app, 'GET', '/api/v1/orders', { token: shopper.token });
    expect(list.body.items.map((o: { id: string }) => o.id)).toEqual([mine.id]);
    expect((await call(app, 'POST', `/api/v1/orders/${mine.id}/cancel`, { token: shopper.token, body: {} })).status).toBe(200);
  });
});

describe('order lifecycle', () => {
  it('walks pending → accepted → in_progress → ready → shipped → delivered → completed, deducting stock once at shipped', async () => {
    const { s, c, p } = await world({ stock: 10 });
    const o = await placeOk(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 4 }] });
    expect(await level(p.id)).toEqual({ on_hand: 10, reserved: 4 });
    const steps: [TestUser, string, { on_hand: number; reserved: number }][] = [
      [s.manager, 'accepted', { on_hand: 10, reserved: 4 }],
      [s.employee, 'in_progress', { on_hand: 10, reserved: 4 }],
      [s.employee, 'ready', { on_hand: 10, reserved: 4 }],
      [s.sales, 'shipped', { on_hand: 6, reserved: 0 }],
      [s.employee, 'delivered', { on_hand: 6, reserved: 0 }],
      [s.employee, 'completed', { on_hand: 6, reserved: 0 }],
    ];
    for (const [user, status, stock] of steps) {
      const res = await setStatus(user, o.id, status, `to ${status}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.status).toBe(status);
      expect(await level(p.id)).toEqual(stock);
    }
    const final = await call(app, 'GET', `/api/v1/orders/${o.id}`, { token: c.buyer.token });
    expect(final.body.stock_state).toBe('deducted');
    expect(final.body.status_history.map((h: { from_status: string; to_status: string }) => `${h.from_status}>${h.to_status}`)).toEqual([
      'null>pending',
      'pending>accepted',
      'accepted>in_progress',
      'in_progress>ready',
      'ready>shipped',
      'shipped>delivered',
      'delivered>completed',
    ]);
    expect(final.body.status_history[1]).toMatchObject({ note: 'to accepted', actor_id: s.manager.id });
    const moves = await queryRows<{ reason: string; on_hand_before: number; on_hand_after: number }>(
      db,
      sql`
      select reason, on_hand_before, on_hand_after from stock_movements where order_id = ${o.id} order by created_at, id`,
    );
    expect(moves).toEqual([
      { reason: 'reservation', on_hand_before: 10, on_hand_after: 10 },
      { reason: 'sale', on_hand_before: 10, on_hand_after: 6 },
    ]);
    const events = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from outbox_events where aggregate_id = ${o.id} and type = 'order.status_changed'`,
    );
    expect(events[0].n).toBe(6);
  });

  it('deducts at completed when an order is collected without shipping', async () => {
    const { s, c, p } = await world({ stock: 5 });
    const o = await placeOk(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 2 }] });
    for (const st of ['accepted', 'in_progress', 'ready', 'completed']) expect((await setStatus(s.owner, o.id, st)).status).toBe(200);
    expect(await level(p.id)).toEqual({ on_hand: 3, reserved: 0 });
  });

  it('releases the reservation on reject and on cancel', async () => {
    const { s, c, p } = await world({ stock: 10 });
    const rejected = await placeOk(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 3 }] });
    const cancelled = await placeOk(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 2 }] });
    expect(await level(p.id)).toEqual({ on_hand: 10, reserved: 5 });
    const r = await setStatus(s.manager, rejected.id, 'rejected', 'out of season');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'rejected', stock_state: 'released' });
    expect(await level(p.id)).toEqual({ on_hand: 10, reserved: 2 });
    expect((await setStatus(s.owner, cancelled.id, 'accepted')).status).toBe(200);
    expect((await setStatus(s.employee, cancelled.id, 'in_progress')).status).toBe(200);
    const x = await call(app, 'POST', `/api/v1/orders/${cancelled.id}/cancel`, { token: s.employee.token, body: { reason: 'customer called' } });
    expect(x.status).toBe(200);
    expect(x.body.status_history.at(-1)).toMatchObject({ from_status: 'in_progress', to_status: 'cancelled', note: 'customer called' });
    expect(await level(p.id)).toEqual({ on_hand: 10, reserved: 0 });
    const releases = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from stock_movements where product_id = ${p.id} and reason = 'release'`);
    expect(releases[0].n).toBe(2);
  });

  it('answers 409 INVALID_STATUS_TRANSITION for a pair not in the table and changes nothing', async () => {
    const { s, c, p } = await world({ stock: 10 });
    const o = await placeOk(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] });
    const check = async (status: string) => {
      const before = await snapshot(s.org.id);
      const current = (await call(app, 'GET', `/api/v1/orders/${o.id}`, { token: s.owner.token })).body;
      const res = await setStatus(s.owner, o.id, status);
      expectProblem(res, 409, 'INVALID_STATUS_TRANSITION');
      expect(await snapshot(s.org.id)).toEqual(before);
      const after = (await call(app, 'GET', `/api/v1/orders/${o.id}`, { token: s.owner.token })).body;
      expect(after).toEqual(current);
    };
    await check('shipped');
    await check('completed');
    await check('pending');
    expect((await setStatus(s.owner, o.id, 'rejected')).status).toBe(200);
    await check('accepted');
    await check('cancelled');
    expectProblem(await setStatus(s.owner, o.id, 'lost'), 422);
  });

  it('lets only the supplier owner and manager decide; buyers only cancel', async () => {
    const { s, c, p } = await world({ stock: 10 });
    const o = await placeOk(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] });
    expectProblem(await setStatus(s.sales, o.id, 'accepted'), 403);
    expectProblem(await setStatus(s.employee, o.id, 'rejected'), 403);
    expectProblem(await setStatus(s.sales, o.id, 'cancelled'), 403);
    expectProblem(await setStatus(c.owner, o.id, 'accepted'), 403);
    expectProblem(await setStatus(c.buyer, o.id, 'shipped'), 403);
    const stranger = await buildSupplier(app);
    expectProblem(await setStatus(stranger.owner, o.id, 'accepted'), 404);
    expectProblem(await call(app, 'POST', `/api/v1/orders/${o.id}/cancel`, { token: stranger.owner.token, body: {} }), 404);
    const current = await call(app, 'GET', `/api/v1/orders/${o.id}`, { token: s.owner.token });
    expect(current.body.status).toBe('pending');
    expect(await level(p.id)).toEqual({ on_hand: 10, reserved: 1 });
  });

  it('lets the buyer cancel a pending order but not an accepted one (403 ORDER_NOT_CANCELLABLE)', async () => {
    const { s, c, p } = await world({ stock: 10 });
    const pending = await placeOk(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 2 }] });
    const accepted = await placeOk(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 3 }] });
    expect((await setStatus(s.manager, accepted.id, 'accepted')).status).toBe(200);
    expect(await level(p.id)).toEqual({ on_hand: 10, reserved: 5 });

    // Another member of the consumer (with orders:cancel) may cancel; no body at all is fine.
    const res = await app.inject({ method: 'POST', url: `/api/v1/orders/${pending.id}/cancel`, headers: { authorization: `Bearer ${c.owner.token}` } });
    expect(res.statusCode, res.body).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'cancelled', stock_state: 'released' });
    expect(await level(p.id)).toEqual({ on_hand: 10, reserved: 3 });
    expectProblem(await call(app, 'POST', `/api/v1/orders/${pending.id}/cancel`, { token: c.buyer.token, body: {} }), 409, 'INVALID_STATUS_TRANSITION');

    expectProblem(
      await call(app, 'POST', `/api/v1/orders/${accepted.id}/cancel`, { token: c.buyer.token, body: { reason: 'changed my mind' } }),
      403,
      'ORDER_NOT_CANCELLABLE',
    );
    expectProblem(await setStatus(c.buyer, accepted.id, 'cancelled'), 403, 'ORDER_NOT_CANCELLABLE');
    expect(await level(p.id)).toEqual({ on_hand: 10, reserved: 3 });

    // A customer cancels their own pending order by PATCH too.
    const store = await buildSupplier(app, { catalog_visibility: 'public' });
    const item = await buildProduct(app, store, { stock: 2 });
    const customer = await registerUser(app);
    const mine = await placeOk(customer.token, { supplier_id: store.org.id, items: [{ product_id: item.id, quantity: 2 }] });
    expect((await setStatus(customer, mine.id, 'cancelled')).status).toBe(200);
    expect(await level(item.id)).toEqual({ on_hand: 2, reserved: 0 });
  });

  it('refunds only by the supplier owner or manager, without touching stock', async () => {
    const { s, c, p } = await world({ stock: 10 });
    const o = await placeOk(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] });
    for (const st of ['accepted', 'in_progress', 'ready', 'shipped', 'delivered']) expect((await setStatus(s.manager, o.id, st)).status).toBe(200);
    expectProblem(await setStatus(s.sales, o.id, 'refunded'), 403);
    expectProblem(await setStatus(s.employee, o.id, 'refunded'), 403);
    expectProblem(await setStatus(c.owner, o.id, 'refunded'), 403);
    const refunded = await setStatus(s.manager, o.id, 'refunded', 'damaged in transit');
    expect(refunded.status).toBe(200);
    expect(await level(p.id)).toEqual({ on_hand: 9, reserved: 0 });

    const o2 = await placeOk(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] });
    for (const st of ['accepted', 'in_progress', 'completed']) expect((await setStatus(s.owner, o2.id, st)).status).toBe(200);
    expectProblem(await setStatus(s.sales, o2.id, 'refunded'), 403);
    expect((await setStatus(s.owner, o2.id, 'refunded')).status).toBe(200);
    expectProblem(await setStatus(s.owner, o2.id, 'completed'), 409, 'INVALID_STATUS_TRANSITION');
  });

  it('lets one of two concurrent decisions win', async () => {
    const { s, c, p } = await world({ stock: 10 });
    const o = await placeOk(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 2 }] });
    const [a, b] = await Promise.all([setStatus(s.owner, o.id, 'rejected'), setStatus(s.manager, o.id, 'rejected')]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect(await level(p.id)).toEqual({ on_hand: 10, reserved: 0 });
  });
});

describe('concurrency', () => {
  it('never oversells: 50 concurrent single-unit orders for 10 units → 10 placed, 40 INSUFFICIENT_STOCK', async () => {
    const { s, c, p } = await world({ stock: 10 });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => place(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((x) => x === 201)).toHaveLength(10);
    expect(statuses.filter((x) => x === 409)).toHaveLength(40);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.code === 'INSUFFICIENT_STOCK')).toBe(true);
    expect(await level(p.id)).toEqual({ on_hand: 10, reserved: 10 });
    const [r] = await queryRows<{ orders: number; moves: number; numbers: number }>(
      db,
      sql`
      select (select count(*)::int from orders where supplier_id = ${s.org.id}) as orders,
             (select count(distinct number)::int from orders where supplier_id = ${s.org.id}) as numbers,
             (select count(*)::int from stock_movements where product_id = ${p.id} and reason = 'reservation') as moves`,
    );
    expect(r).toEqual({ orders: 10, numbers: 10, moves: 10 });
  });

  it('places concurrent orders over two products in opposite line order without deadlock', async () => {
    const { s, c, p } = await world({ stock: 100 });
    const q = await buildProduct(app, s, { stock: 100 });
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        place(c.buyer.token, {
          supplier_id: s.org.id,
          items:
            i % 2 === 0
              ? [
                  { product_id: p.id, quantity: 1 },
                  { product_id: q.id, quantity: 2 },
                ]
              : [
                  { product_id: q.id, quantity: 2 },
                  { product_id: p.id, quantity: 1 },
                ],
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(30).fill(201));
    expect(await level(p.id)).toEqual({ on_hand: 100, reserved: 30 });
    expect(await level(q.id)).toEqual({ on_hand: 100, reserved: 60 });
  });
});

describe('who the order is for', () => {
  it('asks for consumer_id (422) when the buyer has several organizations linked to the supplier, and books it where told', async () => {
    const { s, c, p } = await world();
    const second = await call(app, 'POST', '/api/v1/organizations', { token: c.owner.token, body: { type: 'consumer', name: `Second ${uniq()}` } });
    expect(second.status).toBe(201);
    await buildLink(app, s, { ...c, org: second.body });
    const before = await snapshot(s.org.id);
    const ambiguous = await place(c.owner.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] });
    expect(expectProblem(ambiguous, 422).errors[0].path).toBe('body/consumer_id');
    expect(await snapshot(s.org.id)).toEqual(before);
    const chosen = await placeOk(c.owner.token, { supplier_id: s.org.id, consumer_id: second.body.id, items: [{ product_id: p.id, quantity: 1 }] });
    expect(chosen.consumer.id).toBe(second.body.id);
  });

  it('rejects JSON values of the wrong type instead of coercing them (quantity true, "2")', async () => {
    const { s, c, p } = await world();
    for (const quantity of [true, '2', [2]]) {
      const res = await place(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity }] });
      expect(expectProblem(res, 422).errors[0].path).toBe('body/items/0/quantity');
    }
    expect(await level(p.id)).toEqual({ on_hand: 100, reserved: 0 });
  });
});
