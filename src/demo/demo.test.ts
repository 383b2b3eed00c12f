/**
 * The demo loads through the API into an empty database, and what it promises is there: every
 * printed login works, Acme's linked catalog and pending order, the public Mami store.
 *
 * Always on an in-memory PGlite of its own (the demo's fixed emails need an empty database, which
 * the shared PostgreSQL test database of CI is not).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call, createTestApp, expectProblem, registerUser, type TestApp } from '../../test/helpers.js';
import { loadDemo, loadDemoIfEmpty, type DemoLogins } from './demo.js';
import { ACME, MAMI_CATEGORIES, MAMI_INITIAL_STOCK, mamiProducts } from './fixture.js';

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

beforeAll(async () => {
  t = await createTestApp({ databaseUrl: 'pglite://memory' });
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

  it('shows Acme\'s catalog to the linked consumer and to nobody else', async () => {
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
    expect(order.body).toMatchObject({ status: 'pending', total: '175000.00', currency: 'KZT' });
    expect(order.body.lines.map((l: any) => [l.sku, l.quantity]).sort()).toEqual([['WID-A-001', 5], ['WID-B-002', 10]]);
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

  it('opens the Mami store to anonymous browsers: 109 products in 14 categories', async () => {
    const mami = await supplierId('Mami Supermarket');
    const products = await listAll(`/api/v1/catalog/products?supplier_id=${mami}`);
    expect(products).toHaveLength(109);
    const fixture = mamiProducts();
    const bySku = new Map(products.map((p) => [p.sku, p]));
    for (const p of fixture) {
      expect(bySku.get(p.sku), p.sku).toMatchObject({ name: p.name, price: p.price });
    }

    const categories = await listAll(`/api/v1/categories?supplier_id=${mami}`);
    expect(categories.map((c) => c.name).sort()).toEqual(MAMI_CATEGORIES.map((c) => c.name).sort());

    const manager = tokens.get('store.manager@example.com');
    const inv = await call(t.app, 'GET', `/api/v1/products/${bySku.get('MAMI-0001').id}/inventory`, { token: manager });
    expect(inv.status).toBe(200);
    expect(inv.body).toMatchObject({ on_hand: MAMI_INITIAL_STOCK, reserved: 0, available: MAMI_INITIAL_STOCK });
  });

  it('loads only into an empty database', async () => {
    expect(await loadDemoIfEmpty(t.app, t.database)).toBeNull();
  });
});
