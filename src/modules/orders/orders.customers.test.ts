/**
 * Orders with customers, channels, locations, tax and delivery fees (seeds
 * 002, 003, 004): staff orders, buyer customer records, totals through the API, order queries,
 * who bought a product, a customer's orders, and stock movements in the order detail.
 *
 * Customers, channels, locations and supplier settings are set up with SQL here: their APIs belong
 * to other modules, and these tests are about what the orders module does with them.
 */
import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../infra/db/client.js';
import { customers } from '../customers/index.js';
import { createPlatformAdmin } from '../identity/index.js';
import { salesChannels } from '../sales-channels/index.js';
import { stockLevels, stockLocations } from '../stock/index.js';
import { buildConsumer, buildSupplier, call, createTestApp, expectProblem, PASSWORD, registerUser, uniq, type TestUser } from '../../../test/helpers.js';
import { buildLink, buildProduct } from '../../../test/factories.js';

const { app, database } = await createTestApp();
const db = database.db;

/** The supplier's order-total settings (SQL: the settings API belongs to the organizations module). */
async function settings(supplierId: string, s: { taxRate?: string; deliveryFee?: string; threshold?: string | null }) {
  await database.db.execute(sql`
    update organizations set tax_rate = ${s.taxRate ?? '0'}, delivery_fee = ${s.deliveryFee ?? '0'}, free_delivery_threshold = ${s.threshold ?? null}
     where id = ${supplierId}`);
}

/** A sales channel of the supplier. */
async function channel(supplierId: string, opts: { active?: boolean } = {}) {
  const [row] = await db
    .insert(salesChannels)
    .values({ supplierId, name: `Channel ${uniq()}`, kind: 'phone', isActive: opts.active ?? true })
    .returning();
  return row;
}

/** A non-default stock location of the supplier, with `stock` units of each given product. */
async function location(supplierId: string, opts: { active?: boolean; stock?: [productId: string, onHand: number][] } = {}) {
  const [row] = await db
    .insert(stockLocations)
    .values({ supplierId, name: `Branch ${uniq()}`, kind: 'branch', isActive: opts.active ?? true })
    .returning();
  for (const [productId, onHand] of opts.stock ?? []) await db.insert(stockLevels).values({ productId, locationId: row.id, onHand });
  return row;
}

/** A customer record of the supplier. */
async function customerRecord(supplierId: string, fields: { name?: string; email?: string; consumerId?: string; shippingAddress?: string } = {}) {
  const [row] = await db
    .insert(customers)
    .values({
      supplierId,
      name: fields.name ?? `Customer ${uniq()}`,
      email: fields.email ?? null,
      consumerId: fields.consumerId ?? null,
      shippingAddress: fields.shippingAddress ?? null,
    })
    .returning();
  return row;
}

const place = (token: string, body: Record<string, unknown>) => call(app, 'POST', '/api/v1/orders', { token, body });

