/**
 * Category trees (seed 003): create, read with ancestors and children, the whole tree, change
 * (with the cycle rule), delete (with the in-use rule), visibility and failure cases.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { buildConsumer, buildSupplier, call, createTestApp, expectProblem, registerUser, uniq } from '../../../test/helpers.js';
import { buildLink, buildProduct } from '../../../test/factories.js';
import { queryRows } from '../../infra/db/client.js';

const { app, database } = await createTestApp();

type Supplier = Awaited<ReturnType<typeof buildSupplier>>;
type Cat = { id: string; slug: string; name: string; parent_id: string | null; is_active: boolean; updated_at: string; children?: Cat[] };

async function category(s: Supplier, name: string, extra: Record<string, unknown> = {}): Promise<Cat> {
  const res = await call(app, 'POST', '/api/v1/categories', { token: s.owner.token, body: { name, ...extra } });
  if (res.status !== 201) throw new Error(`create category failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const patch = (s: Supplier, id: string, body: unknown, token = s.owner.token) => call(app, 'PATCH', `/api/v1/categories/${id}`, { token, body });
const categoryRows = async (supplierId: string) =>
  queryRows<{ id: string; parent_id: string | null; slug: string; name: string }>(
    database.db,
    sql`select id, parent_id, slug, name from categories where supplier_id = ${supplierId} order by id`,
  );

/** A→B→C (A the root). */
async function chain(s: Supplier) {
  const a = await category(s, `A ${uniq()}`);
  const b = await category(s, `B ${uniq()}`, { parent_id: a.id });
  const c = await category(s, `C ${uniq()}`, { parent_id: b.id });
  return { a, b, c };
}

