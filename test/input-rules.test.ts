/**
 * Input rules shared across modules: one rule for every name field (trimmed, never blank), the
 * limits on free-form product attributes (depth 20, 16 KiB, as in the CSV import) and the exact
 * form of the Authorization header.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../src/infra/db/client.js';
import { buildProduct } from './factories.js';
import { buildSupplier, call, createTestApp, expectProblem, registerUser, uniq } from './helpers.js';

const { app, database } = await createTestApp();

/** `{a: {a: … {}}}` nested `depth` levels deep (the outer object is level 1). */
function nested(depth: number): Record<string, unknown> {
  let v: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) v = { a: v };
  return v;
}

describe('name fields', () => {
  it('refuses a blank name with 422 on every create and update that takes one, and writes nothing', async () => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s);
    const category = await call(app, 'POST', '/api/v1/categories', { token: s.owner.token, body: { name: `Cat ${uniq()}` } });
    expect(category.status).toBe(201);
    const blank = '  \t ';
    const cases: [string, string, Record<string, unknown>, string][] = [
      ['POST', '/api/v1/products', { sku: `SKU-${uniq()}`, name: blank, price: '1.00' }, 'body/name'],
      ['PATCH', `/api/v1/products/${p.id}`, { name: blank }, 'body/name'],
      ['POST', '/api/v1/categories', { name: blank, slug: `s-${uniq()}` }, 'body/name'],
      ['PATCH', `/api/v1/categories/${category.body.id}`, { name: blank }, 'body/name'],
      ['POST', '/api/v1/organizations', { type: 'supplier', name: blank }, 'body/name'],
      ['PATCH', `/api/v1/organizations/${s.org.id}`, { name: blank }, 'body/name'],
      ['PATCH', '/api/v1/users/me', { full_name: blank }, 'body/full_name'],
      ['POST', '/api/v1/customers', { name: blank }, 'body/name'],
      ['POST', '/api/v1/locations', { name: blank }, 'body/name'],
      ['POST', '/api/v1/sales-channels', { name: blank, kind: 'online' }, 'body/name'],
    ];
    const count = async () =>
      (
        await queryRows<{ n: number }>(
          database.db,
          sql`
      select (select count(*) from products where name = '' or btrim(name) = '')
           + (select count(*) from categories where btrim(name) = '')
           + (select count(*) from organizations where btrim(name) = '')
           + (select count(*) from users where btrim(full_name) = '')::int as n`,
        )
      )[0].n;
    const before = Number(await count());
    for (const [method, url, body, path] of cases) {
      const res = await call(app, method as 'POST', url, { token: s.owner.token, body });
      const problem = expectProblem(res, 422, 'VALIDATION_FAILED');
      expect(problem.errors, `${method} ${url}`).toContainEqual({ path, message: 'must not be blank' });
    }
    expect(Number(await count())).toBe(before);
    const registered = await call(app, 'POST', '/api/v1/auth/register', {
      body: { email: `blank-${uniq()}@example.com`, password: 'Password123', full_name: blank },
    });
    expect(expectProblem(registered, 422).errors).toContainEqual({ path: 'body/full_name', message: 'must not be blank' });
  });

  it('stores names trimmed', async () => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s, { name: '  Olive oil 1 l  ' });
    expect(p.name).toBe('Olive oil 1 l');
    const me = await call(app, 'PATCH', '/api/v1/users/me', { token: s.owner.token, body: { full_name: '  Dana  ' } });
    expect(me.body.full_name).toBe('Dana');
  });
});

describe('product attributes', () => {
  it('answers 422 (not 500) for attributes nested deeper than 20 levels or larger than 16 KiB, on create and update', async () => {
    const s = await buildSupplier(app);
    const p = await buildProduct(app, s, { attributes: nested(20) });
    expect(p.attributes).toEqual(nested(20));
    // Sent as text: a client's own JSON.stringify may not survive 4,500 levels either.
    const deep = `${'{"a":'.repeat(4499)}{}${'}'.repeat(4499)}`;
    const json = { 'content-type': 'application/json' };
    for (const attributes of [JSON.stringify(nested(21)), deep, JSON.stringify({ blob: 'x'.repeat(17 * 1024) })]) {
      const created = await call(app, 'POST', '/api/v1/products', {
        token: s.owner.token,
        headers: json,
        body: `{"sku":"SKU-${uniq()}","name":"Deep","price":"1.00","attributes":${attributes}}`,
      });
      expect(expectProblem(created, 422).errors).toEqual([
        { path: 'body/attributes', message: expect.stringMatching(/nests deeper than 20 levels|larger than 16 KiB/) },
      ]);
      const updated = await call(app, 'PATCH', `/api/v1/products/${p.id}`, { token: s.owner.token, headers: json, body: `{"attributes":${attributes}}` });
      expect(expectProblem(updated, 422).errors[0].path).toBe('body/attributes');
    }
    const after = await call(app, 'GET', `/api/v1/products/${p.id}`, { token: s.owner.token });
    expect(after.body.attributes).toEqual(nested(20));
  });
});

describe('Authorization header', () => {
  it('takes exactly "Bearer <token>" (any case of the scheme, one space) and refuses anything else with 401', async () => {
    const u = await registerUser(app);
    for (const header of [`Bearer ${u.token}`, `bearer ${u.token}`, `BEARER ${u.token}`]) {
      expect((await call(app, 'GET', '/api/v1/users/me', { headers: { authorization: header } })).status).toBe(200);
    }
    for (const header of [
      `Bearer ${u.token} junk`,
      `Bearer  ${u.token}`,
      `Bearer ${u.token} `,
      `Bearer\t${u.token}`,
      `Basic ${u.token}`,
      'Bearer',
      `${u.token}`,
    ]) {
      const res = await call(app, 'GET', '/api/v1/users/me', { headers: { authorization: header } });
      expect(expectProblem(res, 401, 'INVALID_TOKEN').detail, header).toContain('Bearer <access token>');
    }
  });
});
