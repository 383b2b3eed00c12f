import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../infra/db/client.js';
import { buildConsumer, buildSupplier, call, createOrganization, createTestApp, expectProblem, registerUser, uniq } from '../../../test/helpers.js';

const { app, database } = await createTestApp();

const orgCount = async (name: string) =>
  Number((await queryRows<{ n: string | number }>(database.db, sql`select count(*) as n from organizations where name = ${name}`))[0].n);

const membersOf = async (token: string, orgId: string) => {
  const res = await call(app, 'GET', `/api/v1/organizations/${orgId}/members?limit=100`, { token });
  expect(res.status).toBe(200);
  return res.body.items as { user_id: string; email: string; role: string }[];
};

describe('POST /organizations', () => {
  it('creates a supplier and a consumer; the caller becomes owner; currency defaults to KZT', async () => {
    const u = await registerUser(app);
    const name = `Green Grocer ${uniq()}`;
    const res = await call(app, 'POST', '/api/v1/organizations', { token: u.token, body: { type: 'supplier', name: `  ${name} ` } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ type: 'supplier', name, currency: 'KZT', catalog_visibility: 'linked', is_active: true, my_role: 'owner' });
    expect(res.body.slug).toMatch(/^green-grocer-/);
    const me = await call(app, 'GET', '/api/v1/users/me', { token: u.token });
    expect(me.body.memberships).toEqual([expect.objectContaining({ organization_id: res.body.id, role: 'owner' })]);

    const consumer = await call(app, 'POST', '/api/v1/organizations', { token: u.token, body: { type: 'consumer', name: `Cafe ${uniq()}`, currency: 'USD' } });
    expect(consumer.status).toBe(201);
    expect(consumer.body).toMatchObject({ type: 'consumer', currency: 'USD', my_role: 'owner' });
    const store = await call(app, 'POST', '/api/v1/organizations', {
      token: u.token,
      body: { type: 'supplier', name: `Store ${uniq()}`, catalog_visibility: 'public' },
    });
    expect(store.body.catalog_visibility).toBe('public');
  });

  it('gives two organizations with the same name different slugs', async () => {
    const u = await registerUser(app);
    const name = `Twin ${uniq()}`;
    const [a, b] = [await createOrganization(app, u, { type: 'supplier', name }), await createOrganization(app, u, { type: 'supplier', name })];
    expect(a.slug).not.toBe(b.slug);
  });

  it('rejects an unknown currency, catalog_visibility on a consumer, and bad input with 422, writing nothing', async () => {
    const u = await registerUser(app);
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'supplier', currency: 'XYZ' }, 'body/currency'],
      [{ type: 'supplier', currency: 'usd' }, 'body/currency'],
      [{ type: 'consumer', catalog_visibility: 'public' }, 'body/catalog_visibility'],
      [{ type: 'consumer', catalog_visibility: 'linked' }, 'body/catalog_visibility'],
      [{ type: 'wholesaler' }, 'body/type'],
      [{ type: 'supplier', name: '' }, 'body/name'],
    ];
    for (const [body, path] of cases) {
      const name = `Rejected ${uniq()}`;
      const p = expectProblem(await call(app, 'POST', '/api/v1/organizations', { token: u.token, body: { name, ...body } }), 422, 'VALIDATION_FAILED');
      expect(p.errors.map((e: { path: string }) => e.path)).toContain(path);
      expect(await orgCount(name)).toBe(0);
    }
    const mine = await call(app, 'GET', '/api/v1/organizations', { token: u.token });
    expect(mine.body.total).toBe(0);
  });

  it('requires a token', async () => {
    expectProblem(await call(app, 'POST', '/api/v1/organizations', { body: { type: 'supplier', name: 'Anon' } }), 401);
  });
});

