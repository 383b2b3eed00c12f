import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { buildConsumer, buildSupplier, call, createTestApp, expectProblem, registerUser, uniq } from '../../../test/helpers.js';
import { buildLink, buildProduct } from '../../../test/factories.js';
import { queryRows } from '../../infra/db/client.js';

const { app, database } = await createTestApp();

const countProducts = async (supplierId: string) =>
  Number((await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from products where supplier_id = ${supplierId}`))[0].n);

describe('POST /products', () => {
  it("lets the owner and a manager create (201), in the supplier's currency", async () => {
    const s = await buildSupplier(app, { currency: 'USD' });
    const a = await buildProduct(app, s, { price: 12.5, cost_price: '7.25', unit: 'kg', attributes: { colour: 'red' }, description: 'Fresh', stock: null });
    expect(a).toMatchObject({ supplier_id: s.org.id, price: '12.50', cost_price: '7.25', currency: 'USD', unit: 'kg', is_active: true, archived_at: null });
    expect(a.attributes).toEqual({ colour: 'red' });
    expect(a.stock).toEqual({ on_hand: 0, reserved: 0, available: 0 });
    const b = await buildProduct(app, s, { stock: null }, { token: s.manager.token });
    expect(b.supplier_id).toBe(s.org.id);
    const got = await call(app, 'GET', `/api/v1/products/${a.id}`, { token: s.sales.token });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: a.id, price: '12.50', cost_price: '7.25', description: 'Fresh' });
  });

  it('refuses sales, employees and consumers with 403', async () => {
    const s = await buildSupplier(app);
    const c = await buildConsumer(app);
    const body = { sku: `X-${uniq()}`, name: 'Nope', price: '1' };
    expectProblem(await call(app, 'POST', '/api/v1/products', { token: s.sales.token, body }), 403);
    expectProblem(await call(app, 'POST', '/api/v1/products', { token: s.employee.token, body }), 403);
    expectProblem(await call(app, 'POST', '/api/v1/products', { token: c.owner.token, body }), 403);
    expectProblem(await call(app, 'POST', '/api/v1/products', { token: c.buyer.token, body }), 403);
    // A consumer owner naming its own organization as supplier gets no product either.
    expectProblem(await call(app, 'POST', '/api/v1/products', { token: c.owner.token, body: { ...body, supplier_id: c.org.id } }), 404);
    expect(await countProducts(s.org.id)).toBe(0);
    expect(await countProducts(c.org.id)).toBe(0);
  });

  it('asks for supplier_id when the caller manages several suppliers (422), and 404 for a foreign one', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const second = await call(app, 'POST', '/api/v1/organizations', { token: s.owner.token, body: { type: 'supplier', name: `Second ${uniq()}` } });
    const body = { sku: `X-${uniq()}`, name: 'Which', price: '1' };
    const p = expectProblem(await call(app, 'POST', '/api/v1/products', { token: s.owner.token, body }), 422);
    expect(p.errors[0].path).toBe('body/supplier_id');
    const ok = await call(app, 'POST', '/api/v1/products', { token: s.owner.token, body: { ...body, supplier_id: second.body.id } });
    expect(ok.status).toBe(201);
    expect(ok.body.supplier_id).toBe(second.body.id);
    expectProblem(await call(app, 'POST', '/api/v1/products', { token: s.owner.token, body: { ...body, supplier_id: other.org.id } }), 404);
    expect(await countProducts(other.org.id)).toBe(0);
  });

  it('answers 409 SKU_TAKEN for a duplicate SKU (trimmed), and allows reuse after archiving', async () => {
    const s = await buildSupplier(app);
    const a = await buildProduct(app, s, { sku: 'DUP-1', stock: null });
    expectProblem(
      await call(app, 'POST', '/api/v1/products', { token: s.owner.token, body: { sku: '  DUP-1 ', name: 'Again', price: '1' } }),
      409,
      'SKU_TAKEN',
    );
    // Another supplier may use the same SKU.
    const other = await buildSupplier(app);
    await buildProduct(app, other, { sku: 'DUP-1', stock: null });
    expect((await call(app, 'DELETE', `/api/v1/products/${a.id}`, { token: s.owner.token })).status).toBe(204);
    const b = await buildProduct(app, s, { sku: 'DUP-1', stock: null });
    expect(b.id).not.toBe(a.id);
    expect(await countProducts(s.org.id)).toBe(2);
  });

  it.each([
    ['a negative price', { price: '-1.00' }, 'body/price'],
    ['too many decimals for the currency', { price: '1.001' }, 'body/price'],
    ['too many decimals as a number', { price: 1.005 }, 'body/price'],
    ['a non-number', { price: 'abc' }, 'body/price'],
    ['a negative cost price', { cost_price: '-5' }, 'body/cost_price'],
    ['a blank SKU', { sku: '   ' }, 'body/sku'],
    ['a negative initial stock', { initial_stock: -1 }, 'body/initial_stock'],
    ['a fractional initial stock', { initial_stock: 1.5 }, 'body/initial_stock'],
  ])('rejects %s with 422 and writes nothing', async (_, patch, path) => {
    const s = await buildSupplier(app);
    const res = await call(app, 'POST', '/api/v1/products', { token: s.owner.token, body: { sku: `S-${uniq()}`, name: 'Bad', price: '10', ...patch } });
    const p = expectProblem(res, 422, 'VALIDATION_FAILED');
    expect(p.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(await countProducts(s.org.id)).toBe(0);
  });

  it('accepts zero-decimal currencies exactly (JPY) and refuses decimals there', async () => {
    const s = await buildSupplier(app, { currency: 'JPY' });
    const p = await buildProduct(app, s, { price: '1500', stock: null });
    expect(p).toMatchObject({ price: '1500', currency: 'JPY' });
    expectProblem(await call(app, 'POST', '/api/v1/products', { token: s.owner.token, body: { sku: 'J', name: 'J', price: '1.5' } }), 422);
  });

  it('requires the category to be one of the same supplier (422)', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const foreign = await call(app, 'POST', '/api/v1/categories', { token: other.owner.token, body: { name: 'Drinks' } });
    expect(foreign.status).toBe(201);
    const res = await call(app, 'POST', '/api/v1/products', { token: s.owner.token, body: { sku: 'C1', name: 'C', price: '1', category_id: foreign.body.id } });
    expect(expectProblem(res, 422).errors[0].path).toBe('body/category_id');
    expect(await countProducts(s.org.id)).toBe(0);
    const own = await call(app, 'POST', '/api/v1/categories', { token: s.owner.token, body: { name: 'Drinks' } });
    const ok = await buildProduct(app, s, { category_id: own.body.id, stock: null });
    expect(ok.category_id).toBe(own.body.id);
  });

  it('puts initial stock at the default location with an "initial" movement', async () => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s, { stock: 25 });
    expect(p.stock).toEqual({ on_hand: 25, reserved: 0, available: 25 });
    const levels = await queryRows<{ on_hand: number; name: string; is_default: boolean }>(
      database.db,
      sql`
      select sl.on_hand, loc.name, loc.is_default from stock_levels sl join stock_locations loc on loc.id = sl.location_id where sl.product_id = ${p.id}`,
    );
    expect(levels).toEqual([{ on_hand: 25, name: 'Main warehouse', is_default: true }]);
    const moves = await queryRows<{ reason: string; on_hand_before: number; on_hand_after: number; actor_id: string }>(
      database.db,
      sql`
      select reason, on_hand_before, on_hand_after, actor_id from stock_movements where product_id = ${p.id}`,
    );
    expect(moves).toEqual([{ reason: 'initial', on_hand_before: 0, on_hand_after: 25, actor_id: s.owner.id }]);
    // A second product reuses the same default location.
    const q = await buildProduct(app, s, { stock: 3 });
    const locs = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from stock_locations where supplier_id = ${s.org.id}`);
    expect(Number(locs[0].n)).toBe(1);
    expect(q.stock.on_hand).toBe(3);
  });
});

