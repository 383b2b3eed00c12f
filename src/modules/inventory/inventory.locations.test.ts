import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { buildConsumer, buildSupplier, call, createOrganization, createTestApp, expectProblem, uniq } from '../../../test/helpers.js';
import { queryRows } from '../../infra/db/client.js';

const { app, database } = await createTestApp();

type Supplier = Awaited<ReturnType<typeof buildSupplier>>;
type Loc = { id: string; name: string; is_default: boolean; is_active: boolean; kind: string; address: string | null };

async function createLocation(s: Supplier, body: Record<string, unknown> = {}): Promise<Loc> {
  const res = await call(app, 'POST', '/api/v1/locations', { token: s.owner.token, body: { name: `Branch ${uniq()}`, ...body } });
  if (res.status !== 201) throw new Error(`create location failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const getLocation = async (s: Supplier, id: string): Promise<Loc> => (await call(app, 'GET', `/api/v1/locations/${id}`, { token: s.owner.token })).body;

const locationRows = async (supplierId: string) =>
  queryRows<{ name: string; is_default: boolean; is_active: boolean }>(
    database.db,
    sql`select name, is_default, is_active from stock_locations where supplier_id = ${supplierId} order by name`,
  );

describe('POST /locations', () => {
  it('creates locations; the first becomes the default, kind defaults to warehouse', async () => {
    const s = await buildSupplier(app);
    const res = await call(app, 'POST', '/api/v1/locations', { token: s.owner.token, body: { name: '  Central  ', address: ' 1 Main St ' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      supplier_id: s.org.id,
      name: 'Central',
      address: '1 Main St',
      kind: 'warehouse',
      is_active: true,
      is_default: true,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const branch = await call(app, 'POST', '/api/v1/locations', { token: s.manager.token, body: { name: 'Dizengoff', kind: 'branch', is_default: false } });
    expect(branch.status).toBe(201);
    expect(branch.body).toMatchObject({ name: 'Dizengoff', kind: 'branch', is_default: false, address: null });
  });

  it("keeps the API default as the stock default: a new product's initial stock goes there", async () => {
    const s = await buildSupplier(app);
    const central = await createLocation(s, { name: 'Central' });
    const p = await call(app, 'POST', '/api/v1/products', { token: s.owner.token, body: { sku: `SKU-${uniq()}`, name: 'P', price: '1', initial_stock: 5 } });
    const inv = await call(app, 'GET', `/api/v1/products/${p.body.id}/inventory`, { token: s.owner.token });
    expect(inv.body.locations).toEqual([expect.objectContaining({ location_id: central.id, name: 'Central', is_default: true, on_hand: 5 })]);
    expect(await locationRows(s.org.id)).toHaveLength(1);
  });

  it('moves the default with is_default: true, unsetting the previous one', async () => {
    const s = await buildSupplier(app);
    const a = await createLocation(s);
    const b = await createLocation(s, { is_default: true, kind: 'store' });
    expect(b.is_default).toBe(true);
    expect((await getLocation(s, a.id)).is_default).toBe(false);
    expect((await locationRows(s.org.id)).filter((r) => r.is_default)).toHaveLength(1);
  });

  it('refuses a duplicate name case-insensitively (409 LOCATION_NAME_TAKEN), writing nothing', async () => {
    const s = await buildSupplier(app);
    await createLocation(s, { name: 'North Branch' });
    const dup = expectProblem(
      await call(app, 'POST', '/api/v1/locations', { token: s.owner.token, body: { name: ' north BRANCH ', is_default: true } }),
      409,
      'LOCATION_NAME_TAKEN',
    );
    expect(dup.details).toEqual({ name: 'north BRANCH' });
    // The default created on first use counts too.
    await call(app, 'POST', '/api/v1/products', { token: s.owner.token, body: { sku: `SKU-${uniq()}`, name: 'P', price: '1', initial_stock: 1 } });
    expect((await locationRows(s.org.id)).map((r) => [r.name, r.is_default])).toEqual([['North Branch', true]]);
    await createLocation(s, { name: 'Main warehouse' });
    expectProblem(await call(app, 'POST', '/api/v1/locations', { token: s.owner.token, body: { name: 'MAIN WAREHOUSE' } }), 409, 'LOCATION_NAME_TAKEN');
    expect(await locationRows(s.org.id)).toHaveLength(2);
    // Another supplier may use the same name.
    const other = await buildSupplier(app);
    expect((await createLocation(other, { name: 'North Branch' })).name).toBe('North Branch');
  });

  it.each([
    ['a missing name', {}],
    ['a blank name', { name: '   ' }],
    ['an empty name', { name: '' }],
    ['a long name', { name: 'x'.repeat(201) }],
    ['an unknown kind', { name: 'X', kind: 'depot' }],
    ['a non-boolean is_active', { name: 'X', is_active: 'yes' }],
    ['a numeric name', { name: 12 }],
    ['an inactive default', { name: 'X', is_default: true, is_active: false }],
    ['an inactive first location (it would be the default)', { name: 'X', is_active: false }],
  ])('rejects %s with 422 and writes nothing', async (_, body) => {
    const s = await buildSupplier(app);
    expectProblem(await call(app, 'POST', '/api/v1/locations', { token: s.owner.token, body }), 422, 'VALIDATION_FAILED');
    expect(await locationRows(s.org.id)).toHaveLength(0);
  });

  it('accepts an inactive location once a default exists', async () => {
    const s = await buildSupplier(app);
    await createLocation(s);
    const closed = await createLocation(s, { is_active: false });
    expect(closed).toMatchObject({ is_active: false, is_default: false });
  });

  it("refuses sales, employees and consumers (403), and another supplier's id (404)", async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const c = await buildConsumer(app);
    const body = { name: 'X' };
    expectProblem(await call(app, 'POST', '/api/v1/locations', { token: s.sales.token, body }), 403);
    expectProblem(await call(app, 'POST', '/api/v1/locations', { token: s.employee.token, body }), 403);
    expectProblem(await call(app, 'POST', '/api/v1/locations', { token: c.owner.token, body }), 403);
    expectProblem(await call(app, 'POST', '/api/v1/locations', { token: c.owner.token, body: { ...body, supplier_id: c.org.id } }), 404);
    expectProblem(await call(app, 'POST', '/api/v1/locations', { token: s.owner.token, body: { ...body, supplier_id: other.org.id } }), 404);
    expectProblem(await call(app, 'POST', '/api/v1/locations', { body }), 401);
    expect(await locationRows(s.org.id)).toHaveLength(0);
    expect(await locationRows(other.org.id)).toHaveLength(0);
  });

  it('asks which supplier when the caller manages several (422), and takes supplier_id', async () => {
    const s = await buildSupplier(app);
    const second = await createOrganization(app, s.owner, { type: 'supplier' });
    expect(expectProblem(await call(app, 'POST', '/api/v1/locations', { token: s.owner.token, body: { name: 'X' } }), 422).errors[0].path).toBe(
      'body/supplier_id',
    );
    const res = await call(app, 'POST', '/api/v1/locations', { token: s.owner.token, body: { name: 'X', supplier_id: second.id } });
    expect(res.status).toBe(201);
    expect(res.body.supplier_id).toBe(second.id);
    expectProblem(await call(app, 'GET', '/api/v1/locations', { token: s.owner.token }), 422);
    expect((await call(app, 'GET', `/api/v1/locations?supplier_id=${second.id}`, { token: s.owner.token })).body.total).toBe(1);
  });

  it('makes exactly one default when the first locations are created concurrently', async () => {
    const s = await buildSupplier(app);
    const results = await Promise.all(['A', 'B', 'C', 'D'].map((name) => call(app, 'POST', '/api/v1/locations', { token: s.owner.token, body: { name } })));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect((await locationRows(s.org.id)).filter((r) => r.is_default)).toHaveLength(1);
  });
});

describe('GET /locations', () => {
  it("lists the supplier's locations, default first then by name, paged and filtered", async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    await createLocation(other, { name: 'Elsewhere' });
    const main = await createLocation(s, { name: 'Zeta warehouse' });
    await createLocation(s, { name: 'beta branch', kind: 'branch' });
    await createLocation(s, { name: 'Alpha branch', kind: 'branch' });
    await createLocation(s, { name: 'Closed store', kind: 'store', is_active: false });

    const all = await call(app, 'GET', '/api/v1/locations', { token: s.employee.token });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 4, limit: 20, offset: 0 });
    expect(all.body.items.map((l: Loc) => l.name)).toEqual(['Zeta warehouse', 'Alpha branch', 'beta branch', 'Closed store']);
    expect(all.body.items[0].id).toBe(main.id);

    const branches = await call(app, 'GET', '/api/v1/locations?kind=branch', { token: s.sales.token });
    expect(branches.body.items.map((l: Loc) => l.name)).toEqual(['Alpha branch', 'beta branch']);
    const inactive = await call(app, 'GET', '/api/v1/locations?is_active=false', { token: s.manager.token });
    expect(inactive.body.items.map((l: Loc) => l.name)).toEqual(['Closed store']);
    const page = await call(app, 'GET', '/api/v1/locations?limit=1&offset=1', { token: s.owner.token });
    expect(page.body).toMatchObject({ total: 4, limit: 1, offset: 1 });
    expect(page.body.items.map((l: Loc) => l.name)).toEqual(['Alpha branch']);
  });

  it('refuses consumers (403), another supplier (404) and bad filters (422)', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const c = await buildConsumer(app);
    expectProblem(await call(app, 'GET', '/api/v1/locations', { token: c.owner.token }), 403);
    expectProblem(await call(app, 'GET', '/api/v1/locations', { token: c.buyer.token }), 403);
    expectProblem(await call(app, 'GET', `/api/v1/locations?supplier_id=${other.org.id}`, { token: s.owner.token }), 404);
    expectProblem(await call(app, 'GET', '/api/v1/locations?kind=depot', { token: s.owner.token }), 422);
    expectProblem(await call(app, 'GET', '/api/v1/locations?limit=0', { token: s.owner.token }), 422);
    expectProblem(await call(app, 'GET', '/api/v1/locations?is_active=maybe', { token: s.owner.token }), 422);
  });
});

describe('GET /locations/{id}', () => {
  it('answers staff, hides other tenants (404)', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const c = await buildConsumer(app);
    const loc = await createLocation(s, { name: 'Central', address: 'Road 1' });
    const res = await call(app, 'GET', `/api/v1/locations/${loc.id}`, { token: s.employee.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: loc.id, name: 'Central', address: 'Road 1', is_default: true });
    expectProblem(await call(app, 'GET', `/api/v1/locations/${loc.id}`, { token: other.owner.token }), 404);
    expectProblem(await call(app, 'GET', `/api/v1/locations/${loc.id}`, { token: c.owner.token }), 404);
    expectProblem(await call(app, 'GET', '/api/v1/locations/0190a0a0-0000-7000-8000-000000000000', { token: s.owner.token }), 404);
    expectProblem(await call(app, 'GET', '/api/v1/locations/not-a-uuid', { token: s.owner.token }), 422);
  });
});

describe('PATCH /locations/{id}', () => {
  it('changes name, address, kind and state', async () => {
    const s = await buildSupplier(app);
    await createLocation(s);
    const loc = await createLocation(s, { name: 'Old', address: 'Somewhere' });
    const res = await call(app, 'PATCH', `/api/v1/locations/${loc.id}`, {
      token: s.manager.token,
      body: { name: ' New ', address: null, kind: 'store', is_active: false },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: loc.id, name: 'New', address: null, kind: 'store', is_active: false, is_default: false });
    // Renaming to its own name in another case is fine.
    expect((await call(app, 'PATCH', `/api/v1/locations/${loc.id}`, { token: s.owner.token, body: { name: 'NEW' } })).body.name).toBe('NEW');
  });

  it('moves the default in one transaction and keeps exactly one default', async () => {
    const s = await buildSupplier(app);
    const a = await createLocation(s);
    const b = await createLocation(s);
    const res = await call(app, 'PATCH', `/api/v1/locations/${b.id}`, { token: s.owner.token, body: { is_default: true } });
    expect(res.body.is_default).toBe(true);
    expect((await getLocation(s, a.id)).is_default).toBe(false);
    // Making the default the default again changes nothing.
    expect((await call(app, 'PATCH', `/api/v1/locations/${b.id}`, { token: s.owner.token, body: { is_default: true } })).body.is_default).toBe(true);
    expect((await locationRows(s.org.id)).filter((r) => r.is_default)).toHaveLength(1);
  });

  it('keeps the default active and present (409), writing nothing', async () => {
    const s = await buildSupplier(app);
    const main = await createLocation(s, { name: 'Main' });
    const closed = await createLocation(s, { name: 'Closed', is_active: false });
    const url = (id: string) => `/api/v1/locations/${id}`;
    expectProblem(await call(app, 'PATCH', url(main.id), { token: s.owner.token, body: { is_active: false } }), 409, 'DEFAULT_LOCATION_INACTIVE');
    expectProblem(await call(app, 'PATCH', url(main.id), { token: s.owner.token, body: { is_default: false } }), 409, 'DEFAULT_LOCATION_REQUIRED');
    expectProblem(
      await call(app, 'PATCH', url(closed.id), { token: s.owner.token, body: { is_default: true, name: 'Renamed' } }),
      409,
      'DEFAULT_LOCATION_INACTIVE',
    );
    expect(await locationRows(s.org.id)).toEqual([
      { name: 'Closed', is_default: false, is_active: false },
      { name: 'Main', is_default: true, is_active: true },
    ]);
    // Reactivated in the same request, it may become the default; then the old one may be deactivated.
    const ok = await call(app, 'PATCH', url(closed.id), { token: s.owner.token, body: { is_default: true, is_active: true } });
    expect(ok.body).toMatchObject({ is_default: true, is_active: true });
    expect((await call(app, 'PATCH', url(main.id), { token: s.owner.token, body: { is_active: false } })).body).toMatchObject({
      is_active: false,
      is_default: false,
    });
  });

  it('refuses a name taken by another location (409) and bad input (422), writing nothing', async () => {
    const s = await buildSupplier(app);
    await createLocation(s, { name: 'Taken' });
    const loc = await createLocation(s, { name: 'Mine' });
    const url = `/api/v1/locations/${loc.id}`;
    expectProblem(await call(app, 'PATCH', url, { token: s.owner.token, body: { name: 'TAKEN', address: 'changed' } }), 409, 'LOCATION_NAME_TAKEN');
    expectProblem(await call(app, 'PATCH', url, { token: s.owner.token, body: {} }), 422);
    expectProblem(await call(app, 'PATCH', url, { token: s.owner.token, body: { name: ' ' } }), 422);
    expectProblem(await call(app, 'PATCH', url, { token: s.owner.token, body: { kind: 'depot' } }), 422);
    expectProblem(await call(app, 'PATCH', url, { token: s.owner.token, body: { is_default: 'true' } }), 422);
    expect(await getLocation(s, loc.id)).toMatchObject({ name: 'Mine', address: null, kind: 'warehouse' });
  });

  it('refuses sales and employees (403) and other tenants (404)', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const loc = await createLocation(s, { name: 'Mine' });
    const body = { name: 'Hijacked' };
    expectProblem(await call(app, 'PATCH', `/api/v1/locations/${loc.id}`, { token: s.sales.token, body }), 403);
    expectProblem(await call(app, 'PATCH', `/api/v1/locations/${loc.id}`, { token: s.employee.token, body }), 403);
    expectProblem(await call(app, 'PATCH', `/api/v1/locations/${loc.id}`, { token: other.owner.token, body }), 404);
    expectProblem(await call(app, 'PATCH', '/api/v1/locations/0190a0a0-0000-7000-8000-000000000000', { token: s.owner.token, body }), 404);
    expect((await getLocation(s, loc.id)).name).toBe('Mine');
  });

  it('keeps exactly one default when several locations are made the default concurrently', async () => {
    const s = await buildSupplier(app);
    const locs = [await createLocation(s), await createLocation(s), await createLocation(s), await createLocation(s)];
    const results = await Promise.all(locs.map((l) => call(app, 'PATCH', `/api/v1/locations/${l.id}`, { token: s.owner.token, body: { is_default: true } })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect((await locationRows(s.org.id)).filter((r) => r.is_default)).toHaveLength(1);
  });
});

describe('inactive locations and stock', () => {
  it('refuses adjustments at an inactive location (422)', async () => {
    const s = await buildSupplier(app);
    await createLocation(s);
    const closed = await createLocation(s, { is_active: false });
    const p = await call(app, 'POST', '/api/v1/products', { token: s.owner.token, body: { sku: `SKU-${uniq()}`, name: 'P', price: '1' } });
    const res = await call(app, 'PATCH', `/api/v1/products/${p.body.id}/inventory`, {
      token: s.owner.token,
      body: { delta: 1, reason: 'restock', location_id: closed.id },
    });
    expect(expectProblem(res, 422).errors[0].path).toBe('body/location_id');
  });
});

describe('OpenAPI', () => {
  it('documents every inventory and location route with a summary, a description and its problems', async () => {
    const doc = (await call(app, 'GET', '/openapi.json')).body;
    const expected: [string, string, string[]][] = [
      ['/api/v1/locations', 'post', ['401', '403', '404', '409', '422']],
      ['/api/v1/locations', 'get', ['401', '403', '404', '422']],
      ['/api/v1/locations/{id}', 'get', ['401', '403', '404', '422']],
      ['/api/v1/locations/{id}', 'patch', ['401', '403', '404', '409', '422']],
      ['/api/v1/inventory', 'get', ['401', '403', '404', '422']],
      ['/api/v1/inventory/transfers', 'post', ['401', '403', '404', '409', '422']],
      ['/api/v1/inventory/movements', 'get', ['401', '403', '404', '422']],
      ['/api/v1/products/{id}/inventory', 'patch', ['401', '403', '404', '409', '422']],
      ['/api/v1/products/{id}/inventory/movements', 'get', ['401', '403', '404', '422']],
    ];
    for (const [path, method, statuses] of expected) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op.summary).toBeTruthy();
      expect(op.description).toBeTruthy();
      for (const s of statuses) expect(op.responses[s], `${method} ${path} ${s}`).toBeDefined();
    }
  });
});