describe('POST and PATCH /categories', () => {
  it('creates with is_active, changes name, slug, description, is_active and parent', async () => {
    const s = await buildSupplier(app);
    const root = await category(s, 'Produce', { description: 'Fresh', is_active: false });
    expect(root).toMatchObject({ slug: 'produce', description: 'Fresh', is_active: false, parent_id: null });
    const other = await category(s, 'Bakery');
    const res = await patch(s, root.id, { name: 'Fruit & Veg', slug: 'fruit-veg', description: null, is_active: true, parent_id: other.id }, s.manager.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: root.id, name: 'Fruit & Veg', slug: 'fruit-veg', description: null, is_active: true, parent_id: other.id });
    const back = await patch(s, root.id, { parent_id: null });
    expect(back.body.parent_id).toBeNull();
    // A Hebrew name gets a generated slug, so two of them do not collide.
    const he1 = await category(s, 'ירקות');
    const he2 = await category(s, 'פירות');
    expect(he1.slug).toMatch(/^category-[0-9a-f]{8}$/);
    expect(he2.slug).not.toBe(he1.slug);
  });

  it('answers 409 SLUG_TAKEN on create and on change, and leaves the row as it was', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const a = await category(s, 'Drinks');
    const b = await category(s, 'Snacks');
    expectProblem(await call(app, 'POST', '/api/v1/categories', { token: s.owner.token, body: { name: 'More drinks', slug: 'drinks' } }), 409, 'SLUG_TAKEN');
    const clash = expectProblem(await patch(s, b.id, { slug: 'drinks', name: 'Renamed' }), 409, 'SLUG_TAKEN');
    expect(clash.details).toEqual({ slug: 'drinks' });
    expect((await category(other, 'Drinks')).slug).toBe('drinks'); // per supplier
    const rows = await categoryRows(s.org.id);
    expect(rows.find((r) => r.id === b.id)).toMatchObject({ slug: 'snacks', name: 'Snacks' });
    expect(rows.find((r) => r.id === a.id)).toMatchObject({ slug: 'drinks' });
  });

  it('refuses bad input with 422 and writes nothing', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const a = await category(s, 'Dairy');
    const foreign = await category(other, 'Foreign');
    const before = await categoryRows(s.org.id);
    const post = (body: unknown) => call(app, 'POST', '/api/v1/categories', { token: s.owner.token, body });
    for (const body of [
      { name: '' },
      { name: 'x'.repeat(201) },
      { name: 'Ok', slug: 'Not A Slug' },
      { name: 'Ok', slug: '0190a0a0-0000-7000-8000-000000000000' },
      { name: 'Ok', parent_id: 'nope' },
      { name: 'Ok', parent_id: foreign.id },
      { name: 'Ok', is_active: 'yes' },
      { name: 'Ok', extra: 1, slug: '-x' },
    ]) {
      expectProblem(await post(body), 422);
    }
    for (const body of [
      {},
      { name: 123 },
      { slug: 'UPPER' },
      { slug: '0190a0a0-0000-7000-8000-000000000001' },
      { parent_id: 'nope' },
      { parent_id: foreign.id },
      { is_active: 'false' },
      { description: 'x'.repeat(5001) },
    ]) {
      const p = expectProblem(await patch(s, a.id, body), 422);
      expect(p.errors.length).toBeGreaterThan(0);
    }
    expectProblem(await patch(s, 'not-a-uuid', { name: 'x' }), 422);
    expect(await categoryRows(s.org.id)).toEqual(before);
    expect((await call(app, 'GET', `/api/v1/categories/${a.id}`, { token: s.owner.token })).body.updated_at).toBe(a.updated_at);
  });

  it("hides another tenant's category (404) and refuses roles without categories:manage (403)", async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const c = await buildConsumer(app);
    const a = await category(s, 'Mine');
    expectProblem(await patch(s, a.id, { name: 'Theirs' }, other.owner.token), 404);
    expectProblem(await call(app, 'DELETE', `/api/v1/categories/${a.id}`, { token: other.owner.token }), 404);
    expectProblem(await call(app, 'GET', `/api/v1/categories/${a.id}`, { token: other.owner.token }), 404);
    expectProblem(await patch(s, a.id, { name: 'x' }, s.sales.token), 403);
    expectProblem(await patch(s, a.id, { name: 'x' }, s.employee.token), 403);
    expectProblem(await call(app, 'DELETE', `/api/v1/categories/${a.id}`, { token: s.sales.token }), 403);
    expectProblem(await patch(s, a.id, { name: 'x' }, c.owner.token), 404);
    expectProblem(await patch(s, a.id, { name: 'x' }, c.buyer.token), 403);
    expect((await categoryRows(s.org.id))[0].name).toBe('Mine');
    expect((await patch(s, a.id, { name: 'Still mine' })).status).toBe(200);
  });
});

describe('cycles', () => {
  it('refuses to put a category under itself or a descendant (409 CATEGORY_CYCLE), nothing changed', async () => {
    const s = await buildSupplier(app);
    const { a, b, c } = await chain(s);
    const p = expectProblem(await patch(s, a.id, { parent_id: c.id }), 409, 'CATEGORY_CYCLE');
    expect(p.details).toEqual({ id: a.id, parent_id: c.id });
    expectProblem(await patch(s, a.id, { parent_id: b.id }), 409, 'CATEGORY_CYCLE');
    expectProblem(await patch(s, a.id, { parent_id: a.id }), 409, 'CATEGORY_CYCLE');
    expectProblem(await patch(s, b.id, { parent_id: c.id, name: 'Should not stick' }), 409, 'CATEGORY_CYCLE');
    const rows = await categoryRows(s.org.id);
    expect(Object.fromEntries(rows.map((r) => [r.id, r.parent_id]))).toEqual({ [a.id]: null, [b.id]: a.id, [c.id]: b.id });
    expect(rows.find((r) => r.id === b.id)!.name).toBe(b.name);
    // Moving down a branch that does not contain the category is fine: C to the root, then A under C.
    expect((await patch(s, c.id, { parent_id: null })).status).toBe(200);
    expect((await patch(s, a.id, { parent_id: c.id })).body.parent_id).toBe(c.id);
  });

  it('lets only one of two crossing moves win (parent changes of a supplier are serialised)', async () => {
    const s = await buildSupplier(app);
    for (let round = 0; round < 5; round++) {
      const x = await category(s, `X ${uniq()}`);
      const y = await category(s, `Y ${uniq()}`);
      const [r1, r2] = await Promise.all([patch(s, x.id, { parent_id: y.id }), patch(s, y.id, { parent_id: x.id }, s.manager.token)]);
      expect([r1.status, r2.status].sort()).toEqual([200, 409]);
      for (const r of [r1, r2]) if (r.status === 409) expect(r.body.code).toBe('CATEGORY_CYCLE');
      const rows = (await categoryRows(s.org.id)).filter((r) => r.id === x.id || r.id === y.id);
      expect(rows.filter((r) => r.parent_id === null)).toHaveLength(1);
    }
  });
});

