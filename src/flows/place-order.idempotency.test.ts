/**
 * `Idempotency-Key` on `POST /api/v1/orders` (src/infra/idempotency.ts): replays, mismatches,
 * running keys, what is stored and what is not, expiry, the purge, the lease takeover, and 100
 * concurrent requests with one key (real concurrency on the PostgreSQL server; on PGlite they run
 * interleaved one statement at a time, and the same must hold).
 */
import { createHash, randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { inTransaction, type Ctx } from '../infra/context.js';
import { queryRows } from '../infra/db/client.js';
import { canonicalJson, completeIdempotentRequest, purgeExpiredIdempotencyKeys } from '../infra/idempotency.js';
import { recordEvent } from '../infra/outbox.js';
import { idempotencyKeys } from '../infra/idempotency.tables.js';
import { call, createTestApp, expectProblem, uniq, type TestUser } from '../../test/helpers.js';
import { buildWorld, type TestWorld } from '../../test/factories.js';

const { app, database, config } = await createTestApp();
const db = database.db;
const SCOPE = 'POST /api/v1/orders';

/** The body of an order of `quantity` units of the world's first product (`fulfilment` explicit: the hash is of the validated body). */
const orderBody = (w: TestWorld, quantity = 2) => ({
  supplier_id: w.supplier.org.id,
  items: [{ product_id: w.products[0].id, quantity }],
  fulfilment: 'delivery',
});

const place = (user: TestUser, body: unknown, key?: string) =>
  call(app, 'POST', '/api/v1/orders', { token: user.token, body, headers: key === undefined ? {} : { 'idempotency-key': key } });

/** What placing orders wrote for the world's supplier: orders, `order.placed` events, the first product's reserved stock. */
async function written(w: TestWorld) {
  const [row] = await queryRows<{ orders: number; events: number; reserved: number }>(
    db,
    sql`select (select count(*)::int from orders where supplier_id = ${w.supplier.org.id}) as orders,
               (select count(*)::int from outbox_events where type = 'order.placed' and organization_id = ${w.supplier.org.id}) as events,
               (select coalesce(sum(reserved), 0)::int from stock_levels where product_id = ${w.products[0].id}) as reserved`,
  );
  return row;
}

const keyRow = async (user: TestUser, key: string) =>
  (
    await db
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.userId, user.id), eq(idempotencyKeys.scope, SCOPE), eq(idempotencyKeys.key, key)))
  )[0];

const hashOf = (body: unknown) => createHash('sha256').update(canonicalJson(body)).digest('hex');

