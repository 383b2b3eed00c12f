import { and, asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { buildProduct } from '../../../test/factories.js';
import { buildSupplier, call, createTestApp, expectProblem, registerUser, uniq } from '../../../test/helpers.js';
import { outboxEvents } from '../../infra/outbox.tables.js';

const { app, database } = await createTestApp();

type Supplier = Awaited<ReturnType<typeof buildSupplier>>;

/** The `stock.low` events of a product, oldest first. */
const lowEvents = (productId: string) =>
  database.db
    .select()
    .from(outboxEvents)
    .where(and(eq(outboxEvents.type, 'stock.low'), eq(outboxEvents.aggregateId, productId)))
    .orderBy(asc(outboxEvents.createdAt), asc(outboxEvents.id));

/** A public supplier, a product with `stock` units at its default location and `reorder_point` there, and a shopper. */
async function setup(stock: number, reorderPoint: number) {
  const s = await buildSupplier(app, { catalog_visibility: 'public' });
  const p = await buildProduct(app, s, { stock });
  const set = await call(app, 'PATCH', `/api/v1/products/${p.id}/inventory`, { token: s.owner.token, body: { reorder_point: reorderPoint } });
  expect(set.status).toBe(200);
  const shopper = await registerUser(app);
  const order = (quantity: number) =>
    call(app, 'POST', '/api/v1/orders', { token: shopper.token, body: { supplier_id: s.org.id, items: [{ product_id: p.id, quantity }] } });
  return { s, p, order, locationId: set.body.locations[0].location_id as string };
}

const adjust = (s: Supplier, productId: string, body: Record<string, unknown>) =>
  call(app, 'PATCH', `/api/v1/products/${productId}/inventory`, { token: s.owner.token, body });

describe('stock.low', () => {
  it('is recorded once when an order takes available to the reorder point, with the level in its payload', async () => {
    const { s, p, order, locationId } = await setup(10, 3);
    expect((await order(5)).status).toBe(201); // 5 available: above 3
    expect(await lowEvents(p.id)).toHaveLength(0);
    expect((await order(2)).status).toBe(201); // 3 available: at the point
    const events = await lowEvents(p.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ aggregateType: 'product', aggregateId: p.id, organizationId: s.org.id, deliveredAt: null });
    expect(events[0].payload).toEqual({
      version: 1,
      product_id: p.id,
      sku: p.sku,
      location_id: locationId,
      supplier_id: s.org.id,
      on_hand: 10,
      reserved: 7,
      available: 3,
      reorder_point: 3,
    });
  });

  it('is not recorded again by further orders below the point, nor by a rejected order', async () => {
    const { p, order } = await setup(10, 3);
    expect((await order(8)).status).toBe(201); // 2 available: crossed
    expect(await lowEvents(p.id)).toHaveLength(1);
    expect((await order(1)).status).toBe(201); // 1 available: still below
    expectProblem(await order(5), 409, 'INSUFFICIENT_STOCK');
    expect((await order(1)).status).toBe(201); // 0 available
    expect(await lowEvents(p.id)).toHaveLength(1);
  });

  it('is recorded again after a restock above the point and another crossing', async () => {
    const { s, p, order } = await setup(10, 3);
    expect((await order(8)).status).toBe(201);
    expect((await adjust(s, p.id, { delta: 10, reason: 'restock' })).status).toBe(200); // 12 available
    expect(await lowEvents(p.id)).toHaveLength(1);
    expect((await order(9)).status).toBe(201); // 3 available
    const events = await lowEvents(p.id);
    expect(events).toHaveLength(2);
    expect(events[1].payload).toMatchObject({ on_hand: 20, reserved: 17, available: 3, reorder_point: 3 });
  });

  it('records nothing for a rejected order, even one that would have crossed', async () => {
    const { p, order } = await setup(5, 3);
    expectProblem(await order(6), 409, 'INSUFFICIENT_STOCK');
    expect(await lowEvents(p.id)).toHaveLength(0);
  });

  it('records nothing when an order is refused on a later line after an earlier line crossed', async () => {
    const { s, p, order } = await setup(5, 3);
    const later = await buildProduct(app, s, { stock: 1 }); // a later id: reserved after p, in product id order
    expect(later.id > p.id).toBe(true);
    const shopper = await registerUser(app);
    const res = await call(app, 'POST', '/api/v1/orders', {
      token: shopper.token,
      body: {
        supplier_id: s.org.id,
        items: [
          { product_id: p.id, quantity: 4 },
          { product_id: later.id, quantity: 2 },
        ],
      },
    });
    expectProblem(res, 409, 'INSUFFICIENT_STOCK');
    expect(await lowEvents(p.id)).toHaveLength(0);
    expect((await order(4)).status).toBe(201); // the same line alone crosses
    expect(await lowEvents(p.id)).toHaveLength(1);
  });

  it('is recorded by an adjustment down, and by raising the reorder point above what is available', async () => {
    const { s, p } = await setup(10, 3);
    expect((await adjust(s, p.id, { delta: -6, reason: 'adjustment' })).status).toBe(200); // 4 available
    expect(await lowEvents(p.id)).toHaveLength(0);
    expect((await adjust(s, p.id, { delta: -1, reason: 'adjustment' })).status).toBe(200); // 3 available
    expect(await lowEvents(p.id)).toHaveLength(1);
    expect((await adjust(s, p.id, { reorder_point: 5 })).status).toBe(200); // already below: no new crossing
    expect(await lowEvents(p.id)).toHaveLength(1);
    expect((await adjust(s, p.id, { reorder_point: 1 })).status).toBe(200); // 3 available, above 1 again
    expect((await adjust(s, p.id, { reorder_point: 3 })).status).toBe(200); // raised to what is available: a crossing
    const events = await lowEvents(p.id);
    expect(events).toHaveLength(2);
    expect(events[1].payload).toMatchObject({ on_hand: 3, reserved: 0, available: 3, reorder_point: 3 });
    // A stock change and a reorder point in one request: judged on the whole change, one event at most.
    expect((await adjust(s, p.id, { delta: 10, reason: 'restock', reorder_point: 20 })).status).toBe(200); // 13 available ≤ 20: from below, nothing
    expect(await lowEvents(p.id)).toHaveLength(2);
  });

  it('is recorded by a transfer out of the source location, not at the destination', async () => {
    const { s, p, locationId } = await setup(10, 3);
    const branch = await call(app, 'POST', '/api/v1/locations', { token: s.owner.token, body: { name: `Branch ${uniq()}`, kind: 'branch' } });
    expect(branch.status).toBe(201);
    const transfer = (quantity: number) =>
      call(app, 'POST', '/api/v1/inventory/transfers', {
        token: s.owner.token,
        body: { from_location_id: locationId, to_location_id: branch.body.id, lines: [{ product_id: p.id, quantity }] },
      });
    expect((await transfer(6)).status).toBe(201); // 4 left
    expect(await lowEvents(p.id)).toHaveLength(0);
    expect((await transfer(2)).status).toBe(201); // 2 left: crossed
    expectProblem(await transfer(50), 409, 'INSUFFICIENT_STOCK');
    const events = await lowEvents(p.id);
    expect(events).toHaveLength(1);
    expect(events[0].payload).toMatchObject({ location_id: locationId, sku: p.sku, on_hand: 2, reserved: 0, available: 2, reorder_point: 3 });
  });
});