describe('DELETE /categories/{id}', () => {
  it('answers 409 CATEGORY_IN_USE with children or live products; archived products just lose the category', async () => {
    const s = await buildSupplier(app);
    const { a, b, c } = await chain(s);
    const withChildren = expectProblem(await call(app, 'DELETE', `/api/v1/categories/${b.id}`, { token: s.owner.token }), 409, 'CATEGORY_IN_USE');
    expect(withChildren.details).toEqual({ children: 1, products: 0 });
    const live = await buildProduct(app, s, { category_id: c.id, stock: null });
    const archived = await buildProduct(app, s, { category_id: c.id, stock: null });
    expect((await call(app, 'DELETE', `/api/v1/products/${archived.id}`, { token: s.owner.token })).status).toBe(204);
    const withProducts = expectProblem(await call(app, 'DELETE', `/api/v1/categories/${c.id}`, { token: s.manager.token }), 409, 'CATEGORY_IN_USE');
    expect(withProducts.details).toEqual({ children: 0, products: 1 });
    expect((await categoryRows(s.org.id)).length).toBe(3);
    // The archived product kept its category while the delete was refused.
    expect((await call(app, 'GET', `/api/v1/products/${archived.id}`, { token: s.owner.token })).body.category_id).toBe(c.id);

    expect((await call(app, 'PATCH', `/api/v1/products/${live.id}`, { token: s.owner.token, body: { category_id: null } })).status).toBe(200);
    expect((await call(app, 'DELETE', `/api/v1/categories/${c.id}`, { token: s.manager.token })).status).toBe(204);
    expect((await call(app, 'GET', `/api/v1/products/${archived.id}`, { token: s.owner.token })).body.category_id).toBeNull();
    expect((await call(app, 'DELETE', `/api/v1/categories/${b.id}`, { token: s.owner.token })).status).toBe(204);
    expect((await call(app, 'DELETE', `/api/v1/categories/${a.id}`, { token: s.owner.token })).status).toBe(204);
    expectProblem(await call(app, 'DELETE', `/api/v1/categories/${a.id}`, { token: s.owner.token }), 404);
    expectProblem(await call(app, 'GET', `/api/v1/categories/${a.id}`, { token: s.owner.token }), 404);
    expect(await categoryRows(s.org.id)).toEqual([]);
    // A product can no longer be put in a deleted category.
    const res = await call(app, 'PATCH', `/api/v1/products/${live.id}`, { token: s.owner.token, body: { category_id: c.id } });
    expect(expectProblem(res, 422).errors[0].path).toBe('body/category_id');
  });
  it('never lets a product land in a category deleted at the same time (it is refused, or the delete is)', async () => {
    const s = await buildSupplier(app);
    for (let round = 0; round < 5; round++) {
      const cat = await category(s, `Race ${uniq()}`);
      const [created, deleted] = await Promise.all([
        call(app, 'POST', '/api/v1/products', { token: s.manager.token, body: { sku: `R-${uniq()}`, name: 'Race', price: '1', category_id: cat.id } }),
        call(app, 'DELETE', `/api/v1/categories/${cat.id}`, { token: s.owner.token }),
      ]);
      if (created.status === 201) {
        expect(created.body.category_id).toBe(cat.id);
        expectProblem(deleted, 409, 'CATEGORY_IN_USE');
        expect((await call(app, 'GET', `/api/v1/products/${created.body.id}`, { token: s.owner.token })).body.category_id).toBe(cat.id);
      } else {
        expect(deleted.status).toBe(204);
        expect(expectProblem(created, 422).errors[0].path).toBe('body/category_id');
      }
    }
  });
});

