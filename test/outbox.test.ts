import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { eventBus, startOutboxDispatcher, type DomainEvent } from '../src/infra/outbox.js';
import { outboxEvents } from '../src/infra/outbox.tables.js';
import { buildProduct } from './factories.js';
import { buildSupplier, call, createTestApp, registerUser } from './helpers.js';

const { app, database } = await createTestApp();

const eventsOf = (aggregateId: string) => database.db.select().from(outboxEvents).where(eq(outboxEvents.aggregateId, aggregateId));

describe('transactional outbox', () => {
  it('records order.placed with the order, and the dispatcher delivers it once and stamps it', async () => {
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
    const listener = (e: DomainEvent) => e.aggregateId === order.body.id && received.push(e);
    eventBus.on('order.placed', listener);
    const stop = startOutboxDispatcher(database, app.log, 0.05);
    try {
      for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await stop();
      eventBus.off('order.placed', listener);
    }
    expect(received).toHaveLength(1);
    expect(received[0].payload).toMatchObject({ number: order.body.number, total: '20.00' });
    const [after] = await eventsOf(order.body.id);
    expect(after.deliveredAt).toBeInstanceOf(Date);
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
