/**
 * The demo loads through the API into an empty database, and what it promises is there: every
 * printed login works, Acme's linked catalog, pending order and transfer, the public Mami store
 * with its branches, stock, categories, settings, channels and orders.
 *
 * The demo's fixed emails need an empty database, which the shared PostgreSQL test database of CI
 * is not: this file runs on an in-memory PGlite of its own, or, with DATABASE_URL=postgres://…, on
 * a fresh database created on that server for this file and dropped after it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestApp, expectProblem, registerUser, type TestApp } from '../../test/helpers.js';
import { loadDemo, loadDemoIfEmpty, type DemoLogins } from './demo.js';
import { ACME, MAMI_BRANCHES, MAMI_CATEGORIES, MAMI_CHANNELS, MAMI_ORDERS, MAMI_SHORTAGES, MAMI_STOCK, MAMI_WAREHOUSE, mamiProducts } from './fixture.js';

let t: TestApp;
let demo: DemoLogins;
const tokens = new Map<string, string>();

async function supplierId(name: string): Promise<string> {
  const res = await call(t.app, 'GET', `/api/v1/suppliers?q=${encodeURIComponent(name)}`);
  expect(res.status).toBe(200);
  const found = res.body.items.find((s: { name: string }) => s.name === name);
  expect(found, `supplier ${name}`).toBeTruthy();
  return found.id;
}

/** Every page of a list endpoint (100 a page). */
async function listAll(url: string, token?: string): Promise<any[]> {
  const items: any[] = [];
  for (let offset = 0; ; offset += 100) {
    const res = await call(t.app, 'GET', `${url}${url.includes('?') ? '&' : '?'}limit=100&offset=${offset}`, { token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    items.push(...res.body.items);
    if (items.length >= res.body.total || res.body.items.length === 0) return items;
  }
}

/** Runs one statement on the PostgreSQL server of `url` (its own connection). */
async function onServer(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

const serverUrl = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;
const scratchName = `agora_demo_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
let scratchCreated = false;

// Registered before the app's own afterAll (inside beforeAll), so it runs after the app is closed.
afterAll(async () => {
  if (serverUrl && scratchCreated) await onServer(serverUrl, `DROP DATABASE IF EXISTS ${scratchName} WITH (FORCE)`);
});

beforeAll(async () => {
  let databaseUrl = 'pglite://memory';
  if (serverUrl) {
    await onServer(serverUrl, `CREATE DATABASE ${scratchName}`);
    scratchCreated = true;
    const url = new URL(serverUrl);
    url.pathname = `/${scratchName}`;
    databaseUrl = url.toString();
  }
  t = await createTestApp({ databaseUrl });
  expect(t.database.kind).toBe(serverUrl ? 'postgres' : 'pglite');
  demo = await loadDemo(t.app, t.database);
  for (const { email } of demo.logins) {
    const res = await call(t.app, 'POST', '/api/v1/auth/login', { body: { email, password: demo.password } });
    if (res.status === 200) tokens.set(email, res.body.access_token);
  }
}, 120_000);

describe('demo', () => {
  it('prints working logins, all with the demo password', async () => {
    expect(demo.password).toBe('Password123');
    expect(demo.logins.map((l) => l.email)).toEqual(
      expect.arrayContaining([
        'admin@example.com',
        'supplier.owner@example.com',
        'supplier.manager@example.com',
        'supplier.sales@example.com',
        'consumer@example.com',
        'store.manager@example.com',
        'shopper@example.com',
      ]),
    );
    expect([...tokens.keys()].sort()).toEqual(demo.logins.map((l) => l.email).sort());

    const admin = await call(t.app, 'GET', '/api/v1/users/me', { token: tokens.get('admin@example.com') });
    expect(admin.body.platform_roles).toContain('admin');
    const manager = await call(t.app, 'GET', '/api/v1/users/me', { token: tokens.get('supplier.manager@example.com') });
    expect(manager.body.memberships).toEqual([expect.objectContaining({ organization_name: 'Acme Wholesale Supplies', role: 'manager' })]);
    const sales = await call(t.app, 'GET', '/api/v1/users/me', { token: tokens.get('supplier.sales@example.com') });
    expect(sales.body.memberships).toEqual([expect.objectContaining({ organization_name: 'Acme Wholesale Supplies', role: 'sales' })]);
    const storeManager = await call(t.app, 'GET', '/api/v1/users/me', { token: tokens.get('store.manager@example.com') });
    expect(storeManager.body.memberships).toEqual([expect.objectContaining({ organization_name: 'Mami Supermarket', role: 'manager' })]);
    const shopper = await call(t.app, 'GET', '/api/v1/users/me', { token: tokens.get('shopper@example.com') });
    expect(shopper.body.memberships).toEqual([]);
    expect(shopper.body.platform_roles).toEqual([]);
  });

  it("shows Acme's catalog to the linked consumer and to nobody else", async () => {
    const acme = await supplierId('Acme Wholesale Supplies');
    const res = await call(t.app, 'GET', `/api/v1/catalog/products?supplier_id=${acme}`, { token: tokens.get('consumer@example.com') });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(3);
    const bySku = Object.fromEntries(res.body.items.map((p: any) => [p.sku, p]));
    for (const p of ACME.products) {
      expect(bySku[p.sku]).toMatchObject({ name: p.name, price: p.price });
    }

    const stranger = await registerUser(t.app);
    const org = await call(t.app, 'POST', '/api/v1/organizations', { token: stranger.token, body: { type: 'consumer', name: 'Unlinked Shop' } });
    expect(org.status).toBe(201);
    expectProblem(await call(t.app, 'GET', `/api/v1/catalog/products?supplier_id=${acme}`, { token: stranger.token }), 403, 'NO_ACCEPTED_LINK');
  });

  it('holds the pending 175,000.00 KZT order with its stock reserved', async () => {
    const consumer = tokens.get('consumer@example.com');
    const orders = await call(t.app, 'GET', '/api/v1/orders', { token: consumer });
    expect(orders.status, JSON.stringify(orders.body)).toBe(200);
    expect(orders.body.items).toHaveLength(1);
    const order = await call(t.app, 'GET', `/api/v1/orders/${orders.body.items[0].id}`, { token: consumer });
    expect(order.status).toBe(200);
    expect(order.body).toMatchObject({
      status: 'pending',
      subtotal: '175000.00',
      tax_total: '0.00',
      shipping_total: '0.00',
      total: '175000.00',
      currency: 'KZT',
    });
    expect(order.body.lines.map((l: any) => [l.sku, l.quantity]).sort()).toEqual([
      ['WID-A-001', 5],
      ['WID-B-002', 10],
    ]);
    expect(order.body.status_history.map((h: any) => h.to_status)).toEqual(['pending']);

    const owner = tokens.get('supplier.owner@example.com');
    const acme = await supplierId('Acme Wholesale Supplies');
    const products = await listAll(`/api/v1/products?supplier_id=${acme}`, owner);
    const expected: Record<string, { on_hand: number; reserved: number }> = {
      'WID-A-001': { on_hand: 100, reserved: 5 },
      'WID-B-002': { on_hand: 250, reserved: 10 },
      'WID-C-003': { on_hand: 500, reserved: 0 },
    };
    expect(products.map((p) => p.sku).sort()).toEqual(Object.keys(expected));
    for (const p of products) {
      const inv = await call(t.app, 'GET', `/api/v1/products/${p.id}/inventory`, { token: owner });
      expect(inv.status).toBe(200);
      const { on_hand, reserved } = expected[p.sku];
      expect(inv.body, p.sku).toMatchObject({ on_hand, reserved, available: on_hand - reserved });
    }
  });

  it('moved Acme stock to a second warehouse: one transfer pair in the movement history', async () => {
    const manager = tokens.get('supplier.manager@example.com');
    const locations = await call(t.app, 'GET', '/api/v1/locations', { token: manager });
    expect(locations.status).toBe(200);
    expect(locations.body.items.map((l: any) => [l.name, l.is_default])).toEqual([
      [ACME.defaultLocation, true],
      [ACME.depot.name, false],
    ]);
    const [main, depot] = locations.body.items;

    const moves = await call(t.app, 'GET', '/api/v1/inventory/movements?reason=transfer', { token: manager });
    expect(moves.status, JSON.stringify(moves.body)).toBe(200);
    expect(moves.body.total).toBe(2);
    const [a, b] = moves.body.items;
    expect(a.transfer_id).toBeTruthy();
    expect(b.transfer_id).toBe(a.transfer_id);
    const { sku, quantity } = ACME.transfer;
    const byLocation = Object.fromEntries(moves.body.items.map((m: any) => [m.location.id, m]));
    expect(byLocation[main.id]).toMatchObject({ product: { sku }, delta_on_hand: -quantity, on_hand_before: 500, on_hand_after: 500 - quantity });
    expect(byLocation[depot.id]).toMatchObject({ product: { sku }, delta_on_hand: quantity, on_hand_before: 0, on_hand_after: quantity });
  });

  it('opens the Mami store to anonymous browsers: 109 products, offers and attributes', async () => {
    const mami = await supplierId('Mami Supermarket');
    const products = await listAll(`/api/v1/catalog/products?supplier_id=${mami}`);
    expect(products).toHaveLength(109);
    const fixture = mamiProducts();
    const bySku = new Map(products.map((p) => [p.sku, p]));
    for (const p of fixture) {
      expect(bySku.get(p.sku), p.sku).toMatchObject({
        name: p.name,
        price: p.price,
        unit: p.unit,
        compare_at_price: p.compareAtPrice,
        attributes: p.attributes,
      });
    }
    expect(products.filter((p) => p.compare_at_price !== null).length).toBeGreaterThanOrEqual(3);
    expect(products.filter((p) => p.attributes.kosher === true).length).toBeGreaterThanOrEqual(3);
    expect(products.filter((p) => p.attributes.organic === true).length).toBeGreaterThanOrEqual(3);

    const categories = await listAll(`/api/v1/categories?supplier_id=${mami}`);
    expect(categories.map((c) => c.name).sort()).toEqual(MAMI_CATEGORIES.map((c) => c.name).sort());

    const cheese = await call(t.app, 'GET', `/api/v1/catalog/products?supplier_id=${mami}&q=chee&limit=100`);
    expect(cheese.status).toBe(200);
    expect(cheese.body.items.map((p: any) => p.name).sort()).toEqual(['Cottage Cheese 5%', 'Cream Cheese', 'Mozzarella Cheese', 'Yellow Cheese Slices']);
  });

  it('files Cheese under Dairy & Eggs: the tree, and the descendants filter', async () => {
    const mami = await supplierId('Mami Supermarket');
    const tree = await call(t.app, 'GET', `/api/v1/categories?supplier_id=${mami}&tree=true`);
    expect(tree.status, JSON.stringify(tree.body)).toBe(200);
    expect(tree.body.total).toBe(MAMI_CATEGORIES.length);
    expect(tree.body.items).toHaveLength(MAMI_CATEGORIES.filter((c) => !c.parent).length);
    const dairy = tree.body.items.find((c: any) => c.slug === 'dairy-eggs');
    expect(dairy.children.map((c: any) => c.name)).toEqual(['Cheese']);
    const cheese = dairy.children[0];

    const fixture = mamiProducts();
    const inDairy = await listAll(`/api/v1/catalog/products?supplier_id=${mami}&category_id=${dairy.id}`);
    expect(inDairy.map((p) => p.name).sort()).toEqual(
      fixture
        .filter((p) => ['Dairy & Eggs', 'Cheese'].includes(p.category))
        .map((p) => p.name)
        .sort(),
    );
    expect(inDairy.filter((p) => p.category_id === cheese.id)).toHaveLength(4);
    const inCheese = await listAll(`/api/v1/catalog/products?supplier_id=${mami}&category_id=${cheese.id}`);
    expect(inCheese).toHaveLength(4);
  });

  it('sets the store up: delivery settings, a warehouse and 4 branches, two channels', async () => {
    const manager = tokens.get('store.manager@example.com');
    const mami = await supplierId('Mami Supermarket');
    const org = await call(t.app, 'GET', `/api/v1/organizations/${mami}`, { token: manager });
    expect(org.body).toMatchObject({ currency: 'ILS', tax_rate: '0.00', delivery_fee: '30.00', free_delivery_threshold: '150.00' });

    const locations = await call(t.app, 'GET', '/api/v1/locations', { token: manager });
    expect(locations.status).toBe(200);
    expect(locations.body.items[0]).toMatchObject({ name: MAMI_WAREHOUSE.name, kind: 'warehouse', is_default: true, is_active: true });
    const branches = locations.body.items.slice(1).map((l: any) => ({ name: l.name, address: l.address, kind: l.kind, is_default: l.is_default }));
    expect(branches).toEqual(expect.arrayContaining(MAMI_BRANCHES.map((b) => ({ ...b, kind: 'branch', is_default: false }))));
    expect(branches).toHaveLength(4);

    const channels = await call(t.app, 'GET', '/api/v1/sales-channels', { token: manager });
    expect(channels.body.items.map((c: any) => [c.name, c.kind, c.is_default])).toEqual([
      [MAMI_CHANNELS.online.name, 'online', true],
      [MAMI_CHANNELS.counter.name, 'retail', false],
    ]);
  });

  it('stocks the warehouse and every branch, with a few products low or out at one branch', async () => {
    const manager = tokens.get('store.manager@example.com');
    const fixture = mamiProducts();
    const levels = await listAll('/api/v1/inventory', manager);
    expect(levels).toHaveLength(fixture.length * 5);

    // Every level as the fixture says, less what the two orders reserve at their location.
    const reserved = new Map<string, number>();
    for (const l of MAMI_ORDERS.shopper.items) reserved.set(`${l.product}\n${MAMI_WAREHOUSE.name}`, l.quantity);
    for (const l of MAMI_ORDERS.counter.items) reserved.set(`${l.product}\n${MAMI_ORDERS.counter.branch}`, l.quantity);
    const short = new Map(MAMI_SHORTAGES.map((s) => [`${s.product}\n${s.branch}`, s.onHand]));
    for (const level of levels) {
      const key = `${level.product.name}\n${level.location.name}`;
      const base = level.location.name === MAMI_WAREHOUSE.name ? MAMI_STOCK.warehouse : MAMI_STOCK.branch;
      const onHand = short.get(key) ?? base.onHand;
      const held = reserved.get(key) ?? 0;
      expect(level, key).toMatchObject({ on_hand: onHand, reserved: held, available: onHand - held, reorder_point: base.reorderPoint });
    }

    const low = await listAll('/api/v1/inventory?low_stock=true', manager);
    expect(low.map((l) => [l.product.name, l.location.name, l.on_hand, l.low_stock]).sort()).toEqual(
      MAMI_SHORTAGES.map((s) => [s.product, s.branch, s.onHand, true]).sort(),
    );

    // One product across the locations: the warehouse first, then the branches.
    const apples = levels.find((l) => l.product.sku === 'MAMI-0001').product;
    const inv = await call(t.app, 'GET', `/api/v1/products/${apples.id}/inventory`, { token: manager });
    expect(inv.status).toBe(200);
    const total = MAMI_STOCK.warehouse.onHand + MAMI_BRANCHES.length * MAMI_STOCK.branch.onHand;
    expect(inv.body).toMatchObject({ on_hand: total, reserved: 0, available: total });
    expect(inv.body.locations.map((l: any) => [l.name, l.on_hand])).toEqual([
      [MAMI_WAREHOUSE.name, MAMI_STOCK.warehouse.onHand],
      ...[...MAMI_BRANCHES].sort((a, b) => a.name.localeCompare(b.name)).map((b) => [b.name, MAMI_STOCK.branch.onHand]),
    ]);
  });

  it("holds the shopper's delivery order: below 150 ILS, it pays the 30.00 fee", async () => {
    const shopper = tokens.get('shopper@example.com');
    const orders = await call(t.app, 'GET', '/api/v1/orders', { token: shopper });
    expect(orders.status).toBe(200);
    expect(orders.body.items).toHaveLength(1);
    const order = orders.body.items[0];
    const cents = (m: string) => Math.round(Number(m) * 100);
    expect(cents(order.subtotal)).toBeLessThan(15000);
    expect(order).toMatchObject({
      status: 'pending',
      source: 'buyer',
      currency: 'ILS',
      fulfilment: 'delivery',
      tax_total: '0.00',
      shipping_total: '30.00',
      subtotal: MAMI_ORDERS.shopper.expected.subtotal,
      total: MAMI_ORDERS.shopper.expected.total,
      channel: { name: MAMI_CHANNELS.online.name },
      customer: { name: 'Dana Shopper', email: 'shopper@example.com' },
      shipping_address: MAMI_ORDERS.shopper.shippingAddress,
    });
    expect(cents(order.total)).toBe(cents(order.subtotal) + 3000);
  });

  it('holds the phoned-in counter order for a walk-in customer, collected at a branch', async () => {
    const manager = tokens.get('store.manager@example.com');
    const channels = await call(t.app, 'GET', '/api/v1/sales-channels', { token: manager });
    const counter = channels.body.items.find((c: any) => c.name === MAMI_CHANNELS.counter.name);
    const orders = await call(t.app, 'GET', `/api/v1/orders?channel_id=${counter.id}`, { token: manager });
    expect(orders.status).toBe(200);
    expect(orders.body.items).toHaveLength(1);
    const order = await call(t.app, 'GET', `/api/v1/orders/${orders.body.items[0].id}`, { token: manager });
    const locations = await call(t.app, 'GET', '/api/v1/locations', { token: manager });
    const branch = locations.body.items.find((l: any) => l.name === MAMI_ORDERS.counter.branch);
    const { expected } = MAMI_ORDERS.counter;
    expect(order.body).toMatchObject({
      status: 'pending',
      source: 'staff',
      fulfilment: 'pickup',
      location_id: branch.id,
      channel: { id: counter.id, name: MAMI_CHANNELS.counter.name },
      customer: { name: MAMI_ORDERS.counter.customer.name, email: null },
      subtotal: expected.subtotal,
      shipping_total: '0.00',
      total: expected.total,
    });
    expect(order.body.lines).toHaveLength(MAMI_ORDERS.counter.items.length);

    const customers = await call(t.app, 'GET', `/api/v1/customers?q=${encodeURIComponent(MAMI_ORDERS.counter.customer.name)}`, { token: manager });
    expect(customers.status).toBe(200);
    expect(customers.body.items).toEqual([
      expect.objectContaining({ ...MAMI_ORDERS.counter.customer, order_count: 1, total_spent: expected.total, currency: 'ILS' }),
    ]);
  });

  it('loads only into an empty database', async () => {
    expect(await loadDemoIfEmpty(t.app, t.database)).toBeNull();
  });
});
