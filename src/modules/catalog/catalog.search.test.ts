/**
 * Product search, filters and sorting (staff `GET /products` and the buyers' `GET /catalog/products`),
 * `GET /products/by-sku/{sku}`, `compare_at_price`, and the query-count guarantee of both lists.
 */
import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { buildConsumer, buildSupplier, call, createTestApp, expectProblem, uniq, type Res } from '../../../test/helpers.js';
import { buildProduct } from '../../../test/factories.js';
import { queryRows } from '../../infra/db/client.js';

const { app, database } = await createTestApp();

type Supplier = Awaited<ReturnType<typeof buildSupplier>>;
type Item = { id: string; [k: string]: unknown };

async function createCategory(s: Supplier, name: string, parentId?: string) {
  const res = await call(app, 'POST', '/api/v1/categories', {
    token: s.owner.token,
    body: { name, slug: `${name.toLowerCase()}-${uniq()}`, parent_id: parentId },
  });
  if (res.status !== 201) throw new Error(`create category failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string };
}

/** A stock location written directly (the locations API belongs to the inventory module). */
async function location(supplierId: string, active = true): Promise<string> {
  const id = uuidv7();
  await database.db.execute(
    sql`insert into stock_locations (id, supplier_id, name, is_active) values (${id}, ${supplierId}, ${`Branch ${uniq()}`}, ${active})`,
  );
  return id;
}

/** Stock of a product at a location, written directly. */
async function stock(productId: string, locationId: string, onHand: number, reserved = 0) {
  await database.db.execute(
    sql`insert into stock_levels (product_id, location_id, on_hand, reserved) values (${productId}, ${locationId}, ${onHand}, ${reserved})`,
  );
}

const ids = (r: Res) => (r.body.items as Item[]).map((p) => p.id);
const sorted = (a: string[]) => [...a].sort();
const get = (url: string, token?: string) => call(app, 'GET', url, { token });

describe('full-text search (q)', () => {
  it('finds by word prefix in name, SKU and description, ranked name/SKU before description', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const gala = await buildProduct(app, s, { sku: 'FR-001', name: 'Apples Gala', stock: null });
    const juice = await buildProduct(app, s, { sku: 'JU-7', name: 'Green Juice', description: 'Pressed from fresh apples', stock: null });
    const pear = await buildProduct(app, s, { sku: 'FR-002', name: 'Pear Conference', stock: null });
    const token = s.owner.token;
    const staff = (q: string, extra = '') => get(`/api/v1/products?q=${encodeURIComponent(q)}${extra}`, token);
    const catalog = (q: string, extra = '') => get(`/api/v1/catalog/products?supplier_id=${s.org.id}&q=${encodeURIComponent(q)}${extra}`);

    for (const list of [staff, catalog]) {
      // "app" is a prefix of "apples": the name match (weight A) ranks before the description match (B).
      const app_ = await list('app');
      expect(app_.status).toBe(200);
      expect(ids(app_)).toEqual([gala.id, juice.id]);
      expect(app_.body.total).toBe(2);
      expect(ids(await list('APP gal'))).toEqual([gala.id]); // case-insensitive, every word required
      expect(ids(await list('fr-00'))).toEqual(expect.arrayContaining([gala.id, pear.id])); // SKU prefix
      expect(ids(await list('FR-001'))).toEqual([gala.id]);
      expect(ids(await list('fr001'))).toEqual([]); // words, not substrings
      expect(ids(await list('conf'))).toEqual([pear.id]);
      expect(ids(await list('pressed fresh'))).toEqual([juice.id]);
      // An explicit sort wins over relevance.
      expect(ids(await list('app', '&sort=-name'))).toEqual([juice.id, gala.id]);
    }
  });

  it('cuts Hebrew and Cyrillic text into words too', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const apple = await buildProduct(app, s, { sku: 'RU-1', name: 'Яблоко зелёное', stock: null });
    const milk = await buildProduct(app, s, { sku: 'HE-1', name: 'חלב תנובה 3%', description: 'בקבוק', stock: null });
    const url = (q: string) => `/api/v1/catalog/products?supplier_id=${s.org.id}&q=${encodeURIComponent(q)}`;
    expect(ids(await get(url('ябл')))).toEqual([apple.id]);
    expect(ids(await get(url('зелёное')))).toEqual([apple.id]);
    expect(ids(await get(url('חלב')))).toEqual([milk.id]);
    expect(ids(await get(url('תנו 3')))).toEqual([milk.id]);
    expect(ids(await get(url('בקב')))).toEqual([milk.id]);
  });

  it('never interpolates the text: operators, quotes and text without a word are harmless (no 500)', async () => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s, { sku: 'OPS-1', name: 'Orange Juice', stock: null });
    const token = s.owner.token;
    const hostile = [
      '!!!',
      '%',
      '&|',
      "' OR 1=1 --",
      'or:* | !',
      '(orange',
      'orange)',
      "orange'",
      'orange\\',
      ':*',
      '<->',
      '\u0000',
      '🍊',
      ' ',
      'x'.repeat(200),
    ];
    for (const q of hostile) {
      const res = await get(`/api/v1/products?q=${encodeURIComponent(q)}`, token);
      expect(res.status, q).toBe(200);
    }
    // Operators around a real word are dropped; the word still matches.
    expect(ids(await get(`/api/v1/products?q=${encodeURIComponent("!(orange':*) & |")}`, token))).toEqual([p.id]);
    // No letter or digit: nothing matches (documented), and blank means no filter.
    expect((await get(`/api/v1/products?q=${encodeURIComponent('!!!')}`, token)).body.total).toBe(0);
    expect((await get(`/api/v1/products?q=${encodeURIComponent('   ')}`, token)).body.total).toBe(1);
    expectProblem(await get(`/api/v1/products?q=${'x'.repeat(201)}`, token), 422);
    expect((await get(`/api/v1/catalog/products?q=${encodeURIComponent("'); drop table products; --")}`)).status).toBe(200);
  });
});

describe('filters', () => {
  it("category_id includes every descendant (staff and catalog); another supplier's category is 422 for staff", async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const other = await buildSupplier(app, { catalog_visibility: 'public' });
    const fruits = await createCategory(s, 'Fruits');
    const citrus = await createCategory(s, 'Citrus', fruits.id);
    const lemons = await createCategory(s, 'Lemons', citrus.id);
    const dairy = await createCategory(s, 'Dairy');
    const apple = await buildProduct(app, s, { category_id: fruits.id, stock: null });
    const orange = await buildProduct(app, s, { category_id: citrus.id, stock: null });
    const lemon = await buildProduct(app, s, { category_id: lemons.id, stock: null });
    await buildProduct(app, s, { category_id: dairy.id, stock: null });
    await buildProduct(app, s, { stock: null });
    const foreign = await createCategory(other, 'Fruits');
    await buildProduct(app, other, { category_id: foreign.id, stock: null });

    for (const base of [`/api/v1/products?`, `/api/v1/catalog/products?supplier_id=${s.org.id}&`, `/api/v1/catalog/products?`]) {
      expect(sorted(ids(await get(`${base}category_id=${fruits.id}`, s.owner.token)))).toEqual(sorted([apple.id, orange.id, lemon.id]));
      expect(sorted(ids(await get(`${base}category_id=${citrus.id}`, s.owner.token)))).toEqual(sorted([orange.id, lemon.id]));
      expect(ids(await get(`${base}category_id=${lemons.id}`, s.owner.token))).toEqual([lemon.id]);
    }
    const p = expectProblem(await get(`/api/v1/products?category_id=${foreign.id}`, s.owner.token), 422);
    expect(p.errors[0].path).toBe('querystring/category_id');
    expectProblem(await get(`/api/v1/products?category_id=not-a-uuid`, s.owner.token), 422);
    // The catalog does not tell whether a category exists: an unknown one matches nothing.
    expect((await get(`/api/v1/catalog/products?category_id=${uuidv7()}`)).body).toMatchObject({ items: [], total: 0 });
  });

  it('compares prices exactly as decimals, inclusive, and refuses min > max', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const a = await buildProduct(app, s, { price: '12.89', stock: null });
    const b = await buildProduct(app, s, { price: '12.90', stock: null });
    const c = await buildProduct(app, s, { price: '12.91', stock: null });
    const d = await buildProduct(app, s, { price: '13', stock: null });
    const e = await buildProduct(app, s, { price: '0.30', stock: null });
    for (const base of ['/api/v1/products?', `/api/v1/catalog/products?supplier_id=${s.org.id}&`]) {
      const list = async (q: string) => sorted(ids(await get(`${base}${q}`, s.owner.token)));
      expect(await list('min_price=12.9')).toEqual(sorted([b.id, c.id, d.id]));
      expect(await list('max_price=12.90')).toEqual(sorted([a.id, b.id, e.id]));
      expect(await list('min_price=12.90&max_price=12.9')).toEqual([b.id]);
      expect(await list('min_price=12.8999&max_price=12.9001')).toEqual([b.id]);
      expect(await list('min_price=0.3&max_price=0.3')).toEqual([e.id]); // 0.1 + 0.2 is no problem here
      expect(await list('min_price=12.901&max_price=12.91')).toEqual([c.id]);
      const bad = expectProblem(await get(`${base}min_price=13&max_price=12.99`, s.owner.token), 422);
      expect(bad.errors[0].path).toBe('querystring/min_price');
      for (const v of ['abc', '-1', '1e3', '12.90001', 'NaN', '']) {
        expect((await get(`${base}min_price=${encodeURIComponent(v)}`, s.owner.token)).status, v).toBe(422);
      }
    }
  });

  it('in_stock and location_id: available at active locations for buyers, at any location of the supplier for staff', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const other = await buildSupplier(app);
    const main = await location(s.org.id);
    const branch = await location(s.org.id);
    const closed = await location(s.org.id, false);
    const a = await buildProduct(app, s, { name: 'A', stock: null });
    const b = await buildProduct(app, s, { name: 'B', stock: null });
    const c = await buildProduct(app, s, { name: 'C', stock: null });
    const d = await buildProduct(app, s, { name: 'D', stock: null });
    await stock(a.id, main, 5);
    await stock(a.id, branch, 2, 1);
    await stock(b.id, branch, 3, 3); // all reserved: nothing available
    await stock(c.id, closed, 4); // only at an inactive location
    const cat = (q: string) => get(`/api/v1/catalog/products?supplier_id=${s.org.id}&sort=name&${q}`);
    const staff = (q: string) => get(`/api/v1/products?sort=name&${q}`, s.manager.token);

    const all = await cat('');
    expect((all.body.items as Item[]).map((p) => p.available)).toEqual([6, 0, 0, 0]);
    expect(ids(await cat('in_stock=true'))).toEqual([a.id]);
    expect(ids(await cat('in_stock=false'))).toEqual([b.id, c.id, d.id]);
    const atBranch = await cat(`location_id=${branch}`);
    expect((atBranch.body.items as Item[]).map((p) => p.available)).toEqual([1, 0, 0, 0]);
    expect(ids(await cat(`location_id=${branch}&in_stock=true`))).toEqual([a.id]);
    expect(ids(await cat(`location_id=${main}&in_stock=false`))).toEqual([b.id, c.id, d.id]);
    // An inactive location holds nothing for buyers; an unknown one neither.
    expect(ids(await cat(`location_id=${closed}&in_stock=true`))).toEqual([]);
    expect(ids(await cat(`location_id=${uuidv7()}&in_stock=true`))).toEqual([]);

    expect(ids(await staff('in_stock=true'))).toEqual([a.id, c.id]);
    expect(ids(await staff('in_stock=false'))).toEqual([b.id, d.id]);
    const staffBranch = await staff(`location_id=${branch}`);
    expect((staffBranch.body.items as { stock: unknown }[]).map((p) => p.stock)).toEqual([
      { on_hand: 2, reserved: 1, available: 1 },
      { on_hand: 3, reserved: 3, available: 0 },
      { on_hand: 0, reserved: 0, available: 0 },
      { on_hand: 0, reserved: 0, available: 0 },
    ]);
    expect(ids(await staff(`location_id=${closed}&in_stock=true`))).toEqual([c.id]);
    // A location of another supplier, or none at all, is refused for staff.
    const foreign = await location(other.org.id);
    expect(expectProblem(await staff(`location_id=${foreign}`), 422).errors[0].path).toBe('querystring/location_id');
    expectProblem(await staff(`location_id=${uuidv7()}`), 422);
    expectProblem(await staff('in_stock=maybe'), 422);
  });

  it('is_active and created_by are staff filters', async () => {
    const s = await buildSupplier(app);
    const byOwner = await buildProduct(app, s, { is_active: false, stock: null });
    const byManager = await buildProduct(app, s, { stock: null }, { token: s.manager.token });
    expect(byManager.created_by).toBe(s.manager.id);
    const token = s.sales.token;
    expect(ids(await get(`/api/v1/products?created_by=${s.manager.id}`, token))).toEqual([byManager.id]);
    expect(ids(await get(`/api/v1/products?created_by=${s.owner.id}`, token))).toEqual([byOwner.id]);
    expect(ids(await get(`/api/v1/products?created_by=${s.owner.id}&is_active=true`, token))).toEqual([]);
    expectProblem(await get('/api/v1/products?created_by=nobody', token), 422);
  });
});

describe('sorting', () => {
  it('takes several keys in order, both directions; cost_price for staff only, never shown to buyers', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const a = await buildProduct(app, s, { name: 'Alpha', sku: 'S-3', price: '20', cost_price: '5', stock: null });
    const b = await buildProduct(app, s, { name: 'Bravo', sku: 'S-1', price: '10', cost_price: '7', stock: null });
    const c = await buildProduct(app, s, { name: 'Charlie', sku: 'S-2', price: '20', stock: null });
    const d = await buildProduct(app, s, { name: 'Delta', sku: 'S-4', price: '10', cost_price: '1', stock: null });
    const token = s.owner.token;
    const staff = async (sort: string) => ids(await get(`/api/v1/products?sort=${encodeURIComponent(sort)}`, token));
    const cat = async (sort: string) => ids(await get(`/api/v1/catalog/products?supplier_id=${s.org.id}&sort=${encodeURIComponent(sort)}`));
    for (const list of [staff, cat]) {
      expect(await list('price,-created_at')).toEqual([d.id, b.id, c.id, a.id]);
      expect(await list('-price,name')).toEqual([a.id, c.id, b.id, d.id]);
      expect(await list('price,name')).toEqual([b.id, d.id, a.id, c.id]);
      expect(await list('sku')).toEqual([b.id, c.id, a.id, d.id]);
      expect(await list('-name')).toEqual([d.id, c.id, b.id, a.id]);
      expect(await list('created_at')).toEqual([a.id, b.id, c.id, d.id]);
      expect(await list(' price , -name ')).toEqual([d.id, b.id, c.id, a.id]);
    }
    // Products without a cost price come last in both directions.
    expect(await staff('cost_price')).toEqual([d.id, a.id, b.id, c.id]);
    expect(await staff('-cost_price')).toEqual([b.id, a.id, d.id, c.id]);
    for (const bad of ['cost_price', '-cost_price', 'price,cost_price']) {
      expect(expectProblem(await get(`/api/v1/catalog/products?sort=${bad}`), 422).errors[0].path).toBe('querystring/sort');
    }
    for (const bad of ['rank', 'price,,name', 'search_vector', '--price']) expectProblem(await get(`/api/v1/products?sort=${bad}`, token), 422);
    const list = await get(`/api/v1/catalog/products?supplier_id=${s.org.id}`);
    for (const item of list.body.items as Item[]) {
      expect(item).not.toHaveProperty('cost_price');
      expect(item).not.toHaveProperty('search_vector');
    }
    const one = await get(`/api/v1/catalog/products/${a.id}`);
    expect(one.body).not.toHaveProperty('cost_price');
  });
});

describe('compare_at_price', () => {
  it('is stored exactly in the supplier currency, cleared with null, and shown to buyers as the "was" price', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public', currency: 'ILS' });
    const p = await buildProduct(app, s, { price: '9.90', compare_at_price: 12.9, stock: null });
    expect(p).toMatchObject({ price: '9.90', compare_at_price: '12.90', currency: 'ILS' });
    const seen = await get(`/api/v1/catalog/products/${p.id}`);
    expect(seen.body).toMatchObject({ price: '9.90', compare_at_price: '12.90' });
    const changed = await call(app, 'PATCH', `/api/v1/products/${p.id}`, { token: s.owner.token, body: { compare_at_price: '14' } });
    expect(changed.body.compare_at_price).toBe('14.00');
    for (const bad of ['-1', '1.001', 'abc', true]) {
      const res = await call(app, 'PATCH', `/api/v1/products/${p.id}`, { token: s.owner.token, body: { compare_at_price: bad } });
      expect(
        expectProblem(res, 422)
          .errors.map((e: { path: string }) => e.path)
          .join(),
      ).toContain('body/compare_at_price');
    }
    expect((await get(`/api/v1/products/${p.id}`, s.owner.token)).body.compare_at_price).toBe('14.00');
    const cleared = await call(app, 'PATCH', `/api/v1/products/${p.id}`, { token: s.owner.token, body: { compare_at_price: null } });
    expect(cleared.body.compare_at_price).toBeNull();
    expect((await get(`/api/v1/catalog/products/${p.id}`)).body.compare_at_price).toBeNull();
    const bad = await call(app, 'POST', '/api/v1/products', { token: s.owner.token, body: { sku: 'CMP', name: 'x', price: '1', compare_at_price: '1.234' } });
    expectProblem(bad, 422);
    expect((await get('/api/v1/products?q=cmp', s.owner.token)).body.total).toBe(0);
  });
});

describe('GET /products/by-sku/{sku}', () => {
  it("answers the supplier's product not archived with stock; other suppliers' SKUs and archived ones 404", async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const c = await buildConsumer(app);
    const p = await buildProduct(app, s, { sku: 'APL/GALA 1', stock: 3 });
    const theirs = await buildProduct(app, other, { sku: 'THEIRS-1', stock: null });
    const url = (sku: string, q = '') => `/api/v1/products/by-sku/${encodeURIComponent(sku)}${q}`;
    const res = await get(url('APL/GALA 1'), s.employee.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: p.id, sku: 'APL/GALA 1', stock: { on_hand: 3, reserved: 0, available: 3 } });
    expect((await get(url('  APL/GALA 1 '), s.sales.token)).body.id).toBe(p.id);
    expect((await get(url('APL/GALA 1', `?supplier_id=${s.org.id}`), s.owner.token)).body.id).toBe(p.id);
    expectProblem(await get(url('apl/gala 1'), s.owner.token), 404); // SKUs are exact
    expectProblem(await get(url(theirs.sku), s.owner.token), 404);
    expectProblem(await get(url(theirs.sku, `?supplier_id=${other.org.id}`), s.owner.token), 404);
    expectProblem(await get(url('NOPE'), s.owner.token), 404);
    expectProblem(await get(url('APL/GALA 1'), c.owner.token), 403);
    expectProblem(await get(url('APL/GALA 1')), 401);
    expectProblem(await get(url('APL/GALA 1', '?supplier_id=nope'), s.owner.token), 422);
    // Path parameters are capped at 100 characters by the router (a problem too).
    expectProblem(await get(url('x'.repeat(101)), s.owner.token), 422, 'VALIDATION_FAILED');
    expectProblem(await get(url('x'.repeat(321)), s.owner.token), 414, 'URI_TOO_LONG');
    expect((await call(app, 'DELETE', `/api/v1/products/${p.id}`, { token: s.owner.token })).status).toBe(204);
    expectProblem(await get(url('APL/GALA 1'), s.owner.token), 404);
  });

  it('asks which supplier when the caller belongs to several (422)', async () => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s, { sku: 'MULTI-1', stock: null });
    const second = await call(app, 'POST', '/api/v1/organizations', { token: s.owner.token, body: { type: 'supplier', name: `Second ${uniq()}` } });
    expect(second.status).toBe(201);
    const res = expectProblem(await get('/api/v1/products/by-sku/MULTI-1', s.owner.token), 422);
    expect(res.errors[0].path).toBe('querystring/supplier_id');
    expect((await get(`/api/v1/products/by-sku/MULTI-1?supplier_id=${s.org.id}`, s.owner.token)).body.id).toBe(p.id);
    expectProblem(await get(`/api/v1/products/by-sku/MULTI-1?supplier_id=${second.body.id}`, s.owner.token), 404);
  });
});

describe('query count', () => {
  it('answers both lists with every filter in the same number of queries for limit=1 and limit=50 over 50+ matches', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const root = await createCategory(s, 'Bulk');
    const leaf = await createCategory(s, 'Leaf', root.id);
    const branch = await location(s.org.id);
    const tag = `bulk${uniq()}`;
    for (let i = 0; i < 55; i++) {
      const p = await buildProduct(app, s, {
        name: `${tag} apple ${i}`,
        price: `${10 + i}.50`,
        cost_price: '1',
        category_id: i % 2 ? root.id : leaf.id,
        stock: 5,
      });
      await stock(p.id, branch, 2);
    }
    const c = await buildConsumer(app);
    const measure = async (url: string, token?: string) => {
      const before = database.queryCount();
      const res = await get(url, token);
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
      return { n: database.queryCount() - before, items: res.body.items.length, total: res.body.total };
    };
    const filters = `q=${tag}%20app&category_id=${root.id}&in_stock=true&min_price=10&max_price=1000`;
    const urls: [string, string | undefined][] = [
      [`/api/v1/catalog/products?${filters}`, undefined],
      [`/api/v1/catalog/products?${filters}&location_id=${branch}&sort=-price,name`, c.buyer.token],
      [`/api/v1/catalog/products?supplier_id=${s.org.id}&${filters}`, c.buyer.token],
      [`/api/v1/products?${filters}&location_id=${branch}&is_active=true&created_by=${s.owner.id}&sort=cost_price,-created_at`, s.owner.token],
      [`/api/v1/products?${filters}`, s.sales.token],
    ];
    for (const [url, token] of urls) {
      const one = await measure(`${url}&limit=1`, token);
      const fifty = await measure(`${url}&limit=50`, token);
      expect([one.items, fifty.items, one.total, fifty.total], url).toEqual([1, 50, 55, 55]);
      expect(fifty.n, url).toBe(one.n);
      // Page + count, plus the actor query of an authenticated request.
      expect(fifty.n, url).toBeLessThanOrEqual(token ? 3 : 2);
    }
  });

  it('lets the planner use the GIN index for q and the category index for the subtree', async () => {
    const planOf = (query: ReturnType<typeof sql>) =>
      database.db.transaction(async (tx) => {
        await tx.execute(sql`set local enable_seqscan = off`);
        const rows = await queryRows<Record<string, string>>(tx, sql`explain ${query}`);
        return rows.map((r) => Object.values(r)[0]).join('\n');
      });
    expect(await planOf(sql`select id from products where search_vector @@ to_tsquery('simple', 'app:*')`)).toContain('products_search_idx');
    expect(
      await planOf(sql`select id from products where category_id in (
      with recursive subtree(id) as (select c.id from categories c where c.id = ${uuidv7()}
        union select c.id from categories c join subtree s on c.parent_id = s.id) select id from subtree)`),
    ).toContain('products_category_idx');
  });
});
