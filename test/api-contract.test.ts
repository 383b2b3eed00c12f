/**
 * The OpenAPI document as a contract a client is generated from: operationIds, named schemas,
 * problem responses with their codes, headers, optional defaults, examples; and the runtime
 * behaviour it promises: unknown query parameters are a 422, CORS lets browsers use every method
 * and read the documented headers.
 */
import { Type } from '@sinclair/typebox';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerOpenApi } from '../src/infra/openapi.js';
import { buildSupplier, call, createTestApp, expectProblem, registerUser } from './helpers.js';

const ORIGIN = 'https://shop.example.com';
const { app } = await createTestApp({ corsOrigins: [ORIGIN] });

type Json = Record<string, any>;
const doc: Json = (await call(app, 'GET', '/openapi.json')).body;
const METHODS = new Set(['get', 'put', 'post', 'patch', 'delete', 'head', 'options']);
const operations: { method: string; path: string; op: Json }[] = Object.entries<Json>(doc.paths).flatMap(([path, item]) =>
  Object.entries<Json>(item)
    .filter(([m]) => METHODS.has(m))
    .map(([method, op]) => ({ method, path, op })),
);
const schemaName = (ref: unknown) =>
  typeof ref === 'string' && ref.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : undefined;

describe('the OpenAPI document', () => {
  it('names every operation with a unique camelCase verb-noun operationId, a summary and defined tags', () => {
    expect(operations.length).toBeGreaterThan(60);
    const ids = operations.map((o) => o.op.operationId);
    const bad = operations.filter((o) => !/^[a-z]+(?:[A-Z][a-z0-9]*)+$/.test(o.op.operationId ?? '')).map((o) => `${o.method} ${o.path}: ${o.op.operationId}`);
    expect(bad).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = new Map<string, string>(doc.tags.map((t: Json) => [t.name, t.description]));
    for (const { method, path, op } of operations) {
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      expect(op.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
      for (const t of op.tags) expect(tags.get(t), `tag ${t} of ${method} ${path}`).toBeTruthy();
    }
    expect(doc.paths['/api/v1/orders'].post.operationId).toBe('placeOrder');
    expect(doc.paths['/api/v1/orders'].get.operationId).toBe('listOrders');
    expect(doc.paths['/api/v1/catalog/products/{id}'].get.operationId).toBe('getCatalogProduct');
    expect(doc.paths['/api/v1/orders/{id}/status'].patch.operationId).toBe('changeOrderStatus');
  });

  it('has servers, a license, and security on every operation ([] when public)', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(doc.info.license).toEqual({ name: 'MIT', identifier: 'MIT' });
    for (const { method, path, op } of operations) expect(Array.isArray(op.security), `${method} ${path}`).toBe(true);
    expect(doc.paths['/api/v1/auth/login'].post.security).toEqual([]);
    expect(doc.paths['/health'].get.security).toEqual([]);
    expect(doc.paths['/api/v1/orders'].post.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/v1/catalog/products'].get.security).toEqual([{ bearer: [] }, {}]);
  });

  it('names the resources and inputs as components, and refers to them from bodies and responses', () => {
    const schemas = Object.keys(doc.components.schemas);
    expect(schemas).toEqual(
      expect.arrayContaining([
        'Order',
        'OrderLine',
        'OrderSummary',
        'OrderPage',
        'OrderStatus',
        'PlaceOrderBody',
        'Product',
        'ProductPage',
        'CatalogProduct',
        'CatalogProductPage',
        'Category',
        'Problem',
        'FieldError',
        'User',
        'AuthResponse',
        'RegisterBody',
        'LoginBody',
        'Organization',
        'Link',
        'Customer',
        'SalesChannel',
        'Location',
        'StockMovement',
        'ImportRun',
      ]),
    );
    const inline: string[] = [];
    for (const { method, path, op } of operations) {
      const body = op.requestBody?.content?.['application/json']?.schema;
      if (body && !schemaName(body.$ref)) inline.push(`${method} ${path} body`);
      for (const [status, res] of Object.entries<Json>(op.responses)) {
        const schema = res.content?.['application/json']?.schema;
        if (schema && !schemaName(schema.$ref) && path.startsWith('/api/')) inline.push(`${method} ${path} ${status}`);
      }
    }
    expect(inline).toEqual([]);
    expect(doc.components.schemas.Order.properties.lines.items).toEqual({ $ref: '#/components/schemas/OrderLine' });
    expect(doc.components.schemas.OrderPage.properties.items.items).toEqual({ $ref: '#/components/schemas/OrderSummary' });
  });

  it('answers every error as application/problem+json and lists the codes of each error status', () => {
    const wrong: string[] = [];
    for (const { method, path, op } of operations) {
      const codes: Json = op['x-error-codes'] ?? {};
      for (const [status, res] of Object.entries<Json>(op.responses)) {
        if (!/^[45]/.test(status) || path === '/health' || path === '/ready') continue; // their 503 is their own document
        const where = `${method} ${path} ${status}`;
        if (Object.keys(res.content ?? {}).join() !== 'application/problem+json') wrong.push(`${where}: content ${Object.keys(res.content ?? {}).join(', ')}`);
        else if (res.content['application/problem+json'].schema.$ref !== '#/components/schemas/Problem') wrong.push(`${where}: not Problem`);
        if (!codes[status]?.length) wrong.push(`${where}: no codes`);
        for (const code of codes[status] ?? []) if (!res.description.includes(`\`${code}\``)) wrong.push(`${where}: ${code} not in description`);
      }
      if (path.startsWith('/api/') && !Object.keys(op.responses).some((s) => s.startsWith('4'))) wrong.push(`${method} ${path}: no 4xx`);
    }
    expect(wrong).toEqual([]);
    const place = doc.paths['/api/v1/orders'].post['x-error-codes'];
    expect(place['409']).toEqual(['INSUFFICIENT_STOCK', 'IDEMPOTENCY_KEY_REUSE_MISMATCH', 'IDEMPOTENCY_IN_PROGRESS']);
    expect(place['403']).toEqual(expect.arrayContaining(['FORBIDDEN', 'NO_ACCEPTED_LINK', 'USER_INACTIVE']));
    expect(place['401']).toEqual(['UNAUTHORIZED', 'INVALID_TOKEN']);
    expect(doc.paths['/api/v1/auth/login'].post['x-error-codes']['401']).toEqual(['INVALID_CREDENTIALS']);
    expect(doc.paths['/api/v1/orders/{id}/status'].patch['x-error-codes']['409']).toContain('INVALID_STATUS_TRANSITION');
  });

  it('documents 429 on every rate-limited route, and the response headers', () => {
    expect(Object.keys(doc.components.headers)).toEqual(
      expect.arrayContaining(['X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After']),
    );
    const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });
    for (const { method, path, op } of operations) {
      const where = `${method} ${path}`;
      for (const res of Object.values<Json>(op.responses)) expect(res.headers?.['X-Request-Id'], where).toEqual(ref('X-Request-Id'));
      if (!path.startsWith('/api/')) continue;
      const limited = op.responses['429'];
      expect(limited, where).toBeDefined();
      expect(limited.headers['Retry-After'], where).toEqual(ref('Retry-After'));
      for (const res of Object.values<Json>(op.responses)) expect(res.headers['X-RateLimit-Remaining'], where).toEqual(ref('X-RateLimit-Remaining'));
    }
    expect(doc.paths['/api/v1/auth/login'].post.responses['429'].description).toMatch(/on this route/);
    expect(doc.paths['/health'].get.responses['429']).toBeUndefined();
  });

  it('marks no query parameter with a default as required (limit and offset on every list)', () => {
    const required: string[] = [];
    let lists = 0;
    for (const { method, path, op } of operations) {
      for (const p of op.parameters ?? []) {
        if (p.in === 'query' && p.schema?.default !== undefined && p.required) required.push(`${method} ${path} ${p.name}`);
        if (p.in === 'query' && p.name === 'limit') lists++;
      }
    }
    expect(required).toEqual([]);
    expect(lists).toBeGreaterThanOrEqual(18);
  });

  it('has no description pointing outside the repository', () => {
    expect(JSON.stringify(doc)).not.toMatch(/DESIGN\.md|[Ss]eeds? \d{3}/);
  });

  it('has examples of the main requests and responses', () => {
    const media = (path: string, method: string, status?: string) => {
      const op = doc.paths[path][method];
      return status ? op.responses[status].content['application/json'] : op.requestBody.content['application/json'];
    };
    expect(media('/api/v1/auth/register', 'post').example).toMatchObject({ email: expect.any(String), password: expect.any(String) });
    expect(media('/api/v1/auth/register', 'post', '201').example).toMatchObject({ access_token: expect.any(String), token_type: 'bearer' });
    expect(media('/api/v1/auth/login', 'post').example).toEqual({ email: 'consumer@example.com', password: 'Password123' });
    expect(media('/api/v1/catalog/products', 'get', '200').example.items[0]).toMatchObject({ price: expect.any(String), available: expect.any(Number) });
    expect(media('/api/v1/orders/{id}', 'get', '200').example).toMatchObject({ number: 'ORD-100001', lines: [expect.anything(), expect.anything()] });
    const examples = Object.entries<Json>(media('/api/v1/orders', 'post').examples);
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const [name, { value }] of examples) {
      expect(['consumer_id', 'customer_id', 'customer'].filter((k) => k in value).length, name).toBeLessThanOrEqual(1);
    }
    // The first example is what the docs UI's "Try it out" sends: a buyer order, valid as it stands.
    expect(Object.keys(examples[0][1].value)).not.toEqual(expect.arrayContaining(['customer_id']));
    expect(doc.components.schemas.PlaceOrderBody.description).toMatch(/consumer_id.*customer_id.*customer/);
  });

  it('takes the first POST /orders example as a valid request', async () => {
    const s = await buildSupplier(app, { catalog_visibility: 'public' });
    const product = (
      await call(app, 'POST', '/api/v1/products', { token: s.owner.token, body: { sku: 'EX-1', name: 'Example', price: '6.90', initial_stock: 10 } })
    ).body;
    const shopper = await registerUser(app);
    const [, { value }] = Object.entries<Json>(doc.paths['/api/v1/orders'].post.requestBody.content['application/json'].examples)[0];
    const body = { ...value, supplier_id: s.org.id, items: value.items.map((i: Json) => ({ ...i, product_id: product.id })) };
    const res = await call(app, 'POST', '/api/v1/orders', { token: shopper.token, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  });
});