describe('PATCH and DELETE /products/{id}', () => {
  it('updates partially, re-checks the SKU, and clears with null', async () => {
    const s = await buildSupplier(app);
    const a = await buildProduct(app, s, { sku: 'A', cost_price: '3.00', description: 'd', stock: null });
    await buildProduct(app, s, { sku: 'B', stock: null });
    const res = await call(app, 'PATCH', `/api/v1/products/${a.id}`, {
      token: s.manager.token,
      body: { name: 'Renamed', price: '99.9', cost_price: null, description: null },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Renamed', price: '99.90', cost_price: null, description: null, sku: 'A' });
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${a.id}`, { token: s.owner.token, body: { sku: 'B' } }), 409, 'SKU_TAKEN');
    expect((await call(app, 'PATCH', `/api/v1/products/${a.id}`, { token: s.owner.token, body: { sku: 'A' } })).status).toBe(200);
    expect((await call(app, 'PATCH', `/api/v1/products/${a.id}`, { token: s.owner.token, body: { sku: 'C' } })).body.sku).toBe('C');
    // 0 is an amount, not "no cost price".
    expect((await call(app, 'PATCH', `/api/v1/products/${a.id}`, { token: s.owner.token, body: { cost_price: 0 } })).body.cost_price).toBe('0.00');
  });

  it('refuses bad input with 422 and changes nothing', async () => {
    const s = await buildSupplier(app);
    const a = await buildProduct(app, s, { price: '10.00', stock: null });
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${a.id}`, { token: s.owner.token, body: { price: '-3' } }), 422);
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${a.id}`, { token: s.owner.token, body: { price: '3.123' } }), 422);
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${a.id}`, { token: s.owner.token, body: {} }), 422);
    // Wrong JSON types are refused, not coerced; only http(s) image URLs.
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${a.id}`, { token: s.owner.token, body: { name: 123 } }), 422);
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${a.id}`, { token: s.owner.token, body: { is_active: 'false' } }), 422);
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${a.id}`, { token: s.owner.token, body: { image_url: 'javascript:alert(1)' } }), 422);
    const got = await call(app, 'GET', `/api/v1/products/${a.id}`, { token: s.owner.token });
    expect(got.body.price).toBe('10.00');
    expect(got.body.updated_at).toBe(a.updated_at);
  });

  it("hides another supplier's product (404) and refuses sales (403)", async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const a = await buildProduct(app, s, { stock: null });
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${a.id}`, { token: other.owner.token, body: { name: 'Mine now' } }), 404);
    expectProblem(await call(app, 'DELETE', `/api/v1/products/${a.id}`, { token: other.owner.token }), 404);
    expectProblem(await call(app, 'GET', `/api/v1/products/${a.id}`, { token: other.owner.token }), 404);
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${a.id}`, { token: s.sales.token, body: { name: 'x' } }), 403);
    expectProblem(await call(app, 'DELETE', `/api/v1/products/${a.id}`, { token: s.employee.token }), 403);
    const got = await call(app, 'GET', `/api/v1/products/${a.id}`, { token: s.owner.token });
    expect(got.body.name).toBe(a.name);
    expect(got.body.archived_at).toBeNull();
  });

  it('archives: gone from lists and the catalog, GET by id still answers with archived_at, writes answer 404', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const a = await buildProduct(app, s, { stock: null });
    const keep = await buildProduct(app, s, { stock: null });
    expect((await call(app, 'DELETE', `/api/v1/products/${a.id}`, { token: s.manager.token })).status).toBe(204);
    const got = await call(app, 'GET', `/api/v1/products/${a.id}`, { token: s.owner.token });
    expect(got.status).toBe(200);
    expect(got.body.archived_at).not.toBeNull();
    expect(got.body.is_active).toBe(false);
    const list = await call(app, 'GET', '/api/v1/products', { token: s.owner.token });
    expect(list.body.items.map((p: { id: string }) => p.id)).toEqual([keep.id]);
    const cat = await call(app, 'GET', `/api/v1/catalog/products?supplier_id=${s.org.id}`);
    expect(cat.body.items.map((p: { id: string }) => p.id)).toEqual([keep.id]);
    expectProblem(await call(app, 'GET', `/api/v1/catalog/products/${a.id}`), 404);
    expectProblem(await call(app, 'DELETE', `/api/v1/products/${a.id}`, { token: s.owner.token }), 404);
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${a.id}`, { token: s.owner.token, body: { name: 'back' } }), 404);
  });
});

