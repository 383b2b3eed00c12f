import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../infra/db/client.js';
import {
  buildConsumer,
  buildSupplier,
  call,
  createOrganization,
  createTestApp,
  expectProblem,
  registerUser,
  uniq,
  type TestUser,
} from '../../../test/helpers.js';
import { buildLink, buildProduct } from '../../../test/factories.js';
import { inTransaction, type Ctx } from '../../infra/context.js';
import { findOrCreateCustomer, type CustomerIdentity } from './index.js';

const { app, database, config } = await createTestApp();
const db = database.db;
/** A context over the test database (no actor), as the module's callers pass one. */
const ctx = { db, actor: null, config } as unknown as Ctx;
/** `findOrCreateCustomer` in a transaction of its own, as the orders flow and imports call it. */
const findOrCreate = (who: CustomerIdentity) => inTransaction(ctx, (tx) => findOrCreateCustomer(tx, who));

type Supplier = Awaited<ReturnType<typeof buildSupplier>>;
type Consumer = Awaited<ReturnType<typeof buildConsumer>>;

/** Customers of a supplier in the database (to prove a rejected request wrote nothing). */
const customerCount = async (supplierId: string) =>
  Number((await queryRows<{ n: number }>(db, sql`select count(*)::int as n from customers where supplier_id = ${supplierId}`))[0].n);

/** A customer through the API. */
async function customer(user: TestUser, body: Record<string, unknown>) {
  const res = await call(app, 'POST', '/api/v1/customers', { token: user.token, body: { name: `Customer ${uniq()}`, ...body } });
  if (res.status !== 201) throw new Error(`create customer failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; name: string; email: string | null; supplier_id: string };
}

/** The consumer's buyer orders `quantity` of `productId` from `s`. */
async function order(s: Supplier, c: Consumer, productId: string, quantity: number) {
  const res = await call(app, 'POST', '/api/v1/orders', {
    token: c.buyer.token,
    body: { supplier_id: s.org.id, items: [{ product_id: productId, quantity }] },
  });
  if (res.status !== 201) throw new Error(`place order failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; total: string };
}

