/**
 * A client generated from the served document works: `openapi-typescript` turns `/openapi.json`
 * into types, a short program (login → catalog page → place order → read order) written against
 * them with a tiny typed fetch wrapper type-checks with `tsc --noEmit` (its `@ts-expect-error`
 * lines prove the types are precise, not `any`), and then runs against the app over HTTP.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSupplier, call, createTestApp, PASSWORD, registerUser } from './helpers.js';

const { app } = await createTestApp();
const dir = mkdtempSync(join(tmpdir(), 'agora-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The program a client developer would write; only the generated types and `fetch`. */
const PROGRAM = `import type { components, paths } from './api';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Schemas = components['schemas'];
/** The operation at a path and method; never where there is none. */
type Op<P extends keyof paths, M extends Method> = Exclude<paths[P][M], undefined>;
type JsonOf<T> = T extends { content: { 'application/json': infer B } } ? B : never;
/** The JSON of the operation's 200 or 201 response. */
type Ok<O> = O extends { responses: infer R } ? JsonOf<R[Extract<keyof R, 200 | 201>]> : never;
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? Exclude<Q, undefined> : never;
/** What a call takes: the path parameters, the query and the body the operation declares. */
type Input<O> = (O extends { parameters: { path: infer A } } ? { path: A } : { path?: never })
  & ([QueryOf<O>] extends [never] ? { query?: never } : { query?: QueryOf<O> })
  & (O extends { requestBody: { content: { 'application/json': infer B } } } ? { body: B } : { body?: never });

export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Schemas['Problem']) {
    super(\`\${status} \${problem.code}: \${problem.detail}\`);
  }
}

/** A typed fetch wrapper over the generated \`paths\`. */
export function client(baseUrl: string, token?: string) {
  return async function call<P extends keyof paths, M extends Method>(method: M, path: P, input: Input<Op<P, M>>): Promise<Ok<Op<P, M>>> {
    const { path: params, query, body } = input as { path?: Record<string, string>; query?: Record<string, unknown>; body?: unknown };
    let url = String(path).replace(/\\{(\\w+)\\}/g, (_, name: string) => encodeURIComponent(params?.[name] ?? ''));
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) search.set(key, String(value));
    if (search.size > 0) url += \`?\${search}\`;
    const res = await fetch(new URL(url, baseUrl), {
      method: method.toUpperCase(),
      headers: { ...(token ? { authorization: \`Bearer \${token}\` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data: unknown = res.status === 204 ? undefined : await res.json();
    if (!res.ok) throw new ApiError(res.status, data as Schemas['Problem']);
    return data as Ok<Op<P, M>>;
  };
}

/** Logs in, takes the first product of a supplier's catalog page, orders two and reads the order back. */
export async function buyOnce(baseUrl: string, login: Schemas['LoginBody'], supplierId: string) {
  const auth: Schemas['AuthResponse'] = await client(baseUrl)('post', '/api/v1/auth/login', { body: login });
  const api = client(baseUrl, auth.access_token);
  const page: Schemas['CatalogProductPage'] = await api('get', '/api/v1/catalog/products', { query: { supplier_id: supplierId, in_stock: true, limit: 5 } });
  const product = page.items[0];
  if (!product) throw new Error('the catalog page is empty');
  const body: Schemas['PlaceOrderBody'] = { supplier_id: product.supplier.id, items: [{ product_id: product.id, quantity: 2 }] };
  const placed = await api('post', '/api/v1/orders', { body });
  const order: Schemas['Order'] = await api('get', '/api/v1/orders/{id}', { path: { id: placed.id } });
  const status: Schemas['OrderStatus'] = order.status;
  return { id: order.id, status, total: order.total, currency: order.currency, lines: order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })) };
}

/** Never called: each line below must not type-check, or the generated types are too loose. */
export function mistakes(api: ReturnType<typeof client>, order: Schemas['Order']) {
  // @ts-expect-error an order has no field "totl"
  void order.totl;
  // @ts-expect-error there is no DELETE /orders/{id}
  void api('delete', '/api/v1/orders/{id}', { path: { id: order.id } });
  // @ts-expect-error supplier_id is a string
  void api('post', '/api/v1/orders', { body: { supplier_id: 42, items: [] } });
  // @ts-expect-error GET /orders/{id} needs its path parameter
  void api('get', '/api/v1/orders/{id}', {});
  // @ts-expect-error the catalog has no "page" parameter
  void api('get', '/api/v1/catalog/products', { query: { page: 2 } });
}
`;

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    lib: ['ES2022', 'DOM', 'DOM.Iterable'],
    types: [],
    noEmit: true,
  },
  files: ['api.ts', 'client.ts'],
};

describe('a client generated from /openapi.json', () => {
  it('type-checks a program written against the generated types', async () => {
    const doc = (await call(app, 'GET', '/openapi.json')).body;
    writeFileSync(join(dir, 'api.ts'), astToString(await openapiTS(doc)));
    writeFileSync(join(dir, 'client.ts'), PROGRAM);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const run = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  }, 60_000);

  it('runs that program against the app over HTTP', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const product = await call(app, 'POST', '/api/v1/products', {
      token: s.owner.token,
      body: { sku: 'CLIENT-1', name: 'Typed', price: '12.50', initial_stock: 5 },
    });
    expect(product.status).toBe(201);
    const shopper = await registerUser(app);
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const program = (await import(pathToFileURL(join(dir, 'client.ts')).href)) as {
      buyOnce(baseUrl: string, login: { email: string; password: string }, supplierId: string): Promise<Record<string, unknown>>;
    };
    const result = await program.buyOnce(address, { email: shopper.email, password: PASSWORD }, s.org.id);
    expect(result).toMatchObject({ status: 'pending', total: '25.00', lines: [{ sku: 'CLIENT-1', quantity: 2 }] });
  }, 30_000);
});