async function placeOk(token: string, body: Record<string, unknown>) {
  const res = await place(token, body);
  if (res.status !== 201) throw new Error(`place order failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const setStatus = (user: TestUser, id: string, status: string) => call(app, 'PATCH', `/api/v1/orders/${id}/status`, { token: user.token, body: { status } });

/** `on_hand` and `reserved` of a product at one location. */
async function levelAt(productId: string, locationId: string) {
  const [r] = await db
    .select({ onHand: stockLevels.onHand, reserved: stockLevels.reserved })
    .from(stockLevels)
    .where(and(eq(stockLevels.productId, productId), eq(stockLevels.locationId, locationId)));
  return r;
}

/** What a rejected request must not change: orders, movements, reservations, events, customers and channels of the supplier. */
async function snapshot(supplierId: string) {
  const [r] = await queryRows<Record<string, number>>(
    db,
    sql`
    select (select count(*)::int from orders where supplier_id = ${supplierId}) as orders,
           (select count(*)::int from stock_movements m join stock_locations l on l.id = m.location_id where l.supplier_id = ${supplierId}) as movements,
           (select coalesce(sum(reserved), 0)::int from stock_levels s join stock_locations l on l.id = s.location_id where l.supplier_id = ${supplierId}) as reserved,
           (select count(*)::int from outbox_events where organization_id = ${supplierId} and type like 'order.%') as events,
           (select count(*)::int from customers where supplier_id = ${supplierId}) as customers,
           (select count(*)::int from sales_channels where supplier_id = ${supplierId}) as channels`,
  );
  return r;
}

const ids = (page: { items: { id: string }[] }) => page.items.map((i) => i.id);

describe('staff orders (seeds 003, 004)', () => {
  it('places an order for a new customer, created once and found again by email', async () => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s, { price: '10.00', stock: 50 });
    const email = `Dana.${uniq()}@Example.com`;
    const first = await placeOk(s.sales.token, {
      supplier_id: s.org.id,
      customer: { name: 'Dana Levi', email, phone: '+972500000000' },
      shipping_address: '1 Herzl St, Tel Aviv',
      items: [{ product_id: p.id, quantity: 2 }],
    });
    expect(first).toMatchObject({
      source: 'staff',
      placed_by: s.sales.id,
      consumer: null,
      fulfilment: 'delivery',
      customer: { name: 'Dana Levi', email: email.toLowerCase() },
      channel: { name: 'Default' },
      shipping_address: '1 Herzl St, Tel Aviv',
      billing_address: null,
      total: '20.00',
      tax_rate: '0.00',
    });
    expect(first.status_history[0]).toMatchObject({ to_status: 'pending', actor_id: s.sales.id });

    // Same email (any case): the same record, kept as it was (its name is not overwritten).
    const second = await placeOk(s.manager.token, {
      supplier_id: s.org.id,
      customer: { name: 'D. Levi', email: email.toUpperCase() },
      items: [{ product_id: p.id, quantity: 1 }],
    });
    expect(second.customer).toEqual(first.customer);
    // The record's address is the order's default.
    expect(second.shipping_address).toBe('1 Herzl St, Tel Aviv');
    const third = await placeOk(s.owner.token, {
      supplier_id: s.org.id,
      customer_id: first.customer.id,
      billing_address: 'PO Box 7',
      items: [{ product_id: p.id, quantity: 1 }],
    });
    expect(third).toMatchObject({ customer: first.customer, billing_address: 'PO Box 7', placed_by: s.owner.id, source: 'staff' });
    const records = await db.select().from(customers).where(eq(customers.supplierId, s.org.id));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ name: 'Dana Levi', email: email.toLowerCase(), phone: '+972500000000', userId: null, consumerId: null });

    // Without an email every walk-in is a new record.
    const walkIn1 = await placeOk(s.sales.token, { supplier_id: s.org.id, customer: { name: 'Walk-in' }, items: [{ product_id: p.id, quantity: 1 }] });
    const walkIn2 = await placeOk(s.sales.token, { supplier_id: s.org.id, customer: { name: 'Walk-in' }, items: [{ product_id: p.id, quantity: 1 }] });
    expect(walkIn1.customer.id).not.toBe(walkIn2.customer.id);

    const events = await queryRows<{ payload: Record<string, unknown> }>(db, sql`select payload from outbox_events where aggregate_id = ${first.id}`);
    expect(events[0].payload).toMatchObject({ customer_id: first.customer.id, channel_id: first.channel.id, source: 'staff', placed_by: s.sales.id });
  });

  it("books a staff order for a consumer organization's customer record to that consumer, visible to its members", async () => {
    const s = await buildSupplier(app);
    const c = await buildConsumer(app);
    const p = await buildProduct(app, s);
    const record = await customerRecord(s.org.id, { name: c.org.name, consumerId: c.org.id });
    const o = await placeOk(s.sales.token, { supplier_id: s.org.id, customer_id: record.id, items: [{ product_id: p.id, quantity: 1 }] });
    expect(o).toMatchObject({ consumer: { id: c.org.id, name: c.org.name }, customer: { id: record.id }, source: 'staff' });
    expect((await call(app, 'GET', `/api/v1/orders/${o.id}`, { token: c.buyer.token })).status).toBe(200);
    // The consumer may cancel it while pending, like its own orders; the sales rep who wrote it is not its buyer.
    expectProblem(await setStatus(s.sales, o.id, 'cancelled'), 403);
    expect((await setStatus(c.owner, o.id, 'cancelled')).status).toBe(200);
  });

  it('refuses a customer of another supplier, a missing customer, both forms, and consumer_id with 422, writing nothing', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const p = await buildProduct(app, s);
    const foreign = await customerRecord(other.org.id, { email: `x-${uniq()}@example.com` });
    const c = await buildConsumer(app);
    const before = await snapshot(s.org.id);
    const items = [{ product_id: p.id, quantity: 1 }];
    const path = async (body: Record<string, unknown>) =>
      expectProblem(await place(s.sales.token, { supplier_id: s.org.id, items, ...body }), 422).errors.map((e: { path: string }) => e.path);
    expect(await path({ customer_id: foreign.id })).toEqual(['body/customer_id']);
    expect(await path({ customer_id: '01890000-0000-7000-8000-000000000000' })).toEqual(['body/customer_id']);
    expect(await path({})).toEqual(['body/customer_id']);
    expect(await path({ customer_id: foreign.id, customer: { name: 'A' } })).toEqual(['body/customer']);
    expect(await path({ consumer_id: c.org.id, customer: { name: 'A' } })).toEqual(['body/consumer_id']);
    // Every bad field in one answer.
    const res = await place(s.sales.token, {
      supplier_id: s.org.id,
      customer_id: foreign.id,
      items: [{ product_id: (await buildProduct(app, other)).id, quantity: 1 }],
    });
    expect(expectProblem(res, 422).errors.map((e: { path: string }) => e.path)).toEqual(['body/customer_id', 'body/items/0/product_id']);
    expect(await snapshot(s.org.id)).toEqual(before);
    expect((await snapshot(other.org.id)).customers).toBe(1);
  });

  it('refuses customer_id and customer from a buyer with 422, writing nothing', async () => {
    const s = await buildSupplier(app);
    const c = await buildConsumer(app);
    await buildLink(app, s, c);
    const p = await buildProduct(app, s);
    const record = await customerRecord(s.org.id);
    const before = await snapshot(s.org.id);
    const items = [{ product_id: p.id, quantity: 1 }];
    expect(expectProblem(await place(c.buyer.token, { supplier_id: s.org.id, customer_id: record.id, items }), 422).errors[0].path).toBe('body/customer_id');
    expect(expectProblem(await place(c.buyer.token, { supplier_id: s.org.id, customer: { name: 'Someone else' }, items }), 422).errors[0].path).toBe(
      'body/customer',
    );
    expect(await snapshot(s.org.id)).toEqual(before);
  });

  it('refuses a staff order from an employee (no orders:create) with 403, writing nothing', async () => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s);
    const before = await snapshot(s.org.id);
    expectProblem(await place(s.employee.token, { supplier_id: s.org.id, customer: { name: 'Walk-in' }, items: [{ product_id: p.id, quantity: 1 }] }), 403);
    expectProblem(await place(s.employee.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] }), 403);
    expect(await snapshot(s.org.id)).toEqual(before);
  });
});

describe('channel and location of an order', () => {
  it('refuses a channel or location of another supplier, or an inactive one, with 422 and writes nothing', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const other = await buildSupplier(app);
    const p = await buildProduct(app, s);
    const [foreignChannel, inactiveChannel, foreignLocation, inactiveLocation] = await Promise.all([
      channel(other.org.id),
      channel(s.org.id, { active: false }),
      location(other.org.id),
      location(s.org.id, { active: false, stock: [[p.id, 10]] }),
    ]);
    const shopper = await registerUser(app);
    const before = await snapshot(s.org.id);
    const items = [{ product_id: p.id, quantity: 1 }];
    const errorsOf = async (token: string, body: Record<string, unknown>) =>
      expectProblem(await place(token, { supplier_id: s.org.id, items, ...body }), 422).errors as { path: string; message: string }[];
    expect(await errorsOf(s.sales.token, { customer: { name: 'A' }, channel_id: foreignChannel.id })).toEqual([
      { path: 'body/channel_id', message: 'no such sales channel at this supplier' },
    ]);
    expect(await errorsOf(shopper.token, { channel_id: inactiveChannel.id })).toEqual([
      { path: 'body/channel_id', message: expect.stringContaining('not active') },
    ]);
    expect(await errorsOf(shopper.token, { location_id: foreignLocation.id })).toEqual([
      { path: 'body/location_id', message: 'no such stock location at this supplier' },
    ]);
    expect(await errorsOf(s.sales.token, { customer: { name: 'A' }, location_id: inactiveLocation.id })).toEqual([
      { path: 'body/location_id', message: expect.stringContaining('not active') },
    ]);
    expect(await errorsOf(shopper.token, { channel_id: foreignChannel.id, location_id: inactiveLocation.id })).toHaveLength(2);
    expect(await snapshot(s.org.id)).toEqual(before);
    expect(await levelAt(p.id, inactiveLocation.id)).toEqual({ onHand: 10, reserved: 0 });
  });

  it('reserves at the chosen location and leaves the stock of other locations untouched', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const p = await buildProduct(app, s, { stock: 10 });
    const branch = await location(s.org.id, { stock: [[p.id, 5]] });
    const phone = await channel(s.org.id);
    const [defaultLevel] = await db.select().from(stockLevels).where(eq(stockLevels.productId, p.id));
    const shopper = await registerUser(app);
    const o = await placeOk(shopper.token, {
      supplier_id: s.org.id,
      location_id: branch.id,
      channel_id: phone.id,
      fulfilment: 'pickup',
      items: [{ product_id: p.id, quantity: 3 }],
    });
    expect(o).toMatchObject({ location_id: branch.id, channel: { id: phone.id, name: phone.name }, fulfilment: 'pickup', source: 'buyer' });
    expect(await levelAt(p.id, branch.id)).toEqual({ onHand: 5, reserved: 3 });
    expect(await levelAt(p.id, defaultLevel.locationId)).toEqual({ onHand: 10, reserved: 0 });
    // The branch has 2 left: 3 more is short there, even though the default location has 10.
    const short = expectProblem(
      await place(shopper.token, { supplier_id: s.org.id, location_id: branch.id, items: [{ product_id: p.id, quantity: 3 }] }),
      409,
      'INSUFFICIENT_STOCK',
    );
    expect(short.details.lines).toEqual([{ product_id: p.id, sku: p.sku, requested: 3, available: 2 }]);
    // Cancelling releases at the order's location.
    expect((await setStatus(shopper, o.id, 'cancelled')).status).toBe(200);
    expect(await levelAt(p.id, branch.id)).toEqual({ onHand: 5, reserved: 0 });
    expect(await levelAt(p.id, defaultLevel.locationId)).toEqual({ onHand: 10, reserved: 0 });
  });
});

describe('buyer orders get a customer record', () => {
  it('finds or creates the record of a consumer organization and of a person, once', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const c = await buildConsumer(app);
    await buildLink(app, s, c);
    const p = await buildProduct(app, s);
    const a = await placeOk(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] });
    const b = await placeOk(c.owner.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] });
    expect(a).toMatchObject({ source: 'buyer', consumer: { id: c.org.id }, customer: { name: c.org.name, email: null }, channel: { name: 'Default' } });
    expect(b.customer).toEqual(a.customer);

    const shopper = await registerUser(app, { full_name: 'Noa Cohen' });
    const x = await placeOk(shopper.token, { supplier_id: s.org.id, shipping_address: '5 Dizengoff St', items: [{ product_id: p.id, quantity: 1 }] });
    const y = await placeOk(shopper.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] });
    expect(x).toMatchObject({ consumer: null, customer: { name: 'Noa Cohen', email: shopper.email }, shipping_address: '5 Dizengoff St' });
    expect(y).toMatchObject({ customer: x.customer, shipping_address: '5 Dizengoff St' });
    const records = await db.select().from(customers).where(eq(customers.supplierId, s.org.id));
    expect(records.map((r) => [r.consumerId, r.userId]).sort()).toEqual(
      [
        [c.org.id, null],
        [null, shopper.id],
      ].sort(),
    );
  });

  it('never hands a record staff made for an e-mail to whoever registers that e-mail: name, addresses and orders stay with it', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const p = await buildProduct(app, s);
    const email = `known-${uniq()}@example.com`;
    const made = await call(app, 'POST', '/api/v1/customers', {
      token: s.sales.token,
      body: { supplier_id: s.org.id, name: 'Dana Levi', email, shipping_address: '12 Herzl St, Haifa', billing_address: 'PO Box 7, Haifa' },
    });
    expect(made.status).toBe(201);
    const staffOrder = await placeOk(s.sales.token, { supplier_id: s.org.id, customer_id: made.body.id, items: [{ product_id: p.id, quantity: 1 }] });
    const impostor = await registerUser(app, { email, full_name: 'Someone Else' });
    const own = await placeOk(impostor.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] });
    expect(own.customer.id).not.toBe(staffOrder.customer.id);
    expect(own).toMatchObject({ customer: { name: 'Someone Else' }, shipping_address: null, billing_address: null });
    const record = await call(app, 'GET', `/api/v1/customers/${made.body.id}`, { token: s.owner.token });
    expect(record.body).toMatchObject({ user_id: null, order_count: 1, shipping_address: '12 Herzl St, Haifa' });
    // The impostor cannot read the staff order placed for the real Dana Levi either.
    expectProblem(await call(app, 'GET', `/api/v1/orders/${staffOrder.id}`, { token: impostor.token }), 404);
  });

  it('leaves no customer record, channel or order behind when the order is refused (409 INSUFFICIENT_STOCK)', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const p = await buildProduct(app, s, { stock: 1 });
    const before = await snapshot(s.org.id);
    const shopper = await registerUser(app);
    expectProblem(await place(shopper.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 2 }] }), 409, 'INSUFFICIENT_STOCK');
    expectProblem(
      await place(s.sales.token, {
        supplier_id: s.org.id,
        customer: { name: 'New', email: `n-${uniq()}@example.com` },
        items: [{ product_id: p.id, quantity: 2 }],
      }),
      409,
      'INSUFFICIENT_STOCK',
    );
    expect(await snapshot(s.org.id)).toEqual(before);
  });
});

describe('concurrent first orders', () => {
  it('make one customer record and one default channel, and never oversell', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const p = await buildProduct(app, s, { stock: 5 });
    const email = `race-${uniq()}@example.com`;
    const shopper = await registerUser(app);
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        i % 2 === 0
          ? place(s.sales.token, { supplier_id: s.org.id, customer: { name: 'Racer', email }, items: [{ product_id: p.id, quantity: 1 }] })
          : place(shopper.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(5);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.code === 'INSUFFICIENT_STOCK')).toBe(true);
    expect(results.filter((r) => r.status === 409)).toHaveLength(11);
    const records = await db.select().from(customers).where(eq(customers.supplierId, s.org.id));
    // At most one per buyer: the email's record and the shopper's (each only if one of its orders won).
    expect(new Set(records.map((r) => r.email)).size).toBe(records.length);
    expect(records.length).toBeLessThanOrEqual(2);
    const winners = results.filter((r) => r.status === 201).map((r) => r.body.customer.id);
    expect(new Set(winners).size).toBe(records.length);
    const channels = await db.select().from(salesChannels).where(eq(salesChannels.supplierId, s.org.id));
    expect(channels).toHaveLength(1);
  });
});

describe('totals: tax and delivery fee through the API (seed 002)', () => {
  it("applies the supplier's tax rate and delivery fee, free from the threshold, none for pickup", async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public', currency: 'ILS' });
    await settings(s.org.id, { taxRate: '17', deliveryFee: '30', threshold: '150' });
    const under = await buildProduct(app, s, { price: '149.99' });
    const exact = await buildProduct(app, s, { price: '150.00' });
    const cheap = await buildProduct(app, s, { price: '0.50' });
    const shopper = await registerUser(app);
    const buy = (productId: string, extra: Record<string, unknown> = {}) =>
      placeOk(shopper.token, { supplier_id: s.org.id, items: [{ product_id: productId, quantity: 1 }], ...extra });

    // 149.99: 17% = 25.4983 → 25.50; below 150 → fee 30.
    const a = await buy(under.id);
    expect(a).toMatchObject({
      currency: 'ILS',
      subtotal: '149.99',
      tax_rate: '17.00',
      tax_total: '25.50',
      shipping_total: '30.00',
      discount_total: '0.00',
      total: '205.49',
    });
    // Exactly 150.00 → free delivery.
    const b = await buy(exact.id);
    expect(b).toMatchObject({ subtotal: '150.00', tax_total: '25.50', shipping_total: '0.00', total: '175.50' });
    // Pickup never pays the fee; 17% of 0.50 = 0.085 → 0.09 (half-up); shipping is not taxed.
    const c = await buy(cheap.id, { fulfilment: 'pickup' });
    expect(c).toMatchObject({ fulfilment: 'pickup', subtotal: '0.50', tax_total: '0.09', shipping_total: '0.00', total: '0.59' });
    const d = await buy(cheap.id, { fulfilment: 'delivery' });
    expect(d).toMatchObject({ tax_total: '0.09', shipping_total: '30.00', total: '30.59' });
    const events = await queryRows<{ payload: { total: string } }>(db, sql`select payload from outbox_events where aggregate_id = ${a.id}`);
    expect(events[0].payload.total).toBe('205.49');

    // The order keeps the rate and amounts it was placed with.
    await settings(s.org.id, { taxRate: '18', deliveryFee: '35', threshold: null });
    const again = await call(app, 'GET', `/api/v1/orders/${a.id}`, { token: shopper.token });
    expect(again.body).toMatchObject({ tax_rate: '17.00', tax_total: '25.50', shipping_total: '30.00', total: '205.49' });
    const e = await buy(exact.id);
    expect(e).toMatchObject({ tax_rate: '18.00', tax_total: '27.00', shipping_total: '35.00', total: '212.00' });
  });

  it('rounds the tax to whole units for JPY and stores fractional rates', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public', currency: 'JPY' });
    await settings(s.org.id, { taxRate: '10' });
    const p = await buildProduct(app, s, { price: '105' });
    const shopper = await registerUser(app);
    const o = await placeOk(shopper.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 1 }] });
    expect(o).toMatchObject({ currency: 'JPY', subtotal: '105', tax_rate: '10.00', tax_total: '11', shipping_total: '0', total: '116' });
    await settings(s.org.id, { taxRate: '7.25' });
    const f = await placeOk(shopper.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 2 }] });
    // 7.25% of 210 = 15.225 → 15.
    expect(f).toMatchObject({ tax_rate: '7.25', tax_total: '15', total: '225' });
  });
});

describe('order queries ', async () => {
  const s = await buildSupplier(app);
  const c = await buildConsumer(app);
  await buildLink(app, s, c);
  const p = await buildProduct(app, s, { price: '5.00' });
  const q = await buildProduct(app, s, { price: '7.50' });
  const phone = await channel(s.org.id);
  const email = `filter-${uniq()}@example.com`;
  const o1 = await placeOk(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 2 }] });
  const o2 = await placeOk(s.sales.token, {
    supplier_id: s.org.id,
    channel_id: phone.id,
    customer: { name: 'Filter Customer', email },
    items: [
      { product_id: p.id, quantity: 1 },
      { product_id: q.id, quantity: 4 },
    ],
  });
  const o3 = await placeOk(s.sales.token, { supplier_id: s.org.id, customer_id: o2.customer.id, items: [{ product_id: p.id, quantity: 3 }] });
  expect((await setStatus(s.manager, o3.id, 'rejected')).status).toBe(200);
  // Known creation times.
  for (const [o, at] of [
    [o1, '2024-01-10T12:00:00Z'],
    [o2, '2024-01-11T08:00:00Z'],
    [o3, '2024-01-12T23:59:59Z'],
  ] as const) {
    await database.db.execute(sql`update orders set created_at = ${at}::timestamptz where id = ${o.id}`);
  }
  const list = async (query: string, token = s.owner.token) => {
    const res = await call(app, 'GET', `/api/v1/orders?supplier_id=${s.org.id}&${query}`, { token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return ids(res.body);
  };

  it('filters by status, consumer, customer, channel and number', async () => {
    expect(await list('')).toEqual([o3.id, o2.id, o1.id]);
    expect(await list('status=rejected')).toEqual([o3.id]);
    expect(await list('status=pending')).toEqual([o2.id, o1.id]);
    expect(await list(`consumer_id=${c.org.id}`)).toEqual([o1.id]);
    expect(await list(`customer_id=${o2.customer.id}`)).toEqual([o3.id, o2.id]);
    expect(await list(`customer_id=${o1.customer.id}`)).toEqual([o1.id]);
    expect(await list(`channel_id=${phone.id}`)).toEqual([o2.id]);
    expect(await list(`channel_id=${o1.channel.id}`)).toEqual([o3.id, o1.id]);
    expect(await list(`number=${o2.number}`)).toEqual([o2.id]);
    expect(await list('number=ORD-0')).toEqual([]);
    const page = (await call(app, 'GET', `/api/v1/orders?number=${o2.number}`, { token: s.owner.token })).body;
    expect(page.items[0]).toMatchObject({
      customer: { id: o2.customer.id, name: 'Filter Customer', email },
      channel: { id: phone.id },
      source: 'staff',
      line_count: 2,
      total: '35.00',
    });
  });

  it('filters by creation time: dates, date-times, offsets; a date-only upper bound includes its day', async () => {
    expect(await list('created_from=2024-01-11')).toEqual([o3.id, o2.id]);
    expect(await list('created_to=2024-01-11')).toEqual([o2.id, o1.id]);
    expect(await list('created_from=2024-01-11&created_to=2024-01-11')).toEqual([o2.id]);
    expect(await list('created_to=2024-01-11T08:00:00Z')).toEqual([o2.id, o1.id]);
    expect(await list('created_to=2024-01-11T07:59:59Z')).toEqual([o1.id]);
    expect(await list('created_from=2024-01-11T08:00:00.001Z')).toEqual([o3.id]);
    expect(await list(`created_from=${encodeURIComponent('2024-01-11T10:00:00+02:00')}`)).toEqual([o3.id, o2.id]);
    expect(await list('created_from=2024-01-12T23:59:59')).toEqual([o3.id]);
    expect(await list('created_to=2024-01-12')).toEqual([o3.id, o2.id, o1.id]);
    expect(await list('created_from=2024-01-13')).toEqual([]);
  });

  it('combines filters', async () => {
    expect(await list(`customer_id=${o2.customer.id}&status=pending`)).toEqual([o2.id]);
    expect(await list(`customer_id=${o2.customer.id}&channel_id=${phone.id}&created_to=2024-01-11`)).toEqual([o2.id]);
    expect(await list(`customer_id=${o2.customer.id}&created_from=2024-01-12&status=rejected`)).toEqual([o3.id]);
    expect(await list(`consumer_id=${c.org.id}&channel_id=${phone.id}`)).toEqual([]);
    // Filters never widen what the caller may see.
    const other = await buildSupplier(app);
    expect(ids((await call(app, 'GET', `/api/v1/orders?customer_id=${o2.customer.id}`, { token: other.owner.token })).body)).toEqual([]);
    expect(ids((await call(app, 'GET', `/api/v1/orders?customer_id=${o2.customer.id}`, { token: c.buyer.token })).body)).toEqual([]);
    expect(ids((await call(app, 'GET', `/api/v1/orders?number=${o1.number}`, { token: c.buyer.token })).body)).toEqual([o1.id]);
  });

  it('refuses bad dates and from after to with 422', async () => {
    const bad = async (query: string) =>
      expectProblem(await call(app, 'GET', `/api/v1/orders?${query}`, { token: s.owner.token }), 422).errors.map((e: { path: string }) => e.path);
    expect(await bad('created_from=2024-01-12&created_to=2024-01-11')).toEqual(['querystring/created_from']);
    expect(await bad('created_from=2024-01-11T10:00:00Z&created_to=2024-01-11T09:00:00Z')).toEqual(['querystring/created_from']);
    expect(await bad('created_from=2024-02-30')).toEqual(['querystring/created_from']);
    expect(await bad('created_to=2024-01-01T25:00:00Z')).toEqual(['querystring/created_to']);
    expect((await bad('created_to=yesterday')).some((p: string) => p.startsWith('querystring/created_to'))).toBe(true);
    expect((await bad(`customer_id=nope`)).some((p: string) => p.startsWith('querystring/customer_id'))).toBe(true);
  });

  it('answers a filtered page in two queries whatever its size', async () => {
    const count = async (query: string) => {
      const before = database.queryCount();
      const res = await call(app, 'GET', `/api/v1/orders?${query}`, { token: s.owner.token });
      expect(res.status).toBe(200);
      return database.queryCount() - before;
    };
    const filters = `supplier_id=${s.org.id}&created_from=2024-01-01&created_to=2024-12-31`;
    expect(await count(`${filters}&limit=1`)).toBe(await count(`${filters}&limit=50`));
    expect(await count(`${filters}&customer_id=${o2.customer.id}&status=pending&limit=1`)).toBe(await count(`${filters}&limit=50`));
  });

  it("lists who bought a product for its supplier's staff (seed 004), 404 for anyone else", async () => {
    const res = await call(app, 'GET', `/api/v1/products/${p.id}/orders`, { token: s.employee.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ total: 3, limit: 20, offset: 0 });
    expect(res.body.items).toEqual([
      {
        order: { id: o3.id, number: o3.number, status: 'rejected', created_at: '2024-01-12T23:59:59.000Z' },
        customer: { id: o2.customer.id, name: 'Filter Customer' },
        quantity: 3,
        unit_price: '5.00',
        line_total: '15.00',
        currency: 'KZT',
      },
      {
        order: { id: o2.id, number: o2.number, status: 'pending', created_at: '2024-01-11T08:00:00.000Z' },
        customer: { id: o2.customer.id, name: 'Filter Customer' },
        quantity: 1,
        unit_price: '5.00',
        line_total: '5.00',
        currency: 'KZT',
      },
      {
        order: { id: o1.id, number: o1.number, status: 'pending', created_at: '2024-01-10T12:00:00.000Z' },
        customer: { id: o1.customer.id, name: c.org.name },
        quantity: 2,
        unit_price: '5.00',
        line_total: '10.00',
        currency: 'KZT',
      },
    ]);
    const pending = await call(app, 'GET', `/api/v1/products/${p.id}/orders?status=pending&limit=1&offset=1`, { token: s.sales.token });
    expect(pending.body).toMatchObject({ total: 2, items: [{ order: { id: o1.id } }] });
    const onlyQ = await call(app, 'GET', `/api/v1/products/${q.id}/orders`, { token: s.owner.token });
    expect(onlyQ.body.items).toEqual([expect.objectContaining({ order: expect.objectContaining({ id: o2.id }), quantity: 4, line_total: '30.00' })]);

    const other = await buildSupplier(app);
    expectProblem(await call(app, 'GET', `/api/v1/products/${p.id}/orders`, { token: other.owner.token }), 404);
    expectProblem(await call(app, 'GET', `/api/v1/products/${p.id}/orders`, { token: c.buyer.token }), 404);
    expectProblem(await call(app, 'GET', '/api/v1/products/01890000-0000-7000-8000-000000000000/orders', { token: s.owner.token }), 404);
    // No orders:read anywhere: refused at the door.
    expectProblem(await call(app, 'GET', `/api/v1/products/${p.id}/orders`, { token: (await registerUser(app)).token }), 403);
    expectProblem(await call(app, 'GET', `/api/v1/products/${p.id}/orders`), 401);
  });

  it("lists a customer's orders for its supplier's staff (seed 004), 404 for anyone else", async () => {
    const res = await call(app, 'GET', `/api/v1/customers/${o2.customer.id}/orders`, { token: s.employee.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(ids(res.body)).toEqual([o3.id, o2.id]);
    expect(res.body.total).toBe(2);
    expect(ids((await call(app, 'GET', `/api/v1/customers/${o2.customer.id}/orders?status=rejected`, { token: s.sales.token })).body)).toEqual([o3.id]);
    expect(ids((await call(app, 'GET', `/api/v1/customers/${o1.customer.id}/orders`, { token: s.owner.token })).body)).toEqual([o1.id]);

    const other = await buildSupplier(app);
    expectProblem(await call(app, 'GET', `/api/v1/customers/${o2.customer.id}/orders`, { token: other.owner.token }), 404);
    expectProblem(await call(app, 'GET', `/api/v1/customers/${o1.customer.id}/orders`, { token: c.owner.token }), 404);
    expectProblem(await call(app, 'GET', '/api/v1/customers/01890000-0000-7000-8000-000000000000/orders', { token: s.owner.token }), 404);

    // A platform admin sees any supplier's customer.
    const adminEmail = `admin-${uniq()}@example.com`;
    await createPlatformAdmin(database.db, { email: adminEmail, password: PASSWORD });
    const admin = (await call(app, 'POST', '/api/v1/auth/login', { body: { email: adminEmail, password: PASSWORD } })).body.access_token as string;
    expect(ids((await call(app, 'GET', `/api/v1/customers/${o2.customer.id}/orders`, { token: admin })).body)).toEqual([o3.id, o2.id]);
  });
});

describe('stock movements in the order detail', () => {
  it('shows them to supplier staff with inventory:read and never to the buyer', async () => {
    const s = await buildSupplier(app);
    const c = await buildConsumer(app);
    await buildLink(app, s, c);
    const p = await buildProduct(app, s, { stock: 10 });
    const placed = await placeOk(c.buyer.token, { supplier_id: s.org.id, items: [{ product_id: p.id, quantity: 4 }] });
    expect('stock_movements' in placed).toBe(false);

    const forStaff = await call(app, 'GET', `/api/v1/orders/${placed.id}`, { token: s.employee.token });
    expect(forStaff.body.stock_movements).toEqual([
      expect.objectContaining({
        product_id: p.id,
        location_id: placed.location_id,
        reason: 'reservation',
        on_hand_before: 10,
        on_hand_after: 10,
        reserved_before: 0,
        reserved_after: 4,
        actor_id: c.buyer.id,
      }),
    ]);
    for (const user of [c.buyer, c.owner]) {
      const res = await call(app, 'GET', `/api/v1/orders/${placed.id}`, { token: user.token });
      expect(res.status).toBe(200);
      expect('stock_movements' in res.body).toBe(false);
    }

    for (const st of ['accepted', 'in_progress', 'ready']) expect((await setStatus(s.manager, placed.id, st)).status).toBe(200);
    const shipped = await setStatus(s.sales, placed.id, 'shipped');
    expect(shipped.body.stock_movements.map((m: { reason: string }) => m.reason)).toEqual(['reservation', 'sale']);
    expect(shipped.body.stock_movements[1]).toMatchObject({
      on_hand_before: 10,
      on_hand_after: 6,
      reserved_before: 4,
      reserved_after: 0,
      actor_id: s.sales.id,
    });
    const buyerView = await call(app, 'GET', `/api/v1/orders/${placed.id}`, { token: c.buyer.token });
    expect('stock_movements' in buyerView.body).toBe(false);

    // A staff order's answer carries them for its placer (sales holds inventory:read).
    const staffOrder = await placeOk(s.sales.token, { supplier_id: s.org.id, customer: { name: 'Walk-in' }, items: [{ product_id: p.id, quantity: 1 }] });
    expect(staffOrder.stock_movements).toHaveLength(1);
  });

  it('answers the detail in a bounded number of queries whatever the order size', async () => {
    const s = await buildSupplier(app);
    const ps = await Promise.all(Array.from({ length: 6 }, () => buildProduct(app, s)));
    const small = await placeOk(s.sales.token, { supplier_id: s.org.id, customer: { name: 'A' }, items: [{ product_id: ps[0].id, quantity: 1 }] });
    const big = await placeOk(s.sales.token, { supplier_id: s.org.id, customer: { name: 'B' }, items: ps.map((x) => ({ product_id: x.id, quantity: 1 })) });
    const count = async (id: string) => {
      const before = database.queryCount();
      const res = await call(app, 'GET', `/api/v1/orders/${id}`, { token: s.owner.token });
      expect(res.status).toBe(200);
      expect(res.body.stock_movements.length).toBe(res.body.lines.length);
      return database.queryCount() - before;
    };
    expect(await count(big.id)).toBe(await count(small.id));
  });
});