describe('POST /orders with an Idempotency-Key', () => {
  it('replays the first answer (same order, same body, Idempotent-Replayed) and writes nothing more', async () => {
    const w = await buildWorld(app);
    const key = randomUUID();
    const first = await place(w.consumer.buyer, orderBody(w), key);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    // The same body with its keys in another order is the same request.
    const { items, supplier_id, fulfilment } = orderBody(w);
    const again = await place(w.consumer.buyer, { fulfilment, items, supplier_id }, key);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(again.body).toEqual(first.body);
    expect(await written(w)).toEqual({ orders: 1, events: 1, reserved: 2 });
    expect((await keyRow(w.consumer.buyer, key))?.state).toBe('completed');

    // Without a key, every request is a new order.
    expect((await place(w.consumer.buyer, orderBody(w))).status).toBe(201);
    expect((await written(w)).orders).toBe(2);
  });

  it('refuses the same key with another body (409 IDEMPOTENCY_KEY_REUSE_MISMATCH) and writes nothing', async () => {
    const w = await buildWorld(app);
    const key = `order-${uniq()}`;
    expect((await place(w.consumer.buyer, orderBody(w, 2), key)).status).toBe(201);
    const before = await written(w);
    const res = await place(w.consumer.buyer, orderBody(w, 3), key);
    expectProblem(res, 409, 'IDEMPOTENCY_KEY_REUSE_MISMATCH');
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(await written(w)).toEqual(before);
  });

  it('scopes a key to the caller: another user with the same key places their own order', async () => {
    const w = await buildWorld(app);
    const key = `shared-${uniq()}`;
    const a = await place(w.consumer.buyer, orderBody(w), key);
    const b = await place(w.consumer.owner, orderBody(w), key);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.body.id).not.toBe(a.body.id);
    expect(await written(w)).toEqual({ orders: 2, events: 2, reserved: 4 });
  });

  it('answers 409 IDEMPOTENCY_IN_PROGRESS while the first request still holds the key, and writes nothing', async () => {
    const w = await buildWorld(app);
    const key = `running-${uniq()}`;
    const body = orderBody(w);
    // A request that is running: its claim, fresh.
    await db
      .insert(idempotencyKeys)
      .values({ userId: w.consumer.buyer.id, scope: SCOPE, key, requestHash: hashOf(body), state: 'in_progress', lockToken: randomUUID() });
    const res = await place(w.consumer.buyer, body, key);
    expectProblem(res, 409, 'IDEMPOTENCY_IN_PROGRESS');
    expect(await written(w)).toEqual({ orders: 0, events: 0, reserved: 0 });
    // Another body is a mismatch even while it runs.
    expectProblem(await place(w.consumer.buyer, orderBody(w, 5), key), 409, 'IDEMPOTENCY_KEY_REUSE_MISMATCH');
  });

  it('takes over a claim whose lease ran out (a crashed request) and runs the order once', async () => {
    const w = await buildWorld(app);
    const key = `crashed-${uniq()}`;
    const body = orderBody(w);
    const staleToken = randomUUID();
    await db.insert(idempotencyKeys).values({
      userId: w.consumer.buyer.id,
      scope: SCOPE,
      key,
      requestHash: hashOf(body),
      state: 'in_progress',
      lockToken: staleToken,
      lockedAt: sql`now() - interval '2 minutes'`,
    });
    const res = await place(w.consumer.buyer, body, key);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    const row = await keyRow(w.consumer.buyer, key);
    expect(row?.state).toBe('completed');
    expect(row?.lockToken).not.toBe(staleToken);
    expect(row?.responseStatus).toBe(201);
    const replay = await place(w.consumer.buyer, body, key);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(res.body.id);
    expect(await written(w)).toEqual({ orders: 1, events: 1, reserved: 2 });
  });

  it('stores nothing for a request refused by schema validation, so the fixed retry runs', async () => {
    const w = await buildWorld(app);
    const key = `invalid-${uniq()}`;
    const bad = await place(w.consumer.buyer, { supplier_id: w.supplier.org.id, items: [{ product_id: w.products[0].id, quantity: 0 }] }, key);
    expectProblem(bad, 422, 'VALIDATION_FAILED');
    expect(await keyRow(w.consumer.buyer, key)).toBeUndefined();
    const fixed = await place(w.consumer.buyer, orderBody(w), key);
    expect(fixed.status).toBe(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
  });

  it('stores a business refusal (409 INSUFFICIENT_STOCK) and replays it, even after a restock', async () => {
    const w = await buildWorld(app, { stock: 1 });
    const key = `short-${uniq()}`;
    const first = await place(w.consumer.buyer, orderBody(w, 5), key);
    expectProblem(first, 409, 'INSUFFICIENT_STOCK');
    const restock = await call(app, 'PATCH', `/api/v1/products/${w.products[0].id}/inventory`, {
      token: w.supplier.owner.token,
      body: { delta: 10, reason: 'restock' },
    });
    expect(restock.status, JSON.stringify(restock.body)).toBe(200);
    const again = await place(w.consumer.buyer, orderBody(w, 5), key);
    expectProblem(again, 409, 'INSUFFICIENT_STOCK');
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await written(w)).toEqual({ orders: 0, events: 0, reserved: 0 });
    // A new key is a new request, and now there is stock.
    expect((await place(w.consumer.buyer, orderBody(w, 5), `restocked-${uniq()}`)).status).toBe(201);
  });

  it('refuses a malformed header with 422 naming it, and stores nothing', async () => {
    const w = await buildWorld(app);
    for (const key of ['', 'k'.repeat(256)]) {
      const res = await place(w.consumer.buyer, orderBody(w), key);
      expect(expectProblem(res, 422, 'VALIDATION_FAILED').errors).toEqual([{ path: 'headers/idempotency-key', message: expect.any(String) as string }]);
    }
    expect((await place(w.consumer.buyer, orderBody(w), 'k'.repeat(255))).status).toBe(201);
    expect(await written(w)).toEqual({ orders: 1, events: 1, reserved: 2 });
  });

  it('treats a key older than 24 hours as new', async () => {
    const w = await buildWorld(app);
    const key = `old-${uniq()}`;
    const first = await place(w.consumer.buyer, orderBody(w), key);
    await db
      .update(idempotencyKeys)
      .set({ createdAt: sql`now() - interval '25 hours'` })
      .where(and(eq(idempotencyKeys.userId, w.consumer.buyer.id), eq(idempotencyKeys.key, key)));
    // Even with another body: the old request is forgotten.
    const again = await place(w.consumer.buyer, orderBody(w, 3), key);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(again.body.id).not.toBe(first.body.id);
    expect(await written(w)).toEqual({ orders: 2, events: 2, reserved: 5 });
    expect((await place(w.consumer.buyer, orderBody(w, 3), key)).headers['idempotent-replayed']).toBe('true');
  });

  it('purgeExpiredIdempotencyKeys deletes the keys older than 24 hours and keeps the others', async () => {
    const w = await buildWorld(app);
    const [oldKey, newKey] = [`purge-old-${uniq()}`, `purge-new-${uniq()}`];
    await place(w.consumer.buyer, orderBody(w), oldKey);
    await place(w.consumer.buyer, orderBody(w), newKey);
    await db
      .update(idempotencyKeys)
      .set({ createdAt: sql`now() - interval '25 hours'` })
      .where(eq(idempotencyKeys.key, oldKey));
    expect(await purgeExpiredIdempotencyKeys(db)).toBeGreaterThanOrEqual(1);
    expect(await keyRow(w.consumer.buyer, oldKey)).toBeUndefined();
    expect((await keyRow(w.consumer.buyer, newKey))?.state).toBe('completed');
  });

  it('100 concurrent requests with one key place exactly one order and reserve its stock once', async () => {
    const w = await buildWorld(app, { stock: 500 });
    const key = randomUUID();
    const replies = await Promise.all(Array.from({ length: 100 }, () => place(w.consumer.buyer, orderBody(w, 3), key)));
    const created = replies.filter((r) => r.status === 201);
    const fresh = created.filter((r) => r.headers['idempotent-replayed'] === undefined);
    expect(fresh).toHaveLength(1);
    for (const r of created) expect(r.body).toEqual(fresh[0].body);
    for (const r of replies) {
      if (r.status !== 201) expect(expectProblem(r, 409).code).toBe('IDEMPOTENCY_IN_PROGRESS');
    }
    expect(await written(w)).toEqual({ orders: 1, events: 1, reserved: 3 });
    // Once it is done, a retry replays it.
    const retry = await place(w.consumer.buyer, orderBody(w, 3), key);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(fresh[0].body.id);
  });

  it('releases the key when the request fails with a 5xx, so that a retry runs again', async () => {
    const w = await buildWorld(app);
    const key = `failing-${uniq()}`;
    // A database failure the API answers 500 to, for this supplier's orders only.
    const fn = `fail_orders_${uniq()}`;
    await db.execute(
      sql.raw(
        `create function ${fn}() returns trigger language plpgsql as $$ begin if new.supplier_id = '${w.supplier.org.id}' then raise exception 'boom'; end if; return new; end $$`,
      ),
    );
    await db.execute(sql.raw(`create trigger ${fn} before insert on orders for each row execute function ${fn}()`));
    try {
      expectProblem(await place(w.consumer.buyer, orderBody(w), key), 500, 'INTERNAL_ERROR');
      expect(await keyRow(w.consumer.buyer, key)).toBeUndefined();
    } finally {
      await db.execute(sql.raw(`drop trigger ${fn} on orders`));
      await db.execute(sql.raw(`drop function ${fn}()`));
    }
    const retry = await place(w.consumer.buyer, orderBody(w), key);
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(await written(w)).toEqual({ orders: 1, events: 1, reserved: 2 });
  });

  it("completes the key in the use case's transaction, and rolls the change back when the claim was taken over", async () => {
    const w = await buildWorld(app);
    const key = `tx-${uniq()}`;
    const token = randomUUID();
    const [row] = await db
      .insert(idempotencyKeys)
      .values({ userId: w.consumer.buyer.id, scope: SCOPE, key, requestHash: 'h', state: 'in_progress', lockToken: token })
      .returning();
    const ctx: Ctx = { actor: null, db, log: app.log, requestId: 'test', config, tokens: null as never };
    const change = (claimToken: string) =>
      inTransaction({ ...ctx, idempotency: { id: row.id, token: claimToken } }, async (tx) => {
        await recordEvent(tx, { type: 'test.idempotent', aggregateType: 'test', aggregateId: row.id, organizationId: w.supplier.org.id, payload: {} });
        await completeIdempotentRequest(tx, 201, { done: true });
      });
    const events = async () =>
      (await queryRows<{ n: number }>(db, sql`select count(*)::int as n from outbox_events where type = 'test.idempotent' and aggregate_id = ${row.id}`))[0].n;

    // Another request took the claim over: this one's change is rolled back with it.
    await expect(change(randomUUID())).rejects.toMatchObject({ status: 409, code: 'IDEMPOTENCY_IN_PROGRESS' });
    expect(await events()).toBe(0);
    expect((await keyRow(w.consumer.buyer, key))?.state).toBe('in_progress');

    await change(token);
    expect(await events()).toBe(1);
    expect(await keyRow(w.consumer.buyer, key)).toMatchObject({ state: 'completed', responseStatus: 201, responseBody: { done: true } });
    // A stored answer is never written again.
    await expect(change(token)).rejects.toMatchObject({ code: 'IDEMPOTENCY_IN_PROGRESS' });
    expect(await events()).toBe(1);
  });

  it('documents the header, the replay header and the two 409 codes on POST /orders', async () => {
    const doc = (await call(app, 'GET', '/openapi.json')).body;
    const op = doc.paths['/api/v1/orders'].post;
    expect(op.parameters).toContainEqual({ $ref: '#/components/parameters/IdempotencyKey' });
    expect(doc.components.parameters.IdempotencyKey).toMatchObject({ name: 'Idempotency-Key', in: 'header', required: false });
    expect(op['x-error-codes']['409']).toEqual(['INSUFFICIENT_STOCK', 'IDEMPOTENCY_KEY_REUSE_MISMATCH', 'IDEMPOTENCY_IN_PROGRESS']);
    expect(op.responses['201'].headers['Idempotent-Replayed']).toEqual({ $ref: '#/components/headers/Idempotent-Replayed' });
    // Routes that do not opt in take no key.
    expect(doc.paths['/api/v1/orders'].get.parameters ?? []).not.toContainEqual({ $ref: '#/components/parameters/IdempotencyKey' });
  });
});