describe('GET /products', () => {
  it('filters by q (full text) and is_active, sorts, and pages', async () => {
    const s = await buildSupplier(app);
    const apple = await buildProduct(app, s, { sku: 'FR-001', name: 'Green Apple', price: '30', stock: null });
    const pear = await buildProduct(app, s, { sku: 'FR-002', name: 'Pear', price: '10', is_active: false, stock: null });
    const milk = await buildProduct(app, s, { sku: 'DA_100%', name: 'Milk', price: '20', stock: 4 });
    const token = s.employee.token;
    const ids = (r: { body: { items: { id: string }[] } }) => r.body.items.map((p) => p.id);

    const all = await call(app, 'GET', '/api/v1/products', { token });
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(3);
    expect(ids(all)).toEqual([milk.id, pear.id, apple.id]); // default -created_at
    expect(all.body.items[0].stock).toEqual({ on_hand: 4, reserved: 0, available: 4 });
    expect(all.body.items[0].cost_price).toBeNull();

    // Full-text prefix search: words of letters and digits; punctuation is no wildcard and alone matches nothing.
    expect(ids(await call(app, 'GET', '/api/v1/products?q=apple', { token }))).toEqual([apple.id]);
    expect(ids(await call(app, 'GET', '/api/v1/products?q=fr-00', { token })).sort()).toEqual([apple.id, pear.id].sort());
    expect(ids(await call(app, 'GET', `/api/v1/products?q=${encodeURIComponent('DA_100%')}`, { token }))).toEqual([milk.id]);
    const punct = await call(app, 'GET', `/api/v1/products?q=${encodeURIComponent('%')}`, { token });
    expect(punct.status).toBe(200);
    expect(punct.body).toMatchObject({ items: [], total: 0 });
    expect(ids(await call(app, 'GET', '/api/v1/products?q=_', { token }))).toEqual([]);
    expect(ids(await call(app, 'GET', '/api/v1/products?is_active=false', { token }))).toEqual([pear.id]);
    expect(ids(await call(app, 'GET', '/api/v1/products?is_active=true&sort=price', { token }))).toEqual([milk.id, apple.id]);
    expect(ids(await call(app, 'GET', '/api/v1/products?sort=-price', { token }))).toEqual([apple.id, milk.id, pear.id]);
    expect(ids(await call(app, 'GET', '/api/v1/products?sort=name', { token }))).toEqual([apple.id, milk.id, pear.id]);
    expect(ids(await call(app, 'GET', '/api/v1/products?sort=sku,-created_at', { token }))).toEqual([milk.id, apple.id, pear.id]);

    const page = await call(app, 'GET', '/api/v1/products?sort=name&limit=2&offset=1', { token });
    expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 1 });
    expect(ids(page)).toEqual([milk.id, pear.id]);

    // Staff may sort by cost price (products without one last); unknown keys are 422.
    expect((await call(app, 'GET', '/api/v1/products?sort=cost_price', { token })).status).toBe(200);
    const bad = expectProblem(await call(app, 'GET', '/api/v1/products?sort=cost', { token }), 422);
    expect(bad.errors[0].path).toBe('querystring/sort');
    expectProblem(await call(app, 'GET', '/api/v1/products?limit=0', { token }), 422);
  });

  it("is for the supplier's staff: other suppliers 404, consumers 403", async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const c = await buildConsumer(app);
    expectProblem(await call(app, 'GET', `/api/v1/products?supplier_id=${s.org.id}`, { token: other.owner.token }), 404);
    expectProblem(await call(app, 'GET', '/api/v1/products', { token: c.buyer.token }), 403);
    expectProblem(await call(app, 'GET', '/api/v1/products'), 401);
  });

  it('answers a page in the same number of queries for 5 and 50 products', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    for (let i = 0; i < 50; i++) await buildProduct(app, s, { stock: i });
    const measure = async (url: string, token?: string) => {
      const before = database.queryCount();
      const res = await call(app, 'GET', url, { token });
      expect(res.status).toBe(200);
      return { n: database.queryCount() - before, items: res.body.items.length };
    };
    const staff5 = await measure('/api/v1/products?limit=5', s.owner.token);
    const staff50 = await measure('/api/v1/products?limit=50', s.owner.token);
    expect([staff5.items, staff50.items]).toEqual([5, 50]);
    expect(staff50.n).toBe(staff5.n);
    const cat5 = await measure(`/api/v1/catalog/products?supplier_id=${s.org.id}&limit=5`);
    const cat50 = await measure(`/api/v1/catalog/products?supplier_id=${s.org.id}&limit=50`);
    expect([cat5.items, cat50.items]).toEqual([5, 50]);
    expect(cat50.n).toBe(cat5.n);
    expect(cat50.n).toBeLessThanOrEqual(2); // anonymous: no actor query, page + count only
    const all5 = await measure('/api/v1/catalog/products?limit=5');
    const all50 = await measure('/api/v1/catalog/products?limit=50');
    expect(all50.n).toBe(all5.n);
    expect(all50.n).toBeLessThanOrEqual(2);
  });
});