describe('GET /categories/{id_or_slug}', () => {
  it('answers the ancestors chain root first and the direct children by name, by id or by slug', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const { a, b, c } = await chain(s);
    const z = await category(s, 'Zeta', { parent_id: b.id });
    const byId = await call(app, 'GET', `/api/v1/categories/${b.id}`, { token: s.employee.token });
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({ id: b.id, name: b.name, slug: b.slug, parent_id: a.id });
    expect(byId.body.ancestors.map((x: Cat) => x.id)).toEqual([a.id]);
    expect(byId.body.children.map((x: Cat) => x.id)).toEqual([c.id, z.id]);
    const leaf = await call(app, 'GET', `/api/v1/categories/${c.slug}`, { token: s.owner.token });
    expect(leaf.body.ancestors.map((x: Cat) => x.id)).toEqual([a.id, b.id]);
    expect(leaf.body.children).toEqual([]);
    const root = await call(app, 'GET', `/api/v1/categories/${a.slug}?supplier_id=${s.org.id}`);
    expect(root.body).toMatchObject({ id: a.id, ancestors: [] });
    expect(root.body.children.map((x: Cat) => x.id)).toEqual([b.id]);
    expect((await call(app, 'GET', `/api/v1/categories/${b.id.toUpperCase()}`)).body.id).toBe(b.id);
    expectProblem(await call(app, 'GET', `/api/v1/categories/${a.id}?supplier_id=${(await buildSupplier(app)).org.id}`), 404);
    expectProblem(await call(app, 'GET', `/api/v1/categories/no-such-slug?supplier_id=${s.org.id}`), 404);
    expectProblem(await call(app, 'GET', `/api/v1/categories/${encodeURIComponent('Not A Slug!')}?supplier_id=${s.org.id}`), 404);
    expectProblem(await call(app, 'GET', `/api/v1/categories/${a.slug}`), 422); // whose slug?
    expectProblem(await call(app, 'GET', `/api/v1/categories/${a.slug}?supplier_id=nope`), 422);
  });

  it('follows catalog visibility: linked suppliers need an accepted link, inactive categories are staff-only', async () => {
    const s = await buildSupplier(app);
    const c = await buildConsumer(app);
    const stranger = await registerUser(app);
    const other = await buildSupplier(app);
    const open = await category(s, 'Open');
    const hidden = await category(s, 'Hidden', { is_active: false, parent_id: open.id });
    const bySlug = `/api/v1/categories/${open.slug}?supplier_id=${s.org.id}`;
    expectProblem(await call(app, 'GET', bySlug, { token: c.buyer.token }), 403, 'NO_ACCEPTED_LINK');
    expectProblem(await call(app, 'GET', bySlug), 403, 'NO_ACCEPTED_LINK');
    // By id, a category the caller may not see is simply not found.
    expectProblem(await call(app, 'GET', `/api/v1/categories/${open.id}`, { token: c.buyer.token }), 404);
    expectProblem(await call(app, 'GET', `/api/v1/categories/${open.id}`, { token: other.owner.token }), 404);
    expectProblem(await call(app, 'GET', `/api/v1/categories/${open.id}`, { token: stranger.token }), 404);
    expectProblem(await call(app, 'GET', `/api/v1/categories/x?supplier_id=${c.org.id}`), 404);
    await buildLink(app, s, c);
    const seen = await call(app, 'GET', bySlug, { token: c.buyer.token });
    expect(seen.status).toBe(200);
    expect(seen.body.children).toEqual([]); // the inactive child is hidden from buyers
    expectProblem(await call(app, 'GET', `/api/v1/categories/${hidden.id}`, { token: c.buyer.token }), 404);
    const staff = await call(app, 'GET', `/api/v1/categories/${open.id}`, { token: s.employee.token });
    expect(staff.body.children.map((x: Cat) => x.id)).toEqual([hidden.id]);
    expect((await call(app, 'GET', `/api/v1/categories/${hidden.id}`, { token: s.employee.token })).status).toBe(200);
  });
});