describe('unknown query parameters', () => {
  it('are a 422 naming each of them under querystring/', async () => {
    const user = await registerUser(app);
    const catalog = expectProblem(await call(app, 'GET', '/api/v1/catalog/products?page=2'), 422, 'VALIDATION_FAILED');
    expect(catalog.errors).toEqual([{ path: 'querystring/page', message: expect.any(String) }]);
    const orders = expectProblem(await call(app, 'GET', '/api/v1/orders?limit=5&page=2&sortt=-created_at', { token: user.token }), 422);
    expect(orders.errors.map((e: Json) => e.path).sort()).toEqual(['querystring/page', 'querystring/sortt']);
    // A route that declares no query string refuses parameters too.
    const me = expectProblem(await call(app, 'GET', '/api/v1/users/me?verbose=1', { token: user.token }), 422);
    expect(me.errors).toEqual([{ path: 'querystring/verbose', message: expect.any(String) }]);
    // Declared parameters still work, with their defaults.
    const page = await call(app, 'GET', '/api/v1/orders?status=pending', { token: user.token });
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ limit: 20, offset: 0 });
  });

  it("use the querystring/ prefix in the services' 422s too", async () => {
    const bad = expectProblem(await call(app, 'GET', '/api/v1/catalog/products?sort=nope'), 422);
    expect(bad.errors[0].path).toBe('querystring/sort');
  });

  it('are refused at start for a query string schema that would accept them', async () => {
    const bare = Fastify();
    await registerOpenApi(bare);
    expect(() => bare.get('/api/v1/loose', { schema: { querystring: Type.Object({ q: Type.Optional(Type.String()) }) } }, async () => ({}))).toThrow(/Query\(/);
    await bare.close();
  });
});

describe('CORS', () => {
  it('allows a PATCH preflight from an allowed origin, with every method the API uses', async () => {
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/api/v1/orders/00000000-0000-0000-0000-000000000000/status',
      headers: { origin: ORIGIN, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    const methods = String(res.headers['access-control-allow-methods']).split(/,\s*/);
    expect(methods).toEqual(expect.arrayContaining(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']));
  });

  it('exposes the request id, the rate-limit headers and Retry-After to the browser', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/catalog/products', headers: { origin: ORIGIN } });
    expect(res.statusCode).toBe(200);
    const exposed = String(res.headers['access-control-expose-headers']).toLowerCase().split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['x-request-id', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after']));
    expect(res.headers['x-ratelimit-remaining']).toBeDefined();
  });
});
