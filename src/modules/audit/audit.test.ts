/**
 * The audit log through HTTP: what a change writes (only the changed fields, in its transaction),
 * what a refused change writes (nothing), logins, secrets, who sees which rows, the filters, and the
 * list's bounded query count.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../infra/db/client.js';
import { buildProduct, buildWorld } from '../../../test/factories.js';
import { buildSupplier, call, createTestApp, expectProblem, PASSWORD, registerUser, uniq, type TestUser } from '../../../test/helpers.js';
import { createPlatformAdmin } from '../identity/index.js';
import { diff, redact, snapshot } from './audit.service.js';

const { app, database } = await createTestApp();

const audit = (token: string, query = '') => call(app, 'GET', `/api/v1/audit${query}`, { token });

/** Every audit row about one entity, oldest first, straight from the table. */
const rowsOf = (entityId: string) =>
  queryRows<{ action: string; changes: Record<string, unknown>; actor_id: string | null; organization_id: string | null; request_id: string | null }>(
    database.db,
    sql`select action, changes, actor_id, organization_id, request_id from audit_log where entity_id = ${entityId} order by created_at, id`,
  );

async function admin(): Promise<TestUser> {
  const email = `admin-${uniq()}@example.com`;
  await createPlatformAdmin(database.db, { email, password: PASSWORD });
  const res = await call(app, 'POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });
  expect(res.status).toBe(200);
  return { id: res.body.user.id, email, token: res.body.access_token, refreshToken: res.body.refresh_token };
}

describe('audit log', () => {
  it('records a product update with only the changed fields, in its organization, with actor and request id', async () => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s, { price: '10.00', name: 'Tea' });
    const res = await call(app, 'PATCH', `/api/v1/products/${p.id}`, {
      token: s.manager.token,
      body: { price: '12.50', name: 'Tea', description: 'Green' },
      headers: { 'x-request-id': `req-${p.id}` },
    });
    expect(res.status).toBe(200);
    const rows = await rowsOf(p.id);
    expect(rows.map((r) => r.action)).toEqual(['product.created', 'product.updated']);
    expect(rows[0].changes).toMatchObject({ sku: p.sku, name: 'Tea', price: '10.0000', initial_stock: 100 });
    expect(rows[1]).toEqual({
      action: 'product.updated',
      changes: { price: { from: '10.0000', to: '12.5000' }, description: { from: null, to: 'Green' } },
      actor_id: s.manager.id,
      organization_id: s.org.id,
      request_id: `req-${p.id}`,
    });
    // The API answers the same row.
    const listed = await audit(s.owner.token, `?entity_type=product&entity_id=${p.id}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((i: any) => i.action)).toEqual(['product.updated', 'product.created']);
    expect(listed.body.items[0]).toMatchObject({ actor_id: s.manager.id, request_id: `req-${p.id}`, changes: rows[1].changes });
  });

  it('writes nothing for a rejected change (422, 409)', async () => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s);
    const other = await buildProduct(app, s);
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${p.id}`, { token: s.owner.token, body: { price: '-1' } }), 422);
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${p.id}`, { token: s.owner.token, body: { sku: other.sku } }), 409, 'SKU_TAKEN');
    expectProblem(await call(app, 'PATCH', `/api/v1/products/${p.id}`, { token: s.sales.token, body: { name: 'x' } }), 403);
    expect((await rowsOf(p.id)).map((r) => r.action)).toEqual(['product.created']);
  });

  it('records product archiving, categories and organization settings', async () => {
    const s = await buildSupplier(app);
    const cat = await call(app, 'POST', '/api/v1/categories', { token: s.owner.token, body: { name: `Dairy ${uniq()}` } });
    expect(cat.status).toBe(201);
    expect((await call(app, 'PATCH', `/api/v1/categories/${cat.body.id}`, { token: s.owner.token, body: { name: 'Milk' } })).status).toBe(200);
    expect((await call(app, 'DELETE', `/api/v1/categories/${cat.body.id}`, { token: s.owner.token })).status).toBe(204);
    const cats = await rowsOf(cat.body.id);
    expect(cats.map((r) => r.action)).toEqual(['category.created', 'category.updated', 'category.deleted']);
    expect(cats[1].changes).toEqual({ name: { from: cat.body.name, to: 'Milk' } });
    const p = await buildProduct(app, s);
    expect((await call(app, 'DELETE', `/api/v1/products/${p.id}`, { token: s.owner.token })).status).toBe(204);
    expect((await rowsOf(p.id)).map((r) => r.action)).toEqual(['product.created', 'product.archived']);
    const upd = await call(app, 'PATCH', `/api/v1/organizations/${s.org.id}`, { token: s.owner.token, body: { tax_rate: '17' } });
    expect(upd.status).toBe(200);
    const org = await rowsOf(s.org.id);
    expect(org.map((r) => r.action)).toEqual(['organization.created', 'organization.updated']);
    expect(org[1].changes).toEqual({ tax_rate: { from: '0.0000', to: '17.0000' } });
  });

  it("records a staff status change of an order, not a buyer's own cancellation", async () => {
    const w = await buildWorld(app);
    const place = async () => {
      const res = await call(app, 'POST', '/api/v1/orders', {
        token: w.consumer.buyer.token,
        body: { supplier_id: w.supplier.org.id, items: [{ product_id: w.products[0].id, quantity: 1 }] },
      });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const [a, b] = [await place(), await place()];
    expect((await call(app, 'PATCH', `/api/v1/orders/${a}/status`, { token: w.supplier.manager.token, body: { status: 'accepted', note: 'ok' } })).status).toBe(
      200,
    );
    expect((await call(app, 'POST', `/api/v1/orders/${b}/cancel`, { token: w.consumer.buyer.token, body: {} })).status).toBe(200);
    expect(await rowsOf(a)).toEqual([
      {
        action: 'order.status_changed',
        changes: { status: { from: 'pending', to: 'accepted' }, note: 'ok' },
        actor_id: w.supplier.manager.id,
        organization_id: w.supplier.org.id,
        request_id: expect.any(String),
      },
    ]);
    expect(await rowsOf(b)).toEqual([]);
    // An order staff place for a customer is audited as created.
    const staff = await call(app, 'POST', '/api/v1/orders', {
      token: w.supplier.sales.token,
      body: { supplier_id: w.supplier.org.id, customer: { name: 'Walk-in' }, items: [{ product_id: w.products[0].id, quantity: 1 }] },
    });
    expect(staff.status).toBe(201);
    expect((await rowsOf(staff.body.id)).map((r) => [r.action, r.actor_id])).toEqual([['order.created', w.supplier.sales.id]]);
  });

  it('records memberships added, changed and removed', async () => {
    const s = await buildSupplier(app);
    const u = await registerUser(app);
    const base = `/api/v1/organizations/${s.org.id}/members`;
    expect((await call(app, 'POST', base, { token: s.owner.token, body: { email: u.email, role: 'sales' } })).status).toBe(201);
    expect((await call(app, 'PATCH', `${base}/${u.id}`, { token: s.owner.token, body: { role: 'manager' } })).status).toBe(200);
    expect((await call(app, 'DELETE', `${base}/${u.id}`, { token: s.manager.token })).status).toBe(204);
    const rows = await rowsOf(u.id);
    const membership = rows.filter((r) => r.action.startsWith('membership.'));
    expect(membership.map((r) => [r.action, r.changes, r.actor_id, r.organization_id])).toEqual([
      ['membership.added', { email: u.email, role: 'sales' }, s.owner.id, s.org.id],
      ['membership.role_changed', { role: { from: 'sales', to: 'manager' } }, s.owner.id, s.org.id],
      ['membership.removed', { role: 'manager' }, s.manager.id, s.org.id],
    ]);
    // A refused role change (the last owner) writes nothing.
    expectProblem(await call(app, 'PATCH', `${base}/${s.owner.id}`, { token: s.owner.token, body: { role: 'manager' } }), 409, 'LAST_OWNER');
    expect((await rowsOf(s.owner.id)).filter((r) => r.action.startsWith('membership.'))).toEqual([]);
  });

  it('records login failures (attempted email, no actor, no password) and successes', async () => {
    const u = await registerUser(app);
    const wrong = `Wrong-${uniq()}-Secret1`;
    expectProblem(await call(app, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: wrong } }), 401, 'INVALID_CREDENTIALS');
    const ghost = `ghost-${uniq()}@example.com`;
    expectProblem(await call(app, 'POST', '/api/v1/auth/login', { body: { email: ghost, password: wrong } }), 401);
    expect((await call(app, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: PASSWORD } })).status).toBe(200);
    const rows = await rowsOf(u.id);
    expect(rows.map((r) => [r.action, r.actor_id, r.organization_id])).toEqual([
      ['user.registered', u.id, null],
      ['login.failed', null, null],
      ['login.succeeded', u.id, null],
    ]);
    expect(rows[1].changes).toEqual({ login: u.email, reason: 'invalid_credentials' });
    expect(await rowsOf(ghost)).toEqual([
      {
        action: 'login.failed',
        changes: { login: ghost, reason: 'invalid_credentials' },
        actor_id: null,
        organization_id: null,
        request_id: expect.any(String),
      },
    ]);
    const all = await queryRows<{ t: string }>(database.db, sql`select changes::text as t from audit_log`);
    expect(all.some((r) => r.t.includes(wrong))).toBe(false);
    // A platform admin sees the logins; the user's own organization owner would not (no organization).
    const a = await admin();
    const seen = await audit(a.token, `?entity_type=user&entity_id=${u.id}&action=login.failed`);
    expect(seen.body).toMatchObject({ total: 1, items: [{ action: 'login.failed', actor_id: null }] });
  });

  it('never stores passwords, hashes or tokens (register, change-password)', async () => {
    const newPassword = `New-${uniq()}-Passw0rd`;
    const u = await registerUser(app);
    const changed = await call(app, 'POST', '/api/v1/auth/change-password', {
      token: u.token,
      body: { current_password: PASSWORD, new_password: newPassword },
    });
    expect(changed.status).toBe(200);
    const rows = await rowsOf(u.id);
    expect(rows.map((r) => r.action)).toEqual(['user.registered', 'user.password_changed']);
    const [{ hash }] = await queryRows<{ hash: string }>(database.db, sql`select password_hash as hash from users where id = ${u.id}`);
    const text = JSON.stringify(rows);
    for (const secret of [PASSWORD, newPassword, hash, u.refreshToken, changed.body.refresh_token]) expect(text).not.toContain(secret);
    expect(rows.flatMap((r) => Object.keys(r.changes)).filter((k) => /password|token|hash|secret/i.test(k))).toEqual([]);
  });

  it('strips deny-listed keys at any depth, in diffs and snapshots too', () => {
    const row = { name: 'a', passwordHash: 'h', refresh_token: 't', nested: { secret: 's', apiToken: 'x', ok: 1 } };
    expect(redact(row)).toEqual({ name: 'a', nested: { ok: 1 } });
    expect(snapshot(row, ['name', 'passwordHash'])).toEqual({ name: 'a' });
    expect(diff(row, { ...row, name: 'b', passwordHash: 'h2' }, ['name', 'passwordHash'])).toEqual({ name: { from: 'a', to: 'b' } });
  });

  it("shows an organization's rows to its owner and manager only; admins see all and filter by organization", async () => {
    const [a, b] = [await buildSupplier(app), await buildSupplier(app)];
    const p = await buildProduct(app, a);
    const mine = await audit(a.manager.token);
    expect(mine.status).toBe(200);
    expect(mine.body.items.every((i: any) => i.organization_id === a.org.id)).toBe(true);
    expect(mine.body.items.some((i: any) => i.entity_id === p.id)).toBe(true);
    // Another organization's owner sees none of A's rows, filtering or not.
    for (const q of ['', `?entity_id=${p.id}`, `?actor_id=${a.owner.id}`]) {
      const theirs = await audit(b.owner.token, q);
      expect(theirs.status).toBe(200);
      expect(JSON.stringify(theirs.body)).not.toContain(a.org.id);
      expect(JSON.stringify(theirs.body)).not.toContain(p.id);
    }
    expectProblem(await audit(b.owner.token, `?organization_id=${a.org.id}`), 404);
    // Sales and employees hold no audit:read.
    expectProblem(await audit(a.sales.token), 403);
    expectProblem(await audit(a.employee.token), 403);
    expectProblem(await call(app, 'GET', '/api/v1/audit'), 401);
    const admin1 = await admin();
    const onlyA = await audit(admin1.token, `?organization_id=${a.org.id}&limit=100`);
    expect(onlyA.body.total).toBe(mine.body.total);
    expect(onlyA.body.items.every((i: any) => i.organization_id === a.org.id)).toBe(true);
  });

  it('filters by entity, action, actor and time, newest first, paged; rejects unknown parameters and bad ranges', async () => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s, { price: '1.00' });
    for (const price of ['2.00', '3.00', '4.00']) {
      expect((await call(app, 'PATCH', `/api/v1/products/${p.id}`, { token: s.manager.token, body: { price } })).status).toBe(200);
    }
    const updates = await audit(s.owner.token, `?entity_id=${p.id}&action=product.updated&limit=2`);
    expect(updates.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(updates.body.items.map((i: any) => i.changes.price.to)).toEqual(['4.0000', '3.0000']);
    const next = await audit(s.owner.token, `?entity_id=${p.id}&action=product.updated&limit=2&offset=2`);
    expect(next.body.items.map((i: any) => i.changes.price.to)).toEqual(['2.0000']);
    const byOwner = await audit(s.owner.token, `?actor_id=${s.owner.id}&entity_type=product`);
    expect(byOwner.body.items.map((i: any) => i.action)).toEqual(['product.created']);
    const today = new Date().toISOString().slice(0, 10);
    expect((await audit(s.owner.token, `?entity_id=${p.id}&from=${today}&to=${today}`)).body.total).toBe(4);
    expect((await audit(s.owner.token, `?entity_id=${p.id}&to=2000-01-01`)).body.total).toBe(0);
    expect((await audit(s.owner.token, `?entity_id=${p.id}&from=2999-01-01T00:00:00Z`)).body.total).toBe(0);
    const bad = expectProblem(await audit(s.owner.token, '?from=2024-02-30'), 422);
    expect(bad.errors.map((e: any) => e.path)).toEqual(['querystring/from']);
    expect(expectProblem(await audit(s.owner.token, '?page=2'), 422).errors.map((e: any) => e.path)).toEqual(['querystring/page']);
  });

  it('records stock adjustments, reorder points, locations, transfers, customers, channels, link decisions and import runs', async () => {
    const w = await buildWorld(app);
    const s = w.supplier;
    const p = w.products[0];
    const actions = async () =>
      (
        await queryRows<{ action: string; entity_id: string; changes: any }>(
          database.db,
          sql`select action, entity_id, changes from audit_log where organization_id = ${s.org.id} order by created_at, id`,
        )
      ).filter((r) => !r.action.startsWith('product.') && !r.action.startsWith('membership.') && !r.action.startsWith('organization.'));
    const adjust = await call(app, 'PATCH', `/api/v1/products/${p.id}/inventory`, {
      token: s.manager.token,
      body: { delta: -3, reason: 'adjustment', reorder_point: 5 },
    });
    expect(adjust.status).toBe(200);
    const branch = await call(app, 'POST', '/api/v1/locations', { token: s.owner.token, body: { name: `Branch ${uniq()}`, kind: 'branch' } });
    expect(branch.status).toBe(201);
    expect((await call(app, 'PATCH', `/api/v1/locations/${branch.body.id}`, { token: s.owner.token, body: { address: '1 Main St' } })).status).toBe(200);
    const from = adjust.body.locations[0].location_id;
    const moved = await call(app, 'POST', '/api/v1/inventory/transfers', {
      token: s.manager.token,
      body: { from_location_id: from, to_location_id: branch.body.id, lines: [{ product_id: p.id, quantity: 2 }] },
    });
    expect(moved.status).toBe(201);
    // A refused transfer (409) writes nothing.
    const short = { from_location_id: from, to_location_id: branch.body.id, lines: [{ product_id: p.id, quantity: 10_000 }] };
    expectProblem(await call(app, 'POST', '/api/v1/inventory/transfers', { token: s.manager.token, body: short }), 409, 'INSUFFICIENT_STOCK');
    const customer = await call(app, 'POST', '/api/v1/customers', { token: s.sales.token, body: { name: 'Dana', email: `dana-${uniq()}@example.com` } });
    expect(customer.status).toBe(201);
    expect((await call(app, 'PATCH', `/api/v1/customers/${customer.body.id}`, { token: s.sales.token, body: { phone: '+1 555' } })).status).toBe(200);
    const channel = await call(app, 'POST', '/api/v1/sales-channels', { token: s.owner.token, body: { name: `Phone ${uniq()}`, kind: 'phone' } });
    expect(channel.status).toBe(201);
    expect((await call(app, 'PATCH', `/api/v1/sales-channels/${channel.body.id}`, { token: s.owner.token, body: { description: 'Calls' } })).status).toBe(200);
    expect((await call(app, 'PATCH', `/api/v1/links/${w.link.id}/status`, { token: s.owner.token, body: { status: 'blocked' } })).status).toBe(200);
    const boundary = `----audit-${uniq()}`;
    const form = (csv: string) =>
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\ncategories\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n--${boundary}--\r\n`,
      );
    const headers = { 'content-type': `multipart/form-data; boundary=${boundary}` };
    expect((await call(app, 'POST', '/api/v1/imports', { token: s.owner.token, body: form(`slug,name\nsnacks-${uniq()},Snacks\n`), headers })).status).toBe(
      201,
    );
    expect((await call(app, 'POST', '/api/v1/imports', { token: s.owner.token, body: form('slug,name\n,\n'), headers })).status).toBe(422);
    const rows = await actions();
    expect(rows.map((r) => r.action)).toEqual([
      'link.status_changed', // buildLink's acceptance
      'inventory.adjusted',
      'location.created',
      'location.updated',
      'transfer.created',
      'customer.created',
      'customer.updated',
      'sales_channel.created',
      'sales_channel.updated',
      'link.status_changed',
      'import.succeeded',
      'import.failed',
    ]);
    const by = (action: string) => [...rows].reverse().find((r) => r.action === action)!;
    expect(by('inventory.adjusted')).toMatchObject({
      entity_id: p.id,
      changes: { location_id: from, reason: 'adjustment', on_hand: { from: 100, to: 97 }, reorder_point: { from: 0, to: 5 } },
    });
    expect(by('location.updated').changes).toEqual({ address: { from: null, to: '1 Main St' } });
    expect(by('transfer.created')).toMatchObject({ entity_id: moved.body.transfer_id, changes: { lines: [{ product_id: p.id, quantity: 2 }] } });
    expect(by('customer.updated').changes).toEqual({ phone: { from: null, to: '+1 555' } });
    expect(by('sales_channel.updated').changes).toEqual({ description: { from: null, to: 'Calls' } });
    expect(by('link.status_changed')).toMatchObject({ entity_id: w.link.id, changes: { status: { from: 'accepted', to: 'blocked' } } });
    expect(by('import.failed').changes).toMatchObject({ kind: 'categories', status: 'failed', row_count: 1 });
  });

  it('records a stock reconciliation that repairs something, once per run', async () => {
    const {
      supplier: s,
      products: [p],
    } = await buildWorld(app, { stock: 10 });
    await database.db.execute(sql`update stock_levels set reserved = 4 where product_id = ${p.id}`);
    const reconcile = () =>
      call(app, 'POST', '/api/v1/inventory/reconcile', { token: s.manager.token, body: { supplier_id: s.org.id, note: 'stray reservation' } });
    expect((await reconcile()).status).toBe(200);
    expect((await reconcile()).body.repaired).toEqual([]);
    const rows = await rowsOf(s.org.id);
    const runs = rows.filter((r) => r.action === 'stock.reconciled');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      actor_id: s.manager.id,
      changes: { note: 'stray reservation', repaired: [{ product_id: p.id, reserved_before: 4, reserved_after: 0 }] },
    });
  });

  it('answers a page in two queries whatever its size', async () => {
    const s = await buildSupplier(app);
    for (let i = 0; i < 5; i++) await buildProduct(app, s);
    const count = async (limit: number) => {
      const before = database.queryCount();
      const res = await audit(s.owner.token, `?limit=${limit}`);
      expect(res.status).toBe(200);
      return { n: database.queryCount() - before, items: res.body.items.length };
    };
    const small = await count(1);
    const large = await count(100);
    expect(large.items).toBeGreaterThan(small.items);
    // The auth hook's actor query, then the page and the count.
    expect(small.n).toBe(3);
    expect(large.n).toBe(3);
  });
});
