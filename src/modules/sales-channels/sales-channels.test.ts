import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Ctx } from '../../infra/context.js';
import { queryRows } from '../../infra/db/client.js';
import { buildConsumer, buildSupplier, call, createOrganization, createTestApp, expectProblem, uniq, type TestUser } from '../../../test/helpers.js';
import { ensureDefaultChannel, findChannel, findChannelByName } from './index.js';

const { app, database, config } = await createTestApp();
const db = database.db;
/** A context over the test database (no actor), as the module's callers pass one. */
const ctx = { db, actor: null, config } as unknown as Ctx;

/** The supplier's channels in the database, default first then by name (to prove what was written). */
const channelsOf = (supplierId: string) =>
  queryRows<{ id: string; name: string; is_default: boolean; is_active: boolean }>(
    db,
    sql`
    select id, name, is_default, is_active from sales_channels where supplier_id = ${supplierId} order by is_default desc, lower(name), id`,
  );

/** A channel through the API. */
async function channel(user: TestUser, body: Record<string, unknown>) {
  const res = await call(app, 'POST', '/api/v1/sales-channels', { token: user.token, body: { name: `Channel ${uniq()}`, ...body } });
  if (res.status !== 201) throw new Error(`create channel failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; name: string; is_default: boolean; is_active: boolean; kind: string };
}

const patch = (user: TestUser, id: string, body: Record<string, unknown>) => call(app, 'PATCH', `/api/v1/sales-channels/${id}`, { token: user.token, body });

describe('GET /sales-channels', () => {
  it('shows the default channel, created on first use, once; every supplier role may read', async () => {
    const s = await buildSupplier(app);
    const res = await call(app, 'GET', '/api/v1/sales-channels', { token: s.employee.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      total: 1,
      limit: 20,
      offset: 0,
      items: [{ supplier_id: s.org.id, name: 'Default', kind: 'online', is_default: true, is_active: true, description: null }],
    });
    const again = await call(app, 'GET', '/api/v1/sales-channels', { token: s.sales.token });
    expect(again.body.items).toEqual(res.body.items);
    expect(await channelsOf(s.org.id)).toHaveLength(1);
    const one = await call(app, 'GET', `/api/v1/sales-channels/${res.body.items[0].id}`, { token: s.employee.token });
    expect(one.body).toEqual(res.body.items[0]);
  });

  it('lists the default first, then by name, paged and filtered by is_active', async () => {
    const s = await buildSupplier(app);
    const shop = await channel(s.owner, { name: 'shop counter', kind: 'retail', is_default: true });
    const phone = await channel(s.manager, { name: 'Phone', kind: 'phone' });
    const old = await channel(s.manager, { name: 'Archive', kind: 'other', is_active: false });
    const all = await call(app, 'GET', '/api/v1/sales-channels', { token: s.owner.token });
    expect(all.body.items.map((c: { id: string }) => c.id)).toEqual([shop.id, old.id, phone.id]);
    const active = await call(app, 'GET', '/api/v1/sales-channels?is_active=true&limit=1&offset=1', { token: s.owner.token });
    expect(active.body).toMatchObject({ total: 2, limit: 1, offset: 1, items: [{ id: phone.id }] });
    const inactive = await call(app, 'GET', '/api/v1/sales-channels?is_active=false', { token: s.owner.token });
    expect(inactive.body.items.map((c: { id: string }) => c.id)).toEqual([old.id]);
  });

  it('hides other suppliers (404), refuses consumers (403), and needs supplier_id from a member of several (422)', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const c = await buildConsumer(app);
    expectProblem(await call(app, 'GET', `/api/v1/sales-channels?supplier_id=${other.org.id}`, { token: s.owner.token }), 404);
    expectProblem(await call(app, 'GET', '/api/v1/sales-channels', { token: c.owner.token }), 403);
    expectProblem(await call(app, 'GET', '/api/v1/sales-channels', { token: c.buyer.token }), 403);
    expectProblem(await call(app, 'GET', '/api/v1/sales-channels'), 401);
    const ch = await channel(s.owner, {});
    expectProblem(await call(app, 'GET', `/api/v1/sales-channels/${ch.id}`, { token: other.employee.token }), 404);
    expectProblem(await call(app, 'GET', `/api/v1/sales-channels/${ch.id}`, { token: c.owner.token }), 404);
    expectProblem(await call(app, 'GET', '/api/v1/sales-channels/01900000-0000-7000-8000-000000000000', { token: s.owner.token }), 404);
    await createOrganization(app, s.manager, { type: 'supplier' });
    const p = expectProblem(await call(app, 'GET', '/api/v1/sales-channels', { token: s.manager.token }), 422);
    expect(p.errors[0].path).toBe('querystring/supplier_id');
    expect((await call(app, 'GET', `/api/v1/sales-channels?supplier_id=${s.org.id}`, { token: s.manager.token })).status).toBe(200);
  });
});

describe('POST /sales-channels', () => {
  it("makes the supplier's first channel its default; later ones are not, unless asked", async () => {
    const s = await buildSupplier(app);
    const web = await channel(s.manager, { name: '  Web shop ', description: 'Our site' });
    expect(web).toMatchObject({ name: 'Web shop', kind: 'online', description: 'Our site', is_default: true, is_active: true });
    const phone = await channel(s.manager, { name: 'Phone', kind: 'phone' });
    expect(phone.is_default).toBe(false);
    const list = await call(app, 'GET', '/api/v1/sales-channels', { token: s.owner.token });
    expect(list.body.items.map((c: { name: string }) => c.name)).toEqual(['Web shop', 'Phone']);
    expect((await ensureDefaultChannel(ctx, s.org.id)).id).toBe(web.id);
  });

  it('moves the default to a new channel created with is_default, in one transaction', async () => {
    const s = await buildSupplier(app);
    await call(app, 'GET', '/api/v1/sales-channels', { token: s.owner.token }); // creates "Default"
    const market = await channel(s.owner, { name: 'Marketplace', kind: 'marketplace', is_default: true });
    expect(market.is_default).toBe(true);
    const rows = await channelsOf(s.org.id);
    expect(rows.filter((r) => r.is_default).map((r) => r.id)).toEqual([market.id]);
    expect(rows.map((r) => r.name)).toEqual(['Marketplace', 'Default']);
  });

  it('refuses a name the supplier already uses, in any case, with 409 CHANNEL_NAME_TAKEN; another supplier may use it', async () => {
    const s = await buildSupplier(app);
    await channel(s.owner, { name: 'Wholesale desk', kind: 'wholesale' });
    const p = expectProblem(
      await call(app, 'POST', '/api/v1/sales-channels', { token: s.manager.token, body: { name: ' WHOLESALE DESK ', is_default: true } }),
      409,
      'CHANNEL_NAME_TAKEN',
    );
    expect(p.details).toEqual({ name: 'WHOLESALE DESK' });
    const rows = await channelsOf(s.org.id);
    expect(rows).toEqual([expect.objectContaining({ name: 'Wholesale desk', is_default: true })]);
    const other = await buildSupplier(app);
    expect((await channel(other.owner, { name: 'Wholesale desk' })).name).toBe('Wholesale desk');
  });

  it('refuses an inactive default with 409 DEFAULT_CHANNEL_INACTIVE and writes nothing', async () => {
    const s = await buildSupplier(app);
    expectProblem(
      await call(app, 'POST', '/api/v1/sales-channels', { token: s.owner.token, body: { name: 'Dormant', is_default: true, is_active: false } }),
      409,
      'DEFAULT_CHANNEL_INACTIVE',
    );
    expect(await channelsOf(s.org.id)).toEqual([]);
    // An inactive first channel is simply not the default.
    const dormant = await channel(s.owner, { name: 'Dormant', is_active: false });
    expect(dormant.is_default).toBe(false);
  });

  it.each([
    [{ name: '' }, 'body/name'],
    [{ name: '   ' }, 'body/name'],
    [{ name: 'x'.repeat(101) }, 'body/name'],
    [{ name: 'Ok', kind: 'telepathy' }, 'body/kind'],
    [{ name: 'Ok', is_active: 'yes' }, 'body/is_active'],
    [{ name: 'Ok', description: 'x'.repeat(1001) }, 'body/description'],
    [{ kind: 'online' }, 'body/name'],
  ])('rejects %j with 422 and writes nothing', async (body, path) => {
    const s = await buildSupplier(app);
    const p = expectProblem(await call(app, 'POST', '/api/v1/sales-channels', { token: s.owner.token, body }), 422, 'VALIDATION_FAILED');
    expect(p.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(await channelsOf(s.org.id)).toEqual([]);
  });

  it("refuses sales and employees (403), another supplier's staff (404), consumers (403)", async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const c = await buildConsumer(app);
    expectProblem(await call(app, 'POST', '/api/v1/sales-channels', { token: s.sales.token, body: { name: 'No' } }), 403);
    expectProblem(await call(app, 'POST', '/api/v1/sales-channels', { token: s.employee.token, body: { name: 'No' } }), 403);
    expectProblem(await call(app, 'POST', '/api/v1/sales-channels', { token: other.owner.token, body: { name: 'No', supplier_id: s.org.id } }), 404);
    expectProblem(await call(app, 'POST', '/api/v1/sales-channels', { token: c.owner.token, body: { name: 'No' } }), 403);
    expectProblem(await call(app, 'POST', '/api/v1/sales-channels', { token: c.owner.token, body: { name: 'No', supplier_id: c.org.id } }), 404);
    expect(await channelsOf(s.org.id)).toEqual([]);
  });
});

describe('PATCH /sales-channels/{id}', () => {
  it('changes name, kind, description and activity; null clears the description', async () => {
    const s = await buildSupplier(app);
    await channel(s.owner, { name: 'Main' });
    const ch = await channel(s.owner, { name: 'Kiosk', kind: 'retail', description: 'Mall' });
    const res = await patch(s.manager, ch.id, { name: ' Mall kiosk ', kind: 'other', description: null, is_active: false });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: ch.id, name: 'Mall kiosk', kind: 'other', description: null, is_active: false, is_default: false });
    // Changing the case of its own name is fine.
    expect((await patch(s.manager, ch.id, { name: 'MALL KIOSK' })).body.name).toBe('MALL KIOSK');
    expect((await call(app, 'GET', `/api/v1/sales-channels/${ch.id}`, { token: s.employee.token })).body.name).toBe('MALL KIOSK');
  });

  it('makes a channel the default and unsets the previous one', async () => {
    const s = await buildSupplier(app);
    const first = await channel(s.owner, { name: 'First' });
    const second = await channel(s.owner, { name: 'Second' });
    const res = await patch(s.manager, second.id, { is_default: true });
    expect(res.body).toMatchObject({ id: second.id, is_default: true });
    const rows = await channelsOf(s.org.id);
    expect(rows.map((r) => [r.id, r.is_default])).toEqual([
      [second.id, true],
      [first.id, false],
    ]);
    // Asking again changes nothing.
    expect((await patch(s.manager, second.id, { is_default: true })).body.is_default).toBe(true);
    expect((await channelsOf(s.org.id)).filter((r) => r.is_default)).toHaveLength(1);
  });

  it('keeps the default active and present: 409 DEFAULT_CHANNEL_INACTIVE / DEFAULT_CHANNEL_REQUIRED, nothing written', async () => {
    const s = await buildSupplier(app);
    const def = await channel(s.owner, { name: 'Default one' });
    const idle = await channel(s.owner, { name: 'Idle', is_active: false });
    const before = await channelsOf(s.org.id);
    expectProblem(await patch(s.owner, def.id, { is_active: false }), 409, 'DEFAULT_CHANNEL_INACTIVE');
    expectProblem(await patch(s.owner, def.id, { name: 'Renamed', is_default: false }), 409, 'DEFAULT_CHANNEL_REQUIRED');
    expectProblem(await patch(s.owner, idle.id, { is_default: true }), 409, 'DEFAULT_CHANNEL_INACTIVE');
    expectProblem(await patch(s.owner, idle.id, { is_default: true, is_active: false }), 409, 'DEFAULT_CHANNEL_INACTIVE');
    expect(await channelsOf(s.org.id)).toEqual(before);
    // Activating in the same request is fine; then the old default may be deactivated.
    const promoted = await patch(s.owner, idle.id, { is_default: true, is_active: true });
    expect(promoted.body).toMatchObject({ is_default: true, is_active: true });
    expect((await patch(s.owner, def.id, { is_active: false })).body).toMatchObject({ is_default: false, is_active: false });
    // is_default: false on a channel that is not the default is a no-op.
    expect((await patch(s.owner, def.id, { is_default: false })).status).toBe(200);
  });

  it('refuses a name another channel has (any case) with 409 and changes nothing', async () => {
    const s = await buildSupplier(app);
    await channel(s.owner, { name: 'Phone orders' });
    const b = await channel(s.owner, { name: 'Instagram' });
    expectProblem(await patch(s.owner, b.id, { name: 'PHONE ORDERS', kind: 'phone' }), 409, 'CHANNEL_NAME_TAKEN');
    expect((await call(app, 'GET', `/api/v1/sales-channels/${b.id}`, { token: s.owner.token })).body).toMatchObject({ name: 'Instagram', kind: 'online' });
  });

  it('rejects bad input with 422, sales and employees with 403, other suppliers with 404; nothing written', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const ch = await channel(s.owner, { name: 'Stable' });
    const before = await channelsOf(s.org.id);
    for (const body of [{}, { name: '' }, { name: ' ' }, { kind: 'carrier pigeon' }, { is_default: 'yes' }, { supplier_id: other.org.id }]) {
      expectProblem(await patch(s.owner, ch.id, body), 422, 'VALIDATION_FAILED');
    }
    expectProblem(await patch(s.sales, ch.id, { name: 'No' }), 403);
    expectProblem(await patch(s.employee, ch.id, { name: 'No' }), 403);
    expectProblem(await patch(other.owner, ch.id, { name: 'No' }), 404);
    expectProblem(await patch(s.owner, '01900000-0000-7000-8000-000000000000', { name: 'No' }), 404);
    expect(await channelsOf(s.org.id)).toEqual(before);
  });
});

describe('concurrency (races for real on PostgreSQL)', () => {
  it('keeps exactly one default when several channels are made the default at once', async () => {
    const s = await buildSupplier(app);
    const chans = [];
    for (let i = 0; i < 6; i++) chans.push(await channel(s.owner, { name: `Race ${i}` }));
    const results = await Promise.all(chans.map((c) => patch(s.manager, c.id, { is_default: true })));
    expect(results.map((r) => r.status)).toEqual(chans.map(() => 200));
    expect((await channelsOf(s.org.id)).filter((r) => r.is_default)).toHaveLength(1);
    const created = await Promise.all(
      [0, 1, 2, 3].map((i) => call(app, 'POST', '/api/v1/sales-channels', { token: s.owner.token, body: { name: `New ${i}`, is_default: true } })),
    );
    expect(created.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect((await channelsOf(s.org.id)).filter((r) => r.is_default)).toHaveLength(1);
  });

  it('lets one of several concurrent creations of a name win; the others get 409', async () => {
    const s = await buildSupplier(app);
    const results = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => call(app, 'POST', '/api/v1/sales-channels', { token: s.owner.token, body: { name: i % 2 ? 'same' : 'SAME' } })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) expectProblem(r, 409, 'CHANNEL_NAME_TAKEN');
    expect(await channelsOf(s.org.id)).toHaveLength(1);
  });

  it('documents every route with its errors in the OpenAPI document', async () => {
    const doc = (await call(app, 'GET', '/openapi.json')).body;
    for (const [path, method, statuses] of [
      ['/api/v1/sales-channels', 'post', ['201', '403', '404', '409', '422']],
      ['/api/v1/sales-channels', 'get', ['200', '403', '404', '422']],
      ['/api/v1/sales-channels/{id}', 'get', ['200', '403', '404', '422']],
      ['/api/v1/sales-channels/{id}', 'patch', ['200', '403', '404', '409', '422']],
    ] as const) {
      const op = doc.paths[path]?.[method];
      expect(op?.summary, `${method} ${path}`).toBeTruthy();
      expect(op.description).toBeTruthy();
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining([...statuses]));
    }
  });
});

describe('ensureDefaultChannel, findChannel, findChannelByName', () => {
  it('make one default under concurrent first uses, and find channels of their supplier only', async () => {
    const s = await buildSupplier(app);
    const rows = await Promise.all(Array.from({ length: 5 }, () => ensureDefaultChannel(ctx, s.org.id)));
    expect(new Set(rows.map((r) => r.id)).size).toBe(1);
    expect(await channelsOf(s.org.id)).toHaveLength(1);
    const other = await buildSupplier(app);
    expect((await findChannel(ctx, s.org.id, rows[0].id))?.id).toBe(rows[0].id);
    expect(await findChannel(ctx, other.org.id, rows[0].id)).toBeUndefined();
    expect((await findChannelByName(ctx, s.org.id, 'DEFAULT'))?.id).toBe(rows[0].id);
    expect(await findChannelByName(ctx, other.org.id, 'Default')).toBeUndefined();
  });
});