describe('GET /categories', () => {
  it('returns the whole tree nested by name with tree=true, in one query plus the visibility one', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const food = await category(s, 'Food');
    const drinks = await category(s, 'Drinks');
    const fruit = await category(s, 'Fruit', { parent_id: food.id });
    const bread = await category(s, 'Bread', { parent_id: food.id });
    const apples = await category(s, 'Apples', { parent_id: fruit.id });
    const secret = await category(s, 'Secret', { parent_id: drinks.id, is_active: false });
    const under = await category(s, 'Under secret', { parent_id: secret.id });
    const shape = (nodes: Cat[]): unknown => nodes.map((n) => ({ [n.name]: shape(n.children ?? []) }));

    const before = database.queryCount();
    const staff = await call(app, 'GET', '/api/v1/categories?tree=true', { token: s.employee.token });
    expect(database.queryCount() - before).toBeLessThanOrEqual(2); // actor + tree
    expect(staff.body.total).toBe(7);
    expect(shape(staff.body.items)).toEqual([{ Drinks: [{ Secret: [{ 'Under secret': [] }] }] }, { Food: [{ Bread: [] }, { Fruit: [{ Apples: [] }] }] }]);
    expect(staff.body.items[1].children[1]).toMatchObject({ id: fruit.id, parent_id: food.id, slug: 'fruit' });
    expect([bread.id, apples.id, under.id].every((id) => JSON.stringify(staff.body).includes(id))).toBe(true);

    const anonBefore = database.queryCount();
    const anon = await call(app, 'GET', `/api/v1/categories?tree=true&supplier_id=${s.org.id}`);
    expect(database.queryCount() - anonBefore).toBeLessThanOrEqual(2); // visibility + tree
    expect(shape(anon.body.items)).toEqual([{ Drinks: [] }, { Food: [{ Bread: [] }, { Fruit: [{ Apples: [] }] }] }]);
    expect(anon.body.total).toBe(5);
  });

  it('pages with parent_id (null for roots) and q, buyers seeing active categories only', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const food = await category(s, 'Food');
    await category(s, 'Drinks', { is_active: false });
    const fruit = await category(s, 'Fruit', { parent_id: food.id });
    const frozen = await category(s, 'Frozen fruit', { parent_id: food.id });
    const names = (r: { body: { items: Cat[] } }) => r.body.items.map((c) => c.name);
    const token = s.owner.token;
    expect(names(await call(app, 'GET', '/api/v1/categories?parent_id=null', { token }))).toEqual(['Drinks', 'Food']);
    expect(names(await call(app, 'GET', `/api/v1/categories?parent_id=${food.id}`, { token }))).toEqual([frozen.name, fruit.name]);
    expect(names(await call(app, 'GET', '/api/v1/categories?q=FRUIT', { token }))).toEqual(['Frozen fruit', 'Fruit']);
    expect(names(await call(app, 'GET', `/api/v1/categories?q=${encodeURIComponent('%')}`, { token }))).toEqual([]);
    expect(names(await call(app, 'GET', `/api/v1/categories?supplier_id=${s.org.id}&parent_id=null`))).toEqual(['Food']);
    expect((await call(app, 'GET', `/api/v1/categories?supplier_id=${s.org.id}`)).body.total).toBe(3);
    expectProblem(await call(app, 'GET', '/api/v1/categories?parent_id=nope', { token }), 422);
    expectProblem(await call(app, 'GET', '/api/v1/categories?tree=maybe', { token }), 422);
  });
});
