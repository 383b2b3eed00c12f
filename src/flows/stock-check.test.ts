/**
 * The stock invariant check (`GET /inventory/check`) and the repair of a drifted level
 * (`POST /inventory/reconcile`). Drift cannot be made through the API (that is the point), so the
 * tests make it the way a past bug or a hand-written SQL fix would: straight in the table.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../infra/db/client.js';
import { buildWorld } from '../../test/factories.js';
import { buildSupplier, call, createTestApp, expectProblem, registerUser } from '../../test/helpers.js';

const { app, database } = await createTestApp();
const db = database.db;

const check = (token: string, supplierId: string) => call(app, 'GET', `/api/v1/inventory/check?supplier_id=${supplierId}`, { token });
const reconcile = (token: string, supplierId: string, note: string) =>
  call(app, 'POST', '/api/v1/inventory/reconcile', { token, body: { supplier_id: supplierId, note } });

describe('GET /inventory/check', () => {
  it('is ok for stock changed only through the API, and names the level and the order when a reservation was lost', async () => {
    const {
      supplier: s,
      consumer: c,
      products: [p],
    } = await buildWorld(app, { stock: 10 });
    const order = await call(app, 'POST', '/api/v1/orders', {
      token: c.buyer.token,
      body: { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 3 }] },
    });
    expect(order.status).toBe(201);
    const ok = await check(s.owner.token, s.org.id);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ supplier_id: s.org.id, ok: true, levels_checked: 1, levels: [], orders: [] });

    // The order's reservation vanishes from the level (what the placement race used to leave behind).
    await db.execute(sql`update stock_levels set reserved = 0 where product_id = ${p.id}`);
    const bad = await check(s.manager.token, s.org.id);
    expect(bad.body.ok).toBe(false);
    expect(bad.body.levels).toEqual([
      expect.objectContaining({
        product_id: p.id,
        sku: p.sku,
        on_hand: 10,
        reserved: 0,
        held_by_orders: 3,
        movements_on_hand: 10,
        movements_reserved: 3,
      }),
    ]);
    // The pending order cannot be cancelled: its reservation is not there to release.
    expectProblem(await call(app, 'POST', `/api/v1/orders/${order.body.id}/cancel`, { token: c.buyer.token, body: {} }), 409, 'STOCK_NOT_RESERVED');

    // An operator repairs it, saying why; the order can then be cancelled and everything adds up.
    const before = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from stock_movements where product_id = ${p.id}`);
    const repaired = await reconcile(s.manager.token, s.org.id, '  Reservation lost by the placement race; restored  ');
    expect(repaired.status).toBe(200);
    expect(repaired.body.repaired).toEqual([
      { product_id: p.id, location_id: expect.any(String), reserved_before: 0, reserved_after: 3, movements_on_hand: 10, on_hand: 10 },
    ]);
    expect(repaired.body.after.ok).toBe(true);
    const [mv] = await queryRows<{ reason: string; note: string; reserved_before: number; reserved_after: number; actor_id: string }>(
      db,
      sql`
      select reason, note, reserved_before, reserved_after, actor_id from stock_movements where product_id = ${p.id} order by created_at desc, id desc limit 1`,
    );
    expect(mv).toEqual({
      reason: 'reconciliation',
      note: 'Reservation lost by the placement race; restored',
      reserved_before: 3,
      reserved_after: 3,
      actor_id: s.manager.id,
    });
    const after = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from stock_movements where product_id = ${p.id}`);
    expect(after[0].n).toBe(before[0].n + 1);
    expect((await call(app, 'POST', `/api/v1/orders/${order.body.id}/cancel`, { token: c.buyer.token, body: {} })).status).toBe(200);
    expect((await check(s.owner.token, s.org.id)).body.ok).toBe(true);
    // Nothing left to repair: a second reconciliation writes nothing.
    expect((await reconcile(s.owner.token, s.org.id, 'again')).body.repaired).toEqual([]);
  });

  it('frees a reservation no order holds, and brings the movements in line with an on-hand figure changed outside them', async () => {
    const {
      supplier: s,
      products: [p],
    } = await buildWorld(app, { stock: 10 });
    await db.execute(sql`update stock_levels set reserved = 4, on_hand = 12 where product_id = ${p.id}`);
    const bad = await check(s.owner.token, s.org.id);
    expect(bad.body.levels).toEqual([expect.objectContaining({ on_hand: 12, reserved: 4, held_by_orders: 0, movements_on_hand: 10, movements_reserved: 0 })]);
    const res = await reconcile(s.owner.token, s.org.id, 'Counted 12 on the shelf; stray reservation');
    expect(res.body.repaired).toEqual([expect.objectContaining({ reserved_before: 4, reserved_after: 0, movements_on_hand: 10, on_hand: 12 })]);
    expect(res.body.after.ok).toBe(true);
    const inv = await call(app, 'GET', `/api/v1/products/${p.id}/inventory`, { token: s.owner.token });
    expect(inv.body).toMatchObject({ on_hand: 12, reserved: 0, available: 12 });
  });

  it('refuses a missing note (422), a role without inventory:adjust (403) and other tenants (404)', async () => {
    const { supplier: s } = await buildWorld(app);
    const other = await buildSupplier(app);
    const stranger = await registerUser(app);
    expectProblem(await reconcile(s.owner.token, s.org.id, '   '), 422);
    expectProblem(await call(app, 'POST', '/api/v1/inventory/reconcile', { token: s.owner.token, body: { supplier_id: s.org.id } }), 422);
    expectProblem(await reconcile(s.employee.token, s.org.id, 'why'), 403);
    expectProblem(await reconcile(other.owner.token, s.org.id, 'why'), 404);
    expectProblem(await check(other.owner.token, s.org.id), 404);
    expectProblem(await check(stranger.token, s.org.id), 403);
    expect((await check(s.employee.token, s.org.id)).status).toBe(200);
  });
});