describe('categories', () => {
  it('creates with a default slug, 409 SLUG_TAKEN on a duplicate, parent of the same supplier only', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const res = await call(app, 'POST', '/api/v1/categories', { token: s.manager.token, body: { name: 'Dairy & Eggs', description: 'Cold' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ supplier_id: s.org.id, slug: 'dairy-eggs', parent_id: null, description: 'Cold' });
    expectProblem(await call(app, 'POST', '/api/v1/categories', { token: s.owner.token, body: { name: 'Other', slug: 'dairy-eggs' } }), 409, 'SLUG_TAKEN');
    const child = await call(app, 'POST', '/api/v1/categories', { token: s.owner.token, body: { name: 'Milk', parent_id: res.body.id } });
    expect(child.body.parent_id).toBe(res.body.id);
    const foreign = await call(app, 'POST', '/api/v1/categories', { token: other.owner.token, body: { name: 'Milk', parent_id: res.body.id } });
    expect(expectProblem(foreign, 422).errors[0].path).toBe('body/parent_id');
    expectProblem(await call(app, 'POST', '/api/v1/categories', { token: s.sales.token, body: { name: 'No' } }), 403);
    const list = await call(app, 'GET', '/api/v1/categories', { token: s.employee.token });
    expect(list.body.items.map((c: { name: string }) => c.name)).toEqual(['Dairy & Eggs', 'Milk']);
    const otherList = await call(app, 'GET', `/api/v1/categories?supplier_id=${other.org.id}`, { token: other.owner.token });
    expect(otherList.body.total).toBe(0);
  });

  it('lists for catalog viewers: public anyone, linked needs an accepted link', async () => {
    const pub = await buildSupplier(app, { catalog_visibility: 'public' });
    const linked = await buildSupplier(app);
    const c = await buildConsumer(app);
    await call(app, 'POST', '/api/v1/categories', { token: pub.owner.token, body: { name: 'Bread' } });
    await call(app, 'POST', '/api/v1/categories', { token: linked.owner.token, body: { name: 'Wine' } });
    expect((await call(app, 'GET', `/api/v1/categories?supplier_id=${pub.org.id}`)).body.total).toBe(1);
    expectProblem(await call(app, 'GET', `/api/v1/categories?supplier_id=${linked.org.id}`, { token: c.buyer.token }), 403, 'NO_ACCEPTED_LINK');
    expectProblem(await call(app, 'GET', `/api/v1/categories?supplier_id=${linked.org.id}`, { token: pub.owner.token }), 403, 'NO_ACCEPTED_LINK');
    expectProblem(await call(app, 'GET', `/api/v1/categories?supplier_id=${c.org.id}`), 404);
    expectProblem(await call(app, 'GET', '/api/v1/categories'), 422);
    await buildLink(app, linked, c);
    expect((await call(app, 'GET', `/api/v1/categories?supplier_id=${linked.org.id}`, { token: c.buyer.token })).body.total).toBe(1);
  });
});