describe('GET /organizations', () => {
  it("lists only the caller's organizations with their role, filtered by type", async () => {
    const s = await buildSupplier(app);
    const own = await createOrganization(app, s.manager, { type: 'consumer' });
    await buildSupplier(app); // someone else's
    const all = await call(app, 'GET', '/api/v1/organizations', { token: s.manager.token });
    expect(all.body).toMatchObject({ total: 2, limit: 20, offset: 0 });
    expect(all.body.items.map((o: { id: string; my_role: string }) => [o.id, o.my_role]).sort()).toEqual(
      [
        [own.id, 'owner'],
        [s.org.id, 'manager'],
      ].sort(),
    );
    const suppliers = await call(app, 'GET', '/api/v1/organizations?type=supplier', { token: s.manager.token });
    expect(suppliers.body.items.map((o: { id: string }) => o.id)).toEqual([s.org.id]);
    const consumers = await call(app, 'GET', '/api/v1/organizations?type=consumer&limit=1', { token: s.manager.token });
    expect(consumers.body).toMatchObject({ total: 1, limit: 1, items: [{ id: own.id, type: 'consumer' }] });
    expectProblem(await call(app, 'GET', '/api/v1/organizations?type=store', { token: s.manager.token }), 422);
  });

  it("shows one of the caller's organizations, and 404 for another's", async () => {
    const s = await buildSupplier(app);
    const res = await call(app, 'GET', `/api/v1/organizations/${s.org.id}`, { token: s.employee.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: s.org.id, my_role: 'employee' });
    const c = await buildConsumer(app);
    expectProblem(await call(app, 'GET', `/api/v1/organizations/${s.org.id}`, { token: c.owner.token }), 404);
    expectProblem(await call(app, 'GET', '/api/v1/organizations/00000000-0000-4000-8000-000000000000', { token: c.owner.token }), 404);
  });
});

