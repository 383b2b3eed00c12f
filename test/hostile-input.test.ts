/**
 * "Bad input never gets a 500" (docs/conventions.md), checked for every route in the OpenAPI
 * document at once: each operation is called by a platform admin (who passes every permission
 * check, so the input reaches the services) with hostile path ids, query values and bodies, and
 * no answer may be a 5xx. Every 4xx must be problem+json.
 */
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { createPlatformAdmin } from '../src/modules/identity/index.js';
import { buildConsumer, buildSupplier, call, createTestApp, PASSWORD } from './helpers.js';

const { app, database } = await createTestApp();

type Schema = Record<string, any>;

/** The document's named schemas, to follow `$ref`s (bodies and their parts are components). */
let components: Record<string, Schema> = {};
const deref = (schema: Schema | undefined): Schema | undefined =>
  typeof schema?.$ref === 'string' ? deref(components[schema.$ref.split('/').pop() as string]) : schema;

/** A plausible value for a JSON schema, so that one hostile field at a time reaches the service. */
function sample(schema: Schema | undefined): unknown {
  schema = deref(schema);
  if (!schema) return 'x';
  if ('const' in schema) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf) return sample(schema.anyOf.find((s: Schema) => s.type !== 'null') ?? schema.anyOf[0]);
  if (schema.oneOf) return sample(schema.oneOf[0]);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s: Schema) => sample(s)));
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  switch (type) {
    case 'string':
      if (schema.format === 'uuid') return uuidv7();
      if (schema.format === 'email') return `hostile-${uuidv7().slice(-8)}@example.com`;
      if (schema.format === 'date-time') return new Date().toISOString();
      if (schema.pattern === '^[A-Z]{3}$') return 'KZT';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'integer':
    case 'number':
      return Math.max(1, schema.minimum ?? 1);
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => sample(schema.items));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries<Schema>(schema.properties ?? {})) out[k] = sample(v);
      return out;
    }
    default:
      return 'x';
  }
}

const HOSTILE_VALUES: unknown[] = [
  null,
  -1,
  0,
  1.5,
  1e308,
  -1e308,
  2 ** 63,
  '',
  ' ',
  'not-a-uuid',
  "' OR 1=1 --",
  'x'.repeat(20_000),
  '\u0000',
  '99999999999999999999999',
  '-0.001',
  '1e400',
  'NaN',
  [],
  {},
  true,
  [null],
  { $gt: '' },
];
const HOSTILE_BODIES: unknown[] = [undefined, null, [], 'text', 42, {}];
const HOSTILE_IDS = ['not-a-uuid', '00000000-0000-0000-0000-000000000000', uuidv7(), 'x'.repeat(300), '%00'];

describe('hostile input on every route', async () => {
  await createPlatformAdmin(database.db, { email: 'hostile-admin@example.com', password: PASSWORD });
  const admin = (await call(app, 'POST', '/api/v1/auth/login', { body: { email: 'hostile-admin@example.com', password: PASSWORD } })).body
    .access_token as string;
  // Real objects, so that requests with real ids reach the deepest rules.
  const supplier = await buildSupplier(app, { catalog_visibility: 'public' });
  const consumer = await buildConsumer(app);
  const product = (
    await call(app, 'POST', '/api/v1/products', { token: supplier.owner.token, body: { sku: 'HOST-1', name: 'Hostile', price: '1.00', initial_stock: 1000 } })
  ).body;
  const link = (await call(app, 'POST', '/api/v1/links/requests', { token: consumer.owner.token, body: { supplier_id: supplier.org.id } })).body;
  const order = (
    await call(app, 'POST', '/api/v1/orders', {
      token: consumer.owner.token,
      body: { supplier_id: supplier.org.id, consumer_id: consumer.org.id, items: [{ product_id: product.id, quantity: 1 }] },
    })
  ).body;
  const realId = (path: string, name: string): string => {
    if (name === 'user_id') return supplier.sales.id;
    if (path.startsWith('/api/v1/organizations')) return supplier.org.id;
    if (path.startsWith('/api/v1/products') || path.startsWith('/api/v1/catalog')) return product.id;
    if (path.startsWith('/api/v1/links')) return link.id;
    if (path.startsWith('/api/v1/orders')) return order.id;
    return uuidv7();
  };

  const doc = (await call(app, 'GET', '/openapi.json')).body;
  components = doc.components?.schemas ?? {};
  const operations: { method: string; path: string; op: Schema }[] = [];
  for (const [path, ops] of Object.entries<Record<string, Schema>>(doc.paths)) {
    if (!path.startsWith('/api/')) continue;
    for (const [method, op] of Object.entries(ops)) operations.push({ method: method.toUpperCase(), path, op });
  }

  it('finds the routes to test', () => {
    expect(operations.length).toBeGreaterThan(30);
  });

  it.each(operations.map((o) => [`${o.method} ${o.path}`, o] as const))('%s never answers 5xx', async (_, { method, path, op }) => {
    const failures: string[] = [];
    const pathParams = (op.parameters ?? []).filter((p: Schema) => p.in === 'path').map((p: Schema) => p.name as string);
    const queryParams = (op.parameters ?? []).filter((p: Schema) => p.in === 'query') as Schema[];
    const bodySchema = deref(op.requestBody?.content?.['application/json']?.schema as Schema | undefined);
    const url = (ids: Record<string, string>, query = '') => path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(ids[name])) + query;
    const realIds = Object.fromEntries(pathParams.map((n: string) => [n, realId(path, n)]));

    const attempts: { url: string; body?: unknown }[] = [];
    const validBody = bodySchema ? sample(bodySchema) : undefined;
    for (const bad of HOSTILE_IDS) {
      for (const name of pathParams) attempts.push({ url: url({ ...realIds, [name]: bad }), body: validBody });
    }
    for (const q of queryParams) {
      for (const v of ['abc', '-1', '99999999999999999999', '', '1.5', 'not-a-uuid', 'x'.repeat(5000), ',,,', '-']) {
        attempts.push({ url: url(realIds, `?${encodeURIComponent(q.name)}=${encodeURIComponent(v)}`), body: validBody });
      }
    }
    if (bodySchema) {
      for (const b of HOSTILE_BODIES) attempts.push({ url: url(realIds), body: b });
      const fields = Object.keys(bodySchema.properties ?? {});
      for (const f of fields) {
        for (const v of HOSTILE_VALUES) attempts.push({ url: url(realIds), body: { ...(validBody as object), [f]: v } });
      }
      attempts.push({ url: url(realIds), body: validBody });
    }
    if (attempts.length === 0) attempts.push({ url: url(realIds) });

    for (const a of attempts) {
      const res = await app.inject({
        method: method as 'GET',
        url: a.url,
        headers: { authorization: `Bearer ${admin}`, ...(a.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(a.body !== undefined ? { payload: JSON.stringify(a.body) } : {}),
      });
      if (res.statusCode >= 500)
        failures.push(`${res.statusCode} ${method} ${a.url.slice(0, 120)} ${JSON.stringify(a.body)?.slice(0, 200)} → ${res.body.slice(0, 200)}`);
      else if (res.statusCode >= 400 && !String(res.headers['content-type']).startsWith('application/problem+json')) {
        failures.push(`${res.statusCode} not problem+json: ${method} ${a.url.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
