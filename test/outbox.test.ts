import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { subscribe, type DomainEvent } from '../src/infra/outbox.js';
import { startOutboxDispatcher } from '../src/infra/outbox.dispatcher.js';
import { outboxDeliveries, outboxEvents } from '../src/infra/outbox.tables.js';
import { buildProduct } from './factories.js';
import { buildSupplier, call, createTestApp, registerUser } from './helpers.js';

const { app, database } = await createTestApp();

const eventsOf = (aggregateId: string) => database.db.select().from(outboxEvents).where(eq(outboxEvents.aggregateId, aggregateId));

describe('transactional outbox', () => {
  it('records order.placed with the order, and the dispatcher delivers it once to a subscriber and stamps it', async () => {
    const supplier = await buildSupplier(app, { catalog_visibility: 'public' });
    const { id: productId } = await buildProduct(app, supplier, { sku: 'EVT-1', name: 'Event widget', price: '10.00', stock: 5 });
    const shopper = await registerUser(app);
    const order = await call(app, 'POST', '/api/v1/orders', {
      token: shopper.token,
      body: { supplier_id: supplier.org.id, items: [{ product_id: productId, quantity: 2 }] },
    });
    expect(order.status).toBe(201);
    const [row] = await eventsOf(order.body.id);
    expect(row).toMatchObject({ type: 'order.placed', aggregateType: 'order', deliveredAt: null });

    const received: DomainEvent[] = [];
    const unsubscribe = subscribe(
      'test-outbox',
      ['order.placed'],
      (e: DomainEvent<'order.placed'>) => void (e.aggregateId === order.body.id && received.push(e)),
    );
    const stop = startOutboxDispatcher(database, app.log, { intervalMs: 50 });
    try {
      for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await stop();
      unsubscribe();
    }
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ type: 'order.placed', version: 1, organizationId: supplier.org.id });
    expect(received[0].payload).toMatchObject({ number: order.body.number, total: '20.00' });
    const [after] = await eventsOf(order.body.id);
    expect(after.dispatchedAt).toBeInstanceOf(Date);
    const [delivery] = await database.db
      .select()
      .from(outboxDeliveries)
      .where(and(eq(outboxDeliveries.eventId, after.id), eq(outboxDeliveries.consumer, 'test-outbox')));
    expect(delivery).toMatchObject({ state: 'delivered', attempts: 1, lastError: null });
    expect(delivery.deliveredAt).toBeInstanceOf(Date);
  });

  it('two dispatchers side by side (two API processes) deliver each event once per consumer, and a throwing consumer holds no other back', async () => {
    const supplier = await buildSupplier(app, { catalog_visibility: 'public' });
    const { id: productId } = await buildProduct(app, supplier, { sku: 'EVT-2', name: 'Event widget', price: '10.00', stock: 50 });
    const shopper = await registerUser(app);
    const seen = new Map<string, number>();
    const thrown: string[] = [];
    const offCounting = subscribe(
      'test-side-by-side',
      ['order.placed'],
      (e) => void (e.organizationId === supplier.org.id && seen.set(e.id, (seen.get(e.id) ?? 0) + 1)),
    );
    const offThrowing = subscribe('test-always-throws', ['order.placed'], (e) => {
      if (e.organizationId !== supplier.org.id) return;
      thrown.push(e.id);
      throw new Error('always');
    });
    const options = { intervalMs: 10, batchSize: 2, maxAttempts: 2, retryBaseMs: 20, retryMaxMs: 40 };
    const stops = [startOutboxDispatcher(database, app.log, options), startOutboxDispatcher(database, app.log, options)];
    try {
      await new Promise((r) => setTimeout(r, 100));
      await Promise.all(
        Array.from({ length: 6 }, () =>
          call(app, 'POST', '/api/v1/orders', {
            token: shopper.token,
            body: { supplier_id: supplier.org.id, items: [{ product_id: productId, quantity: 1 }] },
          }),
        ),
      );
      const ids = (await database.db.select().from(outboxEvents).where(eq(outboxEvents.organizationId, supplier.org.id))).map((e) => e.id);
      expect(ids).toHaveLength(6);
      for (let i = 0; i < 200; i++) {
        const rows = await database.db.select().from(outboxDeliveries).where(inArray(outboxDeliveries.eventId, ids));
        const done = rows.filter(
          (d) => (d.consumer === 'test-side-by-side' && d.state === 'delivered') || (d.consumer === 'test-always-throws' && d.state === 'parked'),
        );
        if (done.length === 12) break;
        await new Promise((r) => setTimeout(r, 25));
      }
    } finally {
      await Promise.all(stops.map((stop) => stop()));
      offCounting();
      offThrowing();
    }
    expect([...seen.values()]).toEqual([1, 1, 1, 1, 1, 1]);
    expect(thrown).toHaveLength(12); // two tries each, then parked
  });

  it('writes no event when the order is rejected', async () => {
    const supplier = await buildSupplier(app, { catalog_visibility: 'public' });
    const { id: productId } = await buildProduct(app, supplier, { sku: 'EVT-1', name: 'Event widget', price: '10.00', stock: 1 });
    const before = await database.db.select().from(outboxEvents).where(eq(outboxEvents.organizationId, supplier.org.id));
    const shopper = await registerUser(app);
    const res = await call(app, 'POST', '/api/v1/orders', {
      token: shopper.token,
      body: { supplier_id: supplier.org.id, items: [{ product_id: productId, quantity: 2 }] },
    });
    expect(res.status).toBe(409);
    const after = await database.db.select().from(outboxEvents).where(eq(outboxEvents.organizationId, supplier.org.id));
    expect(after.length).toBe(before.length);
  });
});