/** Moves an order through `statuses` as the supplier's owner. */
async function walk(s: Supplier, orderId: string, statuses: string[]) {
  for (const status of statuses) {
    const res = await call(app, 'PATCH', `/api/v1/orders/${orderId}/status`, { token: s.owner.token, body: { status } });
    if (res.status !== 200) throw new Error(`status ${status} failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/** Sum of decimal strings with 2 decimals, in cents (no floating point). */
const cents = (...amounts: string[]) => amounts.reduce((sum, a) => sum + BigInt(a.replace('.', '')), 0n);

describe('POST /customers', () => {
  it('lets sales record a customer: email trimmed and lower-cased, read-only fields empty, figures zero', async () => {
    const s = await buildSupplier(app);
    const res = await call(app, 'POST', '/api/v1/customers', {
      token: s.sales.token,
      body: {
        name: '  Dana Levi ',
        email: 'Dana.Levi@Example.COM',
        phone: '+972-50-000-0000',
        shipping_address: '1 Herzl St, Haifa',
        billing_address: 'PO Box 7',
        notes: 'Prefers mornings',
        user_id: s.owner.id,
        order_count: 99,
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      supplier_id: s.org.id,
      name: 'Dana Levi',
      email: 'dana.levi@example.com',
      phone: '+972-50-000-0000',
      shipping_address: '1 Herzl St, Haifa',
      billing_address: 'PO Box 7',
      notes: 'Prefers mornings',
      user_id: null,
      consumer: null,
      order_count: 0,
      total_spent: '0.00',
      currency: 'KZT',
    });
    const got = await call(app, 'GET', `/api/v1/customers/${res.body.id}`, { token: s.employee.token });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
  });

  it("uses the supplier's currency and its minor digits", async () => {
    const s = await buildSupplier(app, { currency: 'JPY' });
    const c = await customer(s.owner, {});
    const got = await call(app, 'GET', `/api/v1/customers/${c.id}`, { token: s.owner.token });
    expect(got.body).toMatchObject({ currency: 'JPY', total_spent: '0' });
  });

  it('refuses a duplicate email (any case) with 409 CUSTOMER_EMAIL_TAKEN and writes nothing; another supplier may use it', async () => {
    const s = await buildSupplier(app);
    const email = `dup-${uniq()}@example.com`;
    await customer(s.manager, { email });
    const p = expectProblem(
      await call(app, 'POST', '/api/v1/customers', { token: s.sales.token, body: { name: 'Twin', email: email.toUpperCase() } }),
      409,
      'CUSTOMER_EMAIL_TAKEN',
    );
    expect(p.details).toEqual({ email });
    expect(await customerCount(s.org.id)).toBe(1);
    const other = await buildSupplier(app);
    expect((await customer(other.owner, { email })).email).toBe(email);
    // Customers without an email never clash.
    await customer(s.owner, {});
    await customer(s.owner, { email: null });
    expect(await customerCount(s.org.id)).toBe(3);
  });

  it.each([
    [{ name: '' }, 'body/name'],
    [{ name: '   ' }, 'body/name'],
    [{ name: 'x'.repeat(201) }, 'body/name'],
    [{ name: 'Ok', email: 'not-an-email' }, 'body/email'],
    [{ name: 'Ok', email: '' }, 'body/email'],
    [{ name: 'Ok', phone: 12345 }, 'body/phone'],
    [{ name: 'Ok', notes: 'x'.repeat(5001) }, 'body/notes'],
    [{ email: 'a@example.com' }, 'body/name'],
  ])('rejects %j with 422 and writes nothing', async (body, path) => {
    const s = await buildSupplier(app);
    const p = expectProblem(await call(app, 'POST', '/api/v1/customers', { token: s.owner.token, body }), 422, 'VALIDATION_FAILED');
    expect(p.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(await customerCount(s.org.id)).toBe(0);
  });

  it("refuses an employee (403), a consumer (403), another supplier's staff (404) and anonymous callers (401)", async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const c = await buildConsumer(app);
    expectProblem(await call(app, 'POST', '/api/v1/customers', { token: s.employee.token, body: { name: 'No' } }), 403);
    expectProblem(await call(app, 'POST', '/api/v1/customers', { token: c.owner.token, body: { name: 'No' } }), 403);
    expectProblem(await call(app, 'POST', '/api/v1/customers', { token: c.owner.token, body: { name: 'No', supplier_id: c.org.id } }), 404);
    expectProblem(await call(app, 'POST', '/api/v1/customers', { token: other.owner.token, body: { name: 'No', supplier_id: s.org.id } }), 404);
    expectProblem(await call(app, 'POST', '/api/v1/customers', { body: { name: 'No', supplier_id: s.org.id } }), 401);
    expect(await customerCount(s.org.id)).toBe(0);
  });

  it('needs supplier_id from a member of several suppliers (422), and takes it', async () => {
    const s = await buildSupplier(app);
    const second = await createOrganization(app, s.owner, { type: 'supplier' });
    const p = expectProblem(await call(app, 'POST', '/api/v1/customers', { token: s.owner.token, body: { name: 'Which' } }), 422);
    expect(p.errors[0].path).toBe('body/supplier_id');
    const c = await customer(s.owner, { supplier_id: second.id });
    expect(c.supplier_id).toBe(second.id);
    expect(await customerCount(s.org.id)).toBe(0);
  });
});

describe('GET /customers/{id} and PATCH /customers/{id}', () => {
  it("hides another supplier's customer (404) and an unknown id (404); a malformed id is 422", async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const c = await customer(s.owner, { email: `hidden-${uniq()}@example.com` });
    expectProblem(await call(app, 'GET', `/api/v1/customers/${c.id}`, { token: other.owner.token }), 404);
    expectProblem(await call(app, 'PATCH', `/api/v1/customers/${c.id}`, { token: other.owner.token, body: { name: 'Stolen' } }), 404);
    expectProblem(await call(app, 'GET', '/api/v1/customers/01900000-0000-7000-8000-000000000000', { token: s.owner.token }), 404);
    expectProblem(await call(app, 'GET', '/api/v1/customers/nope', { token: s.owner.token }), 422);
    const consumer = await buildConsumer(app);
    expectProblem(await call(app, 'GET', `/api/v1/customers/${c.id}`, { token: consumer.owner.token }), 404);
    const still = await call(app, 'GET', `/api/v1/customers/${c.id}`, { token: s.owner.token });
    expect(still.body.name).toBe(c.name);
  });

  it('changes fields partially; null clears; the email is lower-cased; a change of case of its own email is fine', async () => {
    const s = await buildSupplier(app);
    const c = await customer(s.owner, { email: `me-${uniq()}@example.com`, phone: '123', notes: 'old' });
    const res = await call(app, 'PATCH', `/api/v1/customers/${c.id}`, {
      token: s.sales.token,
      body: { name: ' New Name ', phone: null, notes: 'VIP', email: c.email!.toUpperCase() },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: c.id, name: 'New Name', phone: null, notes: 'VIP', email: c.email, order_count: 0 });
    expect(Date.parse(res.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(res.body.created_at));
    const cleared = await call(app, 'PATCH', `/api/v1/customers/${c.id}`, { token: s.sales.token, body: { email: null } });
    expect(cleared.body.email).toBeNull();
  });

  it('refuses an email another customer has with 409 and changes nothing', async () => {
    const s = await buildSupplier(app);
    const a = await customer(s.owner, { email: `a-${uniq()}@example.com` });
    const b = await customer(s.owner, { email: `b-${uniq()}@example.com` });
    expectProblem(
      await call(app, 'PATCH', `/api/v1/customers/${b.id}`, { token: s.owner.token, body: { name: 'Renamed', email: a.email!.toUpperCase() } }),
      409,
      'CUSTOMER_EMAIL_TAKEN',
    );
    const got = await call(app, 'GET', `/api/v1/customers/${b.id}`, { token: s.owner.token });
    expect(got.body).toMatchObject({ name: b.name, email: b.email });
  });

  it('rejects bad input with 422 and changes nothing; read-only fields are not accepted', async () => {
    const s = await buildSupplier(app);
    const c = await customer(s.owner, { email: `ro-${uniq()}@example.com` });
    for (const body of [
      {},
      { name: '' },
      { name: '  ' },
      { email: 'bad' },
      { user_id: s.owner.id },
      { consumer: null },
      { shipping_address: 'x'.repeat(1001) },
    ]) {
      expectProblem(await call(app, 'PATCH', `/api/v1/customers/${c.id}`, { token: s.owner.token, body }), 422, 'VALIDATION_FAILED');
    }
    const got = await call(app, 'GET', `/api/v1/customers/${c.id}`, { token: s.owner.token });
    expect(got.body).toMatchObject({ name: c.name, email: c.email, user_id: null, shipping_address: null });
    expect(got.body.updated_at).toBe(got.body.created_at);
  });

  it('refuses an employee (403) on PATCH but lets them read', async () => {
    const s = await buildSupplier(app);
    const c = await customer(s.owner, {});
    expectProblem(await call(app, 'PATCH', `/api/v1/customers/${c.id}`, { token: s.employee.token, body: { name: 'No' } }), 403);
    expect((await call(app, 'GET', `/api/v1/customers/${c.id}`, { token: s.employee.token })).body.name).toBe(c.name);
  });

  it('has no DELETE', async () => {
    const s = await buildSupplier(app);
    const c = await customer(s.owner, {});
    expect((await call(app, 'DELETE', `/api/v1/customers/${c.id}`, { token: s.owner.token })).status).toBe(404);
    expect(await customerCount(s.org.id)).toBe(1);
  });
});

describe('GET /customers', () => {
  it("pages the supplier's own customers, matches q on name or email with wildcards escaped, and sorts", async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const tag = uniq();
    await customer(other.owner, { name: `Alpha ${tag}` });
    const alpha = await customer(s.owner, { name: `Alpha ${tag}`, email: `alpha-${tag}@example.com` });
    const bravo = await customer(s.owner, { name: `Bravo ${tag}`, email: `zz-${tag}@shop.example` });
    const charlie = await customer(s.owner, { name: `Charlie 100% ${tag}` });

    const all = await call(app, 'GET', '/api/v1/customers', { token: s.employee.token });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 3, limit: 20, offset: 0 });
    expect(all.body.items.map((c: { id: string }) => c.id)).toEqual([alpha.id, bravo.id, charlie.id]);
    expect(all.body.items[0]).toMatchObject({ order_count: 0, total_spent: '0.00', currency: 'KZT', consumer: null });

    const page = await call(app, 'GET', '/api/v1/customers?limit=1&offset=1&sort=-name', { token: s.owner.token });
    expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 1, items: [{ id: bravo.id }] });
    const newest = await call(app, 'GET', '/api/v1/customers?sort=-created_at', { token: s.owner.token });
    expect(newest.body.items.map((c: { id: string }) => c.id)).toEqual([charlie.id, bravo.id, alpha.id]);

    const byEmail = await call(app, 'GET', `/api/v1/customers?q=SHOP.EXAMPLE`, { token: s.owner.token });
    expect(byEmail.body.items.map((c: { id: string }) => c.id)).toEqual([bravo.id]);
    const byName = await call(app, 'GET', `/api/v1/customers?q=${encodeURIComponent('alpha ' + tag)}`, { token: s.owner.token });
    expect(byName.body).toMatchObject({ total: 1, items: [{ id: alpha.id }] });
    const percent = await call(app, 'GET', `/api/v1/customers?q=${encodeURIComponent('100%')}`, { token: s.owner.token });
    expect(percent.body.items.map((c: { id: string }) => c.id)).toEqual([charlie.id]);
    const wildcard = await call(app, 'GET', `/api/v1/customers?q=${encodeURIComponent('%')}`, { token: s.owner.token });
    expect(wildcard.body.total).toBe(1);
    const underscore = await call(app, 'GET', '/api/v1/customers?q=_', { token: s.owner.token });
    expect(underscore.body.total).toBe(0);
  });

  it('rejects a bad sort, limit or supplier_id with 422; hides other suppliers (404); needs customers:read (403)', async () => {
    const s = await buildSupplier(app);
    const other = await buildSupplier(app);
    const c = await buildConsumer(app);
    expectProblem(await call(app, 'GET', '/api/v1/customers?sort=email', { token: s.owner.token }), 422);
    expectProblem(await call(app, 'GET', '/api/v1/customers?limit=101', { token: s.owner.token }), 422);
    expectProblem(await call(app, 'GET', '/api/v1/customers?supplier_id=nope', { token: s.owner.token }), 422);
    expectProblem(await call(app, 'GET', `/api/v1/customers?supplier_id=${other.org.id}`, { token: s.owner.token }), 404);
    expectProblem(await call(app, 'GET', '/api/v1/customers', { token: c.buyer.token }), 403);
    expectProblem(await call(app, 'GET', '/api/v1/customers', { token: c.owner.token }), 403);
    const loner = await registerUser(app);
    expectProblem(await call(app, 'GET', '/api/v1/customers', { token: loner.token }), 403);
  });

  it('answers a page in two queries whatever its size', async () => {
    const s = await buildSupplier(app);
    for (let i = 0; i < 3; i++) await customer(s.owner, {});
    const before = database.queryCount();
    await call(app, 'GET', '/api/v1/customers?limit=3', { token: s.owner.token });
    const small = database.queryCount() - before;
    for (let i = 0; i < 7; i++) await customer(s.owner, {});
    const mid = database.queryCount();
    const res = await call(app, 'GET', '/api/v1/customers?limit=10', { token: s.owner.token });
    expect(res.body.items).toHaveLength(10);
    expect(database.queryCount() - mid).toBe(small);
  });
});

describe('order_count and total_spent', () => {
  it('count every order of the customer and sum the totals of those not cancelled, rejected or refunded', async () => {
    const s = await buildSupplier(app);
    const c = await buildConsumer(app);
    await buildLink(app, s, c);
    const p = await buildProduct(app, s, { price: '12.34', stock: 1000 });
    // The record the orders flow finds (or makes) for this consumer organization.
    const record = await findOrCreate({ supplierId: s.org.id, consumerId: c.org.id, name: c.org.name });

    const pending = await order(s, c, p.id, 1);
    const completed = await order(s, c, p.id, 3);
    await walk(s, completed.id, ['accepted', 'in_progress', 'completed']);
    const cancelled = await order(s, c, p.id, 5);
    await walk(s, cancelled.id, ['cancelled']);
    const rejected = await order(s, c, p.id, 7);
    await walk(s, rejected.id, ['rejected']);
    const refunded = await order(s, c, p.id, 11);
    await walk(s, refunded.id, ['accepted', 'in_progress', 'completed', 'refunded']);
    // Once the orders flow sets customer_id this changes nothing; until then it attaches the orders.
    await queryRows(
      db,
      sql`update orders set customer_id = ${record.id} where supplier_id = ${s.org.id} and consumer_id = ${c.org.id} and customer_id is null`,
    );
    // An order of another customer of the same supplier does not count.
    const stranger = await buildConsumer(app);
    await buildLink(app, s, stranger);
    await order(s, stranger, p.id, 2);

    const res = await call(app, 'GET', `/api/v1/customers/${record.id}`, { token: s.employee.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: record.id,
      name: c.org.name,
      consumer: { id: c.org.id, name: c.org.name },
      user_id: null,
      email: null,
      order_count: 5,
      currency: 'KZT',
    });
    expect(cents(res.body.total_spent)).toBe(cents(pending.total, completed.total));
    const list = await call(app, 'GET', `/api/v1/customers?q=${encodeURIComponent(c.org.name)}`, { token: s.owner.token });
    expect(list.body.items).toEqual([res.body]);
  });

  it("attributes orders placed through the API to the buyer's customer record (needs the orders flow to set customer_id)", async () => {
    const s = await buildSupplier(app);
    const c = await buildConsumer(app);
    await buildLink(app, s, c);
    const p = await buildProduct(app, s, { price: '10.00', stock: 1000 });
    const first = await order(s, c, p.id, 2);
    const second = await order(s, c, p.id, 1);
    const list = await call(app, 'GET', '/api/v1/customers', { token: s.owner.token });
    const mine = list.body.items.filter((x: { consumer: { id: string } | null }) => x.consumer?.id === c.org.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ order_count: 2 });
    expect(cents(mine[0].total_spent)).toBe(cents(first.total, second.total));
  });
});

describe('concurrency and documentation', () => {
  it('lets one of several concurrent creations with one email win; the others get 409', async () => {
    const s = await buildSupplier(app);
    const email = `race-${uniq()}@example.com`;
    const results = await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        call(app, 'POST', '/api/v1/customers', { token: s.owner.token, body: { name: `Racer ${i}`, email: i % 2 ? email : email.toUpperCase() } }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) expectProblem(r, 409, 'CUSTOMER_EMAIL_TAKEN');
    expect(await customerCount(s.org.id)).toBe(1);
  });

  it('documents every route with its errors in the OpenAPI document', async () => {
    const doc = (await call(app, 'GET', '/openapi.json')).body;
    for (const [path, method, statuses] of [
      ['/api/v1/customers', 'post', ['201', '403', '404', '409', '422']],
      ['/api/v1/customers', 'get', ['200', '403', '404', '422']],
      ['/api/v1/customers/{id}', 'get', ['200', '403', '404', '422']],
      ['/api/v1/customers/{id}', 'patch', ['200', '403', '404', '409', '422']],
    ] as const) {
      const op = doc.paths[path]?.[method];
      expect(op?.summary, `${method} ${path}`).toBeTruthy();
      expect(op.description).toBeTruthy();
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining([...statuses]));
    }
  });
});

describe('findOrCreateCustomer', () => {
  it('makes one record per consumer organization and per user, also when called concurrently', async () => {
    const s = await buildSupplier(app);
    const c = await buildConsumer(app);
    const who = { supplierId: s.org.id, consumerId: c.org.id, name: c.org.name };
    const rows = await Promise.all([findOrCreate(who), findOrCreate(who), findOrCreate(who)]);
    expect(new Set(rows.map((r) => r.id)).size).toBe(1);
    const shopper = await registerUser(app);
    const person = { supplierId: s.org.id, userId: shopper.id, name: 'Shopper', email: shopper.email.toUpperCase() };
    const people = await Promise.all([findOrCreate(person), findOrCreate(person)]);
    expect(people[0].id).toBe(people[1].id);
    expect(people[0].email).toBe(shopper.email);
    expect(await customerCount(s.org.id)).toBe(2);
  });

  it('never links a record staff made for an e-mail to an account that registered it (the address is unverified)', async () => {
    const s = await buildSupplier(app);
    const shopper = await registerUser(app);
    const made = await customer(s.sales, { email: shopper.email, name: 'Walk-in' });
    const row = await findOrCreate({ supplierId: s.org.id, userId: shopper.id, name: 'Shopper', email: shopper.email });
    expect(row.id).not.toBe(made.id);
    expect(row).toMatchObject({ userId: shopper.id, email: null, name: 'Shopper' });
    const got = await call(app, 'GET', `/api/v1/customers/${made.id}`, { token: s.owner.token });
    expect(got.body).toMatchObject({ user_id: null, name: 'Walk-in', email: shopper.email });
  });

  it("gives a user a record without the email when another user's record holds it", async () => {
    const s = await buildSupplier(app);
    const [a, b] = [await registerUser(app), await registerUser(app)];
    const email = `shared-${uniq()}@example.com`;
    const first = await findOrCreate({ supplierId: s.org.id, userId: a.id, name: 'A', email });
    const second = await findOrCreate({ supplierId: s.org.id, userId: b.id, name: 'B', email });
    expect(second.id).not.toBe(first.id);
    expect([first.email, second.email]).toEqual([email, null]);
  });
});