describe('catalog', () => {
  it('shows a public supplier anonymously, without cost price, with available stock', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const p = await buildProduct(app, s, { cost_price: '50.00', stock: 7, attributes: { size: 'L' } });
    await buildProduct(app, s, { is_active: false, stock: null });
    const list = await call(app, 'GET', `/api/v1/catalog/products?supplier_id=${s.org.id}`);
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    expect(list.body.items[0]).toEqual({
      id: p.id,
      supplier: { id: s.org.id, name: s.org.name },
      sku: p.sku,
      name: p.name,
      description: null,
      price: '100.00',
      compare_at_price: null,
      currency: 'KZT',
      category_id: null,
      unit: 'each',
      image_url: null,
      attributes: { size: 'L' },
      available: 7,
      created_at: p.created_at,
    });
    expect(list.body.items[0]).not.toHaveProperty('cost_price');
    const one = await call(app, 'GET', `/api/v1/catalog/products/${p.id}`);
    expect(one.status).toBe(200);
    expect(one.body).not.toHaveProperty('cost_price');
    expect(one.body.available).toBe(7);
    const customer = await registerUser(app);
    expect((await call(app, 'GET', `/api/v1/catalog/products/${p.id}`, { token: customer.token })).status).toBe(200);
  });

  it('shows a linked supplier only with an accepted link', async () => {
    const s = await buildSupplier(app);
    const active = await buildProduct(app, s, { stock: null });
    const inactive = await buildProduct(app, s, { is_active: false, stock: null });
    const none = await buildConsumer(app);
    const pending = await buildConsumer(app);
    const accepted = await buildConsumer(app);
    await buildLink(app, s, pending, { status: 'pending' });
    await buildLink(app, s, accepted);
    const url = `/api/v1/catalog/products?supplier_id=${s.org.id}`;

    expectProblem(await call(app, 'GET', url), 403, 'NO_ACCEPTED_LINK');
    expectProblem(await call(app, 'GET', url, { token: none.buyer.token }), 403, 'NO_ACCEPTED_LINK');
    expectProblem(await call(app, 'GET', url, { token: pending.owner.token }), 403, 'NO_ACCEPTED_LINK');
    expectProblem(await call(app, 'GET', `/api/v1/catalog/products/${active.id}`, { token: pending.buyer.token }), 404);
    expectProblem(await call(app, 'GET', `/api/v1/catalog/products/${active.id}`), 404);

    const ok = await call(app, 'GET', url, { token: accepted.buyer.token });
    expect(ok.status).toBe(200);
    expect(ok.body.items.map((p: { id: string }) => p.id)).toEqual([active.id]);
    expect(ok.body.total).toBe(1);
    expect((await call(app, 'GET', `/api/v1/catalog/products/${active.id}`, { token: accepted.buyer.token })).status).toBe(200);
    expectProblem(await call(app, 'GET', `/api/v1/catalog/products/${inactive.id}`, { token: accepted.buyer.token }), 404);
    // The supplier's own staff see their catalog.
    expect((await call(app, 'GET', url, { token: s.employee.token })).body.total).toBe(1);
  });

  it('answers 404 for an unknown supplier and a consumer organization', async () => {
    const c = await buildConsumer(app);
    expectProblem(await call(app, 'GET', '/api/v1/catalog/products?supplier_id=0190a0a0-0000-7000-8000-000000000000'), 404);
    expectProblem(await call(app, 'GET', `/api/v1/catalog/products?supplier_id=${c.org.id}`), 404);
    expectProblem(await call(app, 'GET', '/api/v1/catalog/products/0190a0a0-0000-7000-8000-000000000000'), 404);
    expectProblem(await call(app, 'GET', '/api/v1/catalog/products?sort=cost_price'), 422);
  });

  it('mixes public and accepted-linked suppliers only when no supplier is given', async () => {
    const pub = await buildSupplier(app, { catalog_visibility: 'public' });
    const linkedOk = await buildSupplier(app);
    const linkedPending = await buildSupplier(app);
    const linkedBlocked = await buildSupplier(app);
    const c = await buildConsumer(app);
    await buildLink(app, linkedOk, c);
    await buildLink(app, linkedPending, c, { status: 'pending' });
    await buildLink(app, linkedBlocked, c, { status: 'blocked' });
    const tag = `mix${uniq()}`;
    const a = await buildProduct(app, pub, { name: `${tag} a`, stock: null });
    const b = await buildProduct(app, linkedOk, { name: `${tag} b`, stock: null });
    await buildProduct(app, linkedPending, { name: `${tag} c`, stock: null });
    await buildProduct(app, linkedBlocked, { name: `${tag} d`, stock: null });
    const seen = await call(app, 'GET', `/api/v1/catalog/products?q=${tag}&sort=name`, { token: c.buyer.token });
    expect(seen.body.items.map((p: { id: string }) => p.id)).toEqual([a.id, b.id]);
    expect(seen.body.total).toBe(2);
    const anon = await call(app, 'GET', `/api/v1/catalog/products?q=${tag}`);
    expect(anon.body.items.map((p: { id: string }) => p.id)).toEqual([a.id]);
  });

  it('hides products of an inactive supplier', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const p = await buildProduct(app, s, { stock: null });
    await database.db.execute(sql`update organizations set is_active = false where id = ${s.org.id}`);
    expectProblem(await call(app, 'GET', `/api/v1/catalog/products/${p.id}`), 404);
    expectProblem(await call(app, 'GET', `/api/v1/catalog/products?supplier_id=${s.org.id}`), 404);
  });
});