describe('PATCH /organizations/{id}', () => {
  it("lets a manager rename and change visibility; refuses sales (403), outsiders (404), consumers' visibility (422)", async () => {
    const s = await buildSupplier(app);
    const name = `Renamed ${uniq()}`;
    const res = await call(app, 'PATCH', `/api/v1/organizations/${s.org.id}`, { token: s.manager.token, body: { name, catalog_visibility: 'public' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name, catalog_visibility: 'public', my_role: 'manager', slug: s.org.slug });

    expectProblem(await call(app, 'PATCH', `/api/v1/organizations/${s.org.id}`, { token: s.sales.token, body: { name: 'Sales name' } }), 403);
    const other = await buildSupplier(app);
    expectProblem(await call(app, 'PATCH', `/api/v1/organizations/${s.org.id}`, { token: other.owner.token, body: { name: 'Hijack' } }), 404);
    expectProblem(await call(app, 'PATCH', `/api/v1/organizations/${s.org.id}`, { token: s.owner.token, body: {} }), 422);
    const after = await call(app, 'GET', `/api/v1/organizations/${s.org.id}`, { token: s.owner.token });
    expect(after.body.name).toBe(name);

    const c = await buildConsumer(app);
    const p = expectProblem(
      await call(app, 'PATCH', `/api/v1/organizations/${c.org.id}`, { token: c.owner.token, body: { catalog_visibility: 'public' } }),
      422,
    );
    expect(p.errors[0].path).toBe('body/catalog_visibility');
  });
});

describe('supplier settings: tax_rate, delivery_fee, free_delivery_threshold', () => {
  /** The stored settings of an organization, as numeric text. */
  const stored = async (id: string) =>
    (
      await queryRows<{ tax_rate: string; delivery_fee: string; free_delivery_threshold: string | null }>(
        database.db,
        sql`
      select tax_rate::text, delivery_fee::text, free_delivery_threshold::text from organizations where id = ${id}`,
      )
    )[0];
  const patchOrg = (token: string, id: string, body: Record<string, unknown>) => call(app, 'PATCH', `/api/v1/organizations/${id}`, { token, body });

  it('shows defaults: no tax, no fee, no threshold for a supplier; null settings for a consumer', async () => {
    const s = await buildSupplier(app, { currency: 'ILS' });
    const res = await call(app, 'GET', `/api/v1/organizations/${s.org.id}`, { token: s.employee.token });
    expect(res.body).toMatchObject({ tax_rate: '0.00', delivery_fee: '0.00', free_delivery_threshold: null, currency: 'ILS' });
    const c = await buildConsumer(app);
    const consumer = await call(app, 'GET', `/api/v1/organizations/${c.org.id}`, { token: c.owner.token });
    expect(consumer.body).toMatchObject({ tax_rate: null, delivery_fee: null, free_delivery_threshold: null });
  });

  it("sets seed 002's delivery rule (30 ILS below 150 ILS) and a tax rate, exactly, from strings or numbers", async () => {
    const s = await buildSupplier(app, { currency: 'ILS' });
    const res = await patchOrg(s.manager.token, s.org.id, { tax_rate: '17', delivery_fee: 30, free_delivery_threshold: '150' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tax_rate: '17.00', delivery_fee: '30.00', free_delivery_threshold: '150.00', my_role: 'manager' });
    expect(await stored(s.org.id)).toEqual({ tax_rate: '17.0000', delivery_fee: '30.0000', free_delivery_threshold: '150.0000' });
    const listed = await call(app, 'GET', '/api/v1/organizations?type=supplier', { token: s.owner.token });
    expect(listed.body.items[0]).toMatchObject({ tax_rate: '17.00', delivery_fee: '30.00', free_delivery_threshold: '150.00' });

    const cases: [unknown, string][] = [
      [17.5, '17.50'],
      ['7.125', '7.125'],
      [' 0.0001 ', '0.0001'],
      [0, '0.00'],
      ['100', '100.00'],
      ['100.0000', '100.00'],
      [0.1, '0.10'],
    ];
    for (const [input, shown] of cases) {
      const r = await patchOrg(s.owner.token, s.org.id, { tax_rate: input });
      expect(r.status, JSON.stringify(input)).toBe(200);
      expect(r.body.tax_rate).toBe(shown);
    }
    const cleared = await patchOrg(s.owner.token, s.org.id, { free_delivery_threshold: null, delivery_fee: '0.50' });
    expect(cleared.body).toMatchObject({ free_delivery_threshold: null, delivery_fee: '0.50', tax_rate: '0.10' });
  });

  it("uses the currency's minor digits (JPY has none)", async () => {
    const s = await buildSupplier(app, { currency: 'JPY' });
    const res = await patchOrg(s.owner.token, s.org.id, { delivery_fee: '500', free_delivery_threshold: 10000 });
    expect(res.body).toMatchObject({ delivery_fee: '500', free_delivery_threshold: '10000' });
    const p = expectProblem(await patchOrg(s.owner.token, s.org.id, { delivery_fee: '500.5' }), 422);
    expect(p.errors).toEqual([{ path: 'body/delivery_fee', message: expect.stringContaining('0 decimals') }]);
  });

  it.each([
    [{ tax_rate: '17.12345' }, 'body/tax_rate'],
    [{ tax_rate: 17.12345 }, 'body/tax_rate'],
    [{ tax_rate: '-1' }, 'body/tax_rate'],
    [{ tax_rate: -0.5 }, 'body/tax_rate'],
    [{ tax_rate: '100.01' }, 'body/tax_rate'],
    [{ tax_rate: 250 }, 'body/tax_rate'],
    [{ tax_rate: 'abc' }, 'body/tax_rate'],
    [{ tax_rate: '' }, 'body/tax_rate'],
    [{ tax_rate: null }, 'body/tax_rate'],
    [{ tax_rate: true }, 'body/tax_rate'],
    [{ delivery_fee: '-5' }, 'body/delivery_fee'],
    [{ delivery_fee: -5 }, 'body/delivery_fee'],
    [{ delivery_fee: '30.123' }, 'body/delivery_fee'],
    [{ delivery_fee: 30.001 }, 'body/delivery_fee'],
    [{ delivery_fee: null }, 'body/delivery_fee'],
    [{ delivery_fee: '1e3' }, 'body/delivery_fee'],
    [{ free_delivery_threshold: '-1' }, 'body/free_delivery_threshold'],
    [{ free_delivery_threshold: 'lots' }, 'body/free_delivery_threshold'],
    [{ free_delivery_threshold: '150.999' }, 'body/free_delivery_threshold'],
  ])('rejects %j with 422 and writes nothing', async (body, path) => {
    const s = await buildSupplier(app, { currency: 'ILS' });
    await patchOrg(s.owner.token, s.org.id, { tax_rate: '17', delivery_fee: '30', free_delivery_threshold: '150' });
    const before = await stored(s.org.id);
    const p = expectProblem(await patchOrg(s.owner.token, s.org.id, { name: 'Should not apply', ...body }), 422, 'VALIDATION_FAILED');
    expect(p.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(await stored(s.org.id)).toEqual(before);
    expect((await call(app, 'GET', `/api/v1/organizations/${s.org.id}`, { token: s.owner.token })).body.name).toBe(s.org.name);
  });

  it('reports every bad setting in one 422', async () => {
    const s = await buildSupplier(app, { currency: 'ILS' });
    const p = expectProblem(await patchOrg(s.owner.token, s.org.id, { tax_rate: '101', delivery_fee: '-1', free_delivery_threshold: '1.001' }), 422);
    expect(p.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body/delivery_fee', 'body/free_delivery_threshold', 'body/tax_rate']);
    expect(await stored(s.org.id)).toEqual({ tax_rate: '0.0000', delivery_fee: '0.0000', free_delivery_threshold: null });
  });

  it('refuses the settings on a consumer (422), to sales and employees (403) and to outsiders (404), writing nothing', async () => {
    const c = await buildConsumer(app);
    const p = expectProblem(await patchOrg(c.owner.token, c.org.id, { name: 'Cafe', tax_rate: '17', delivery_fee: '30', free_delivery_threshold: null }), 422);
    expect(p.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body/delivery_fee', 'body/free_delivery_threshold', 'body/tax_rate']);
    expect(await stored(c.org.id)).toEqual({ tax_rate: '0.0000', delivery_fee: '0.0000', free_delivery_threshold: null });
    expect((await call(app, 'GET', `/api/v1/organizations/${c.org.id}`, { token: c.owner.token })).body.name).toBe(c.org.name);

    const s = await buildSupplier(app);
    expectProblem(await patchOrg(s.sales.token, s.org.id, { tax_rate: '5' }), 403);
    expectProblem(await patchOrg(s.employee.token, s.org.id, { delivery_fee: '5' }), 403);
    const other = await buildSupplier(app);
    expectProblem(await patchOrg(other.owner.token, s.org.id, { tax_rate: '5' }), 404);
    expect(await stored(s.org.id)).toEqual({ tax_rate: '0.0000', delivery_fee: '0.0000', free_delivery_threshold: null });
  });
});

describe('members', () => {
  it('owner adds a manager, the manager adds sales; the manager cannot grant owner', async () => {
    const owner = await registerUser(app);
    const org = await createOrganization(app, owner, { type: 'supplier' });
    const manager = await registerUser(app, { full_name: 'Mia Manager' });
    const added = await call(app, 'POST', `/api/v1/organizations/${org.id}/members`, {
      token: owner.token,
      body: { email: manager.email.toUpperCase(), role: 'manager' },
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ user_id: manager.id, email: manager.email, full_name: 'Mia Manager', role: 'manager' });

    const sales = await registerUser(app);
    const bySales = await call(app, 'POST', `/api/v1/organizations/${org.id}/members`, { token: manager.token, body: { email: sales.email, role: 'sales' } });
    expect(bySales.status).toBe(201);

    const wannabe = await registerUser(app);
    expectProblem(
      await call(app, 'POST', `/api/v1/organizations/${org.id}/members`, { token: manager.token, body: { email: wannabe.email, role: 'owner' } }),
      403,
    );
    expectProblem(
      await call(app, 'POST', `/api/v1/organizations/${org.id}/members`, { token: sales.token, body: { email: wannabe.email, role: 'employee' } }),
      403,
    );
    const members = await membersOf(owner.token, org.id);
    expect(members.map((m) => [m.user_id, m.role])).toEqual([
      [owner.id, 'owner'],
      [manager.id, 'manager'],
      [sales.id, 'sales'],
    ]);
  });

  it('answers 404 for an unknown email, 409 ALREADY_MEMBER for a duplicate, 422 for a role of the other type', async () => {
    const s = await buildSupplier(app);
    expectProblem(
      await call(app, 'POST', `/api/v1/organizations/${s.org.id}/members`, {
        token: s.owner.token,
        body: { email: `nobody-${uniq()}@example.com`, role: 'sales' },
      }),
      404,
    );
    expectProblem(
      await call(app, 'POST', `/api/v1/organizations/${s.org.id}/members`, { token: s.owner.token, body: { email: s.sales.email, role: 'manager' } }),
      409,
      'ALREADY_MEMBER',
    );
    const u = await registerUser(app);
    const p = expectProblem(
      await call(app, 'POST', `/api/v1/organizations/${s.org.id}/members`, { token: s.owner.token, body: { email: u.email, role: 'buyer' } }),
      422,
    );
    expect(p.errors[0].path).toBe('body/role');
    expectProblem(await call(app, 'POST', `/api/v1/organizations/${s.org.id}/members`, { token: s.owner.token, body: { email: u.email, role: 'admin' } }), 422);
    const c = await buildConsumer(app);
    expectProblem(
      await call(app, 'POST', `/api/v1/organizations/${c.org.id}/members`, { token: c.owner.token, body: { email: u.email, role: 'manager' } }),
      422,
    );
    // Nothing written: the user is in neither organization, and sales kept its role.
    const me = await call(app, 'GET', '/api/v1/users/me', { token: u.token });
    expect(me.body.memberships).toEqual([]);
    expect((await membersOf(s.owner.token, s.org.id)).find((m) => m.user_id === s.sales.id)!.role).toBe('sales');
    // Another organization's owner cannot add anyone here.
    expectProblem(await call(app, 'POST', `/api/v1/organizations/${s.org.id}/members`, { token: c.owner.token, body: { email: u.email, role: 'sales' } }), 404);
  });

  it('changes a role; only an owner touches the owner role', async () => {
    const s = await buildSupplier(app);
    const res = await call(app, 'PATCH', `/api/v1/organizations/${s.org.id}/members/${s.sales.id}`, { token: s.manager.token, body: { role: 'employee' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user_id: s.sales.id, role: 'employee' });
    expectProblem(
      await call(app, 'PATCH', `/api/v1/organizations/${s.org.id}/members/${s.employee.id}`, { token: s.manager.token, body: { role: 'owner' } }),
      403,
    );
    expectProblem(
      await call(app, 'PATCH', `/api/v1/organizations/${s.org.id}/members/${s.owner.id}`, { token: s.manager.token, body: { role: 'sales' } }),
      403,
    );
    expectProblem(
      await call(app, 'PATCH', `/api/v1/organizations/${s.org.id}/members/${s.employee.id}`, { token: s.owner.token, body: { role: 'buyer' } }),
      422,
    );
    const stranger = await registerUser(app);
    expectProblem(await call(app, 'PATCH', `/api/v1/organizations/${s.org.id}/members/${stranger.id}`, { token: s.owner.token, body: { role: 'sales' } }), 404);
    const promoted = await call(app, 'PATCH', `/api/v1/organizations/${s.org.id}/members/${s.manager.id}`, { token: s.owner.token, body: { role: 'owner' } });
    expect(promoted.body.role).toBe('owner');
    const roles = Object.fromEntries((await membersOf(s.owner.token, s.org.id)).map((m) => [m.user_id, m.role]));
    expect(roles).toEqual({ [s.owner.id]: 'owner', [s.manager.id]: 'owner', [s.sales.id]: 'employee', [s.employee.id]: 'employee' });
  });

  it('keeps at least one owner: demoting or removing the last owner is 409 LAST_OWNER', async () => {
    const s = await buildSupplier(app);
    expectProblem(
      await call(app, 'PATCH', `/api/v1/organizations/${s.org.id}/members/${s.owner.id}`, { token: s.owner.token, body: { role: 'manager' } }),
      409,
      'LAST_OWNER',
    );
    expectProblem(await call(app, 'DELETE', `/api/v1/organizations/${s.org.id}/members/${s.owner.id}`, { token: s.owner.token }), 409, 'LAST_OWNER');
    expect((await membersOf(s.owner.token, s.org.id)).find((m) => m.user_id === s.owner.id)!.role).toBe('owner');

    // With a second owner, the first may step down, and the last one still cannot.
    await call(app, 'PATCH', `/api/v1/organizations/${s.org.id}/members/${s.manager.id}`, { token: s.owner.token, body: { role: 'owner' } });
    const down = await call(app, 'PATCH', `/api/v1/organizations/${s.org.id}/members/${s.owner.id}`, { token: s.owner.token, body: { role: 'manager' } });
    expect(down.status).toBe(200);
    expectProblem(await call(app, 'DELETE', `/api/v1/organizations/${s.org.id}/members/${s.manager.id}`, { token: s.manager.token }), 409, 'LAST_OWNER');
  });

  it('removes members; a member may leave by deleting themselves; others need members:manage', async () => {
    const s = await buildSupplier(app);
    expectProblem(await call(app, 'DELETE', `/api/v1/organizations/${s.org.id}/members/${s.employee.id}`, { token: s.sales.token }), 403);
    const removed = await call(app, 'DELETE', `/api/v1/organizations/${s.org.id}/members/${s.employee.id}`, { token: s.manager.token });
    expect(removed.status).toBe(204);
    const left = await call(app, 'DELETE', `/api/v1/organizations/${s.org.id}/members/${s.sales.id}`, { token: s.sales.token });
    expect(left.status).toBe(204);
    expectProblem(await call(app, 'GET', `/api/v1/organizations/${s.org.id}`, { token: s.sales.token }), 403);
    expectProblem(await call(app, 'DELETE', `/api/v1/organizations/${s.org.id}/members/${s.owner.id}`, { token: s.manager.token }), 403);
    expectProblem(await call(app, 'DELETE', `/api/v1/organizations/${s.org.id}/members/${s.employee.id}`, { token: s.owner.token }), 404);
    expect((await membersOf(s.owner.token, s.org.id)).map((m) => m.user_id).sort()).toEqual([s.owner.id, s.manager.id].sort());
  });

  it('hides the member list from non-members (404)', async () => {
    const s = await buildSupplier(app);
    const c = await buildConsumer(app);
    expectProblem(await call(app, 'GET', `/api/v1/organizations/${s.org.id}/members`, { token: c.owner.token }), 404);
    expectProblem(await call(app, 'GET', `/api/v1/organizations/${s.org.id}/members`, { token: s.employee.token }), 403);
    const page = await call(app, 'GET', `/api/v1/organizations/${s.org.id}/members?limit=2&offset=1`, { token: s.sales.token });
    expect(page.body).toMatchObject({ total: 4, limit: 2, offset: 1 });
    expect(page.body.items).toHaveLength(2);
    const buyers = await membersOf(c.buyer.token, c.org.id);
    expect(buyers.map((m) => m.role).sort()).toEqual(['buyer', 'owner']);
  });
});

describe('GET /suppliers', () => {
  it('lists active suppliers only, matching q case-insensitively, without a token', async () => {
    const tag = uniq();
    const owner = await registerUser(app);
    const a = await createOrganization(app, owner, { type: 'supplier', name: `Almaty Fruit ${tag}` });
    const b = await createOrganization(app, owner, { type: 'supplier', name: `almaty FRUIT wholesale ${tag}`, catalog_visibility: 'public' });
    await createOrganization(app, owner, { type: 'consumer', name: `Almaty Fruit Cafe ${tag}` });
    const closed = await createOrganization(app, owner, { type: 'supplier', name: `Almaty Fruit Closed ${tag}` });
    await database.db.execute(sql`update organizations set is_active = false where id = ${closed.id}`);

    const res = await call(app, 'GET', `/api/v1/suppliers?q=${encodeURIComponent(`FRUIT`)}&limit=100`);
    expect(res.status).toBe(200);
    const mine = res.body.items.filter((o: { name: string }) => o.name.endsWith(tag));
    expect(mine.map((o: { id: string }) => o.id).sort()).toEqual([a.id, b.id].sort());
    expect(mine.find((o: { id: string }) => o.id === b.id)).toEqual({ id: b.id, name: b.name, slug: b.slug, catalog_visibility: 'public', currency: 'KZT' });

    const exact = await call(app, 'GET', `/api/v1/suppliers?q=${tag.toUpperCase()}`);
    expect(exact.body.total).toBe(2);
    const withToken = await call(app, 'GET', `/api/v1/suppliers?q=${tag}`, { token: owner.token });
    expect(withToken.body.total).toBe(2);
    // LIKE wildcards in q are taken literally.
    expect((await call(app, 'GET', `/api/v1/suppliers?q=${encodeURIComponent(`%${tag}`)}`)).body.total).toBe(0);
    expect((await call(app, 'GET', `/api/v1/suppliers?q=nothing-${uniq()}`)).body).toMatchObject({ items: [], total: 0 });
    expectProblem(await call(app, 'GET', '/api/v1/suppliers?limit=500'), 422);
  });
});
