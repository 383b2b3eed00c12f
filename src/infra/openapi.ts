/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument --
   this file walks and rewrites the generated OpenAPI document: untyped JSON by nature. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { IDEMPOTENCY_CODES, IDEMPOTENCY_HEADER, IDEMPOTENCY_LEASE_SECONDS, IDEMPOTENCY_TTL_HOURS, REPLAYED_HEADER } from './idempotency.js';
import { PROBLEM_DESCRIPTIONS, problemCodes } from './problem.js';
import { Query } from './schemas.js';

type Json = Record<string, any>;

/** The document's tags, in the order the docs UI shows them. */
const TAGS = [
  {
    name: 'auth',
    description:
      'Registration, login, token refresh and logout. These routes have a stricter rate limit (`RATE_LIMIT_AUTH_MAX` a minute per client, default 10).',
  },
  { name: 'users', description: 'The caller: profile, platform roles and memberships.' },
  { name: 'organizations', description: "Supplier and consumer organizations, their members and roles, and a supplier's tax and delivery settings." },
  { name: 'suppliers', description: 'The directory of active suppliers, to find whom to ask for a link.' },
  {
    name: 'links',
    description: "A consumer organization asks a supplier for a link; with an accepted link it sees the supplier's linked catalog and may order.",
  },
  { name: 'catalog', description: 'The buyer-facing catalog: products of the suppliers the caller may see, without cost prices, with the available stock.' },
  { name: 'products', description: "A supplier's products as its staff manage them, with cost prices and stock." },
  { name: 'categories', description: "A supplier's category tree; readable by whoever may see its catalog." },
  { name: 'inventory', description: 'Stock levels per product and location, adjustments, transfers between locations and the movement history.' },
  { name: 'locations', description: "A supplier's stock locations: warehouses, branches, stores." },
  { name: 'customers', description: "A supplier's records of who buys from it, with order count and total spent." },
  { name: 'sales-channels', description: "A supplier's sales channels (online store, branch counter, phone…); every order belongs to one." },
  { name: 'orders', description: 'Placing an order (its stock is reserved in the same transaction), reading orders and moving them through their lifecycle.' },
  { name: 'imports', description: 'CSV imports of categories, products with stock and historical orders (all or nothing), and the products export.' },
  { name: 'audit', description: 'The audit log: who changed what and when (staff and admin changes, logins), in the transaction of the change.' },
  { name: 'events', description: 'Platform administration of event deliveries: the parked ones (dead letters) and their redelivery.' },
  { name: 'health', description: 'Liveness (`/health`) and readiness (`/ready`) checks, for load balancers, orchestrators and monitors.' },
];

/** operationIds of the routes outside the modules, which have no place to declare one. */
const INFRA_OPERATION_IDS: Record<string, string> = { 'GET /health': 'getHealth', 'GET /ready': 'getReadiness' };

/** Response headers, referenced from every response (`components.headers`). */
const HEADERS: Json = {
  'X-Request-Id': {
    description:
      'The request id, also `request_id` in problems: the one the request sent when valid (1 to 128 letters, digits, `.`, `:`, `_` or `-`), else a new UUID.',
    schema: { type: 'string', examples: ['0b7e3f0c-8d2a-4a59-9a57-1f4c2d9e6b10'] },
  },
  'X-RateLimit-Limit': { description: 'Requests this client may make on this route per window (one minute)', schema: { type: 'integer', examples: [600] } },
  'X-RateLimit-Remaining': { description: 'Requests left in the current window', schema: { type: 'integer', examples: [599] } },
  'X-RateLimit-Reset': { description: 'Seconds until the current window ends', schema: { type: 'integer', examples: [60] } },
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', examples: [42] } },
};
const RATE_LIMIT_HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];

/** The header of the answers an idempotent route replays (`components.headers`). */
const REPLAYED: Json = {
  description: 'Present (`true`) when this is the stored answer of an earlier request with the same `Idempotency-Key`, replayed',
  schema: { type: 'string', enum: ['true'] },
};

/** The `Idempotency-Key` request header of idempotent routes (`components.parameters.IdempotencyKey`). */
const IDEMPOTENCY_KEY_PARAMETER: Json = {
  name: IDEMPOTENCY_HEADER,
  in: 'header',
  required: false,
  description:
    `Makes a retry safe: a unique value per operation (a UUID), 1 to 255 printable ASCII characters (else 422). Scoped to the caller and the route, kept ${IDEMPOTENCY_TTL_HOURS} hours. ` +
    'The same key with the same body replays the first answer (its status and body, 2xx or 4xx) with `Idempotent-Replayed: true`; with another body it is 409 ' +
    '`IDEMPOTENCY_KEY_REUSE_MISMATCH`; while the first request runs, 409 `IDEMPOTENCY_IN_PROGRESS` (retry later). A 5xx, or a request refused before it ran ' +
    `(authentication, validation), is not stored; a request that stopped without answering frees its key after ${IDEMPOTENCY_LEASE_SECONDS} s.`,
  schema: { type: 'string', minLength: 1, maxLength: 255, examples: ['4f9d1c2e-7b3a-4e8f-9a61-2c5d8e0b7f13'] },
};

/** Descriptions of responses that give none (problem responses get theirs from infra/problem.ts). */
const RESPONSE_DESCRIPTIONS: Record<string, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No content', 503: 'Service unavailable' };

/** Codes the auth hook (infra/auth.ts) answers before the route runs, by the route's `config.auth`. */
function authCodes(auth: string, permission: string | undefined): Record<number, string[]> {
  if (auth === 'public') return {};
  return {
    401: auth === 'required' ? ['UNAUTHORIZED', 'INVALID_TOKEN'] : ['INVALID_TOKEN'],
    403: permission ? ['FORBIDDEN', 'USER_INACTIVE'] : ['USER_INACTIVE'],
  };
}

/**
 * Per route: operationId, security (`[]` when public), permission, and every problem response with
 * the codes it can answer: the route's own (`problems(...)`), the auth hook's, and 429 where the
 * rate limit applies. The route's schema objects are never changed (they validate and serialise).
 */
function transformRoute({ schema, url, route }: { schema: unknown; url: string; route: { method: string | string[]; config?: unknown } }) {
  const s = { ...((schema ?? {}) as Json) };
  if (s.hide) return { schema: s as never, url };
  const cfg = (route.config ?? {}) as { auth?: string; permission?: string; rateLimit?: false | { max?: unknown }; idempotent?: boolean };
  const method = Array.isArray(route.method) ? route.method[0] : route.method;
  const auth = cfg.auth ?? (url.startsWith('/api/') ? 'required' : 'public');
  s.operationId ??= INFRA_OPERATION_IDS[`${method} ${url}`];
  s.security = auth === 'public' ? [] : auth === 'optional' ? [{ bearer: [] }, {}] : [{ bearer: [] }];
  if (cfg.permission) {
    s['x-permission'] = cfg.permission;
    s.description = `${(s.description as string) ?? ''}\n\nPermission: \`${cfg.permission}\``.trim();
  }

  const response: Json = { ...(s.response ?? {}) };
  const codes: Record<string, string[]> = {};
  const add = (status: number | string, list: readonly string[]) => {
    codes[status] = [...new Set([...(codes[status] ?? []), ...list])];
  };
  for (const [status, rs] of Object.entries(response)) {
    const c = problemCodes(rs);
    if (c) add(status, c);
  }
  for (const [status, list] of Object.entries(authCodes(auth, cfg.permission))) add(status, list);
  if (cfg.rateLimit !== false) add(429, ['RATE_LIMITED']);
  if (cfg.idempotent) {
    // What infra/idempotency.ts answers before the route runs: a bad header, a reused or running key.
    s['x-idempotent'] = true;
    add(409, IDEMPOTENCY_CODES);
    add(422, ['VALIDATION_FAILED']);
  }
  for (const [status, list] of Object.entries(codes)) {
    const what = status === '429' ? rateLimitDescription(cfg.rateLimit) : (PROBLEM_DESCRIPTIONS[Number(status)] ?? 'Error');
    response[status] = { $ref: 'Problem', description: list.length ? `${what}. Codes: ${list.map((c) => `\`${c}\``).join(', ')}` : what };
  }
  for (const [status, rs] of Object.entries(response)) {
    if (!(rs as Json).description) response[status] = { ...rs, description: RESPONSE_DESCRIPTIONS[status] ?? 'Response' };
  }
  s.response = response;
  if (Object.keys(codes).length) {
    s['x-error-codes'] = Object.fromEntries(
      Object.entries(codes)
        .filter(([, list]) => list.length)
        .sort(([a], [b]) => Number(a) - Number(b)),
    );
  }
  return { schema: s as never, url };
}

function rateLimitDescription(rateLimit: false | { max?: unknown } | undefined): string {
  const limit =
    rateLimit && typeof rateLimit.max === 'number'
      ? `${rateLimit.max} requests a minute per client on this route`
      : "the API's limit per client (`RATE_LIMIT_MAX` a minute, default 600)";
  return `Too many requests: over ${limit}; retry after \`Retry-After\` seconds`;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys whose values are data (examples, defaults, enums), never schemas to look into. */
const DATA_KEYS = new Set(['example', 'examples', 'default', 'enum', 'const', 'x-error-codes']);
/** Keys whose values map names to schemas (the names are data). */
const SCHEMA_MAP_KEYS = new Set(['properties', 'patternProperties', '$defs', 'dependentSchemas']);
const SCHEMA_KEYWORDS = ['type', 'properties', 'items', 'anyOf', 'oneOf', 'allOf', 'enum', 'const', '$ref', 'additionalProperties'];

/** Annotations a schema may lose where the document uses it (a parameter's description moves up). */
function shape(schema: Json): string {
  const { description: _d, examples: _e, example: _x, ...rest } = schema;
  return JSON.stringify(rest);
}

/**
 * Named schemas: every schema with a `title` (TypeBox `{ title: 'Order' }`) becomes
 * `components.schemas.<title>`, and each place that uses it a `$ref` to it. Two different schemas
 * with one title are a programming error and throw.
 */
function liftNamedSchemas(doc: Json) {
  const named = new Map<string, Json>();
  const register = (name: string, schema: Json) => {
    const seen = named.get(name) ?? doc.components.schemas[name];
    if (seen && shape(seen) !== shape(schema)) {
      throw new Error(`OpenAPI: two different schemas are titled "${name}":\n${JSON.stringify(seen)}\n${JSON.stringify(schema)}`);
    }
    // Keep the richest copy (a parameter's copy lost its description).
    if (!seen || JSON.stringify(schema).length > JSON.stringify(seen).length) named.set(name, schema);
  };
  const walk = (node: unknown, lift: boolean): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n, true));
    if (!isObject(node)) return node;
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) {
      if (DATA_KEYS.has(k)) out[k] = v;
      else if (SCHEMA_MAP_KEYS.has(k) && isObject(v)) out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, walk(sub, true)]));
      else out[k] = walk(v, true);
    }
    if (lift && typeof out.title === 'string' && SCHEMA_KEYWORDS.some((k) => k in out)) {
      register(out.title, out);
      return { $ref: `#/components/schemas/${out.title}` };
    }
    return out;
  };
  doc.paths = walk(doc.paths, false);
  const existing = doc.components.schemas as Json;
  for (const name of Object.keys(existing)) existing[name] = walk(existing[name], false);
  const all = { ...existing, ...Object.fromEntries(named) };
  doc.components.schemas = Object.fromEntries(
    Object.keys(all)
      .sort()
      .map((k) => [k, all[k]]),
  );
}

/** `listOrders` → `ListOrders`. */
const pascal = (id: string) => id.charAt(0).toUpperCase() + id.slice(1);

/**
 * The whole document after the routes: problem responses as `application/problem+json`, response
 * headers, query parameters with a default not required, named schemas as components (a JSON body
 * or success response without a title is named after its operation: `ReconcileStockBody`).
 */
function transformDocument({ openapiObject }: { openapiObject: Partial<Json> }) {
  const doc = openapiObject as Json;
  doc.components.headers = { ...HEADERS, [REPLAYED_HEADER]: REPLAYED };
  doc.components.parameters = { ...(doc.components.parameters ?? {}), IdempotencyKey: IDEMPOTENCY_KEY_PARAMETER };
  for (const item of Object.values<Json>(doc.paths)) {
    for (const op of Object.values<Json>(item)) {
      if (!isObject(op) || !op.responses) continue;
      if (op['x-idempotent']) op.parameters = [...(op.parameters ?? []), { $ref: '#/components/parameters/IdempotencyKey' }];
      for (const p of op.parameters ?? []) {
        if (p.in === 'query' && p.schema?.default !== undefined) p.required = false;
      }
      const body = op.requestBody?.content?.['application/json']?.schema;
      if (op.operationId && isObject(body) && !body.$ref && !body.title) body.title = `${pascal(op.operationId)}Body`;
      for (const res of Object.values<Json>(op.responses)) {
        const schema = res.content?.['application/json']?.schema;
        // One name for every response of the operation: two different ones throw in liftNamedSchemas.
        if (op.operationId && isObject(schema) && !schema.$ref && !schema.title) schema.title = `${pascal(op.operationId)}Response`;
      }
      const rateLimited = Boolean(op.responses['429']);
      for (const [status, res] of Object.entries<Json>(op.responses)) {
        const json = res.content?.['application/json'];
        if (json?.schema?.$ref === '#/components/schemas/Problem') res.content = { 'application/problem+json': json };
        // An idempotent route replays its stored answers: a success or a refusal of the route itself.
        const replayable = op['x-idempotent'] && Number(status) < 500 && !['401', '429'].includes(status);
        const names = [
          'X-Request-Id',
          ...(rateLimited ? RATE_LIMIT_HEADERS : []),
          ...(status === '429' ? ['Retry-After'] : []),
          ...(replayable ? [REPLAYED_HEADER] : []),
        ];
        res.headers = { ...(res.headers ?? {}), ...Object.fromEntries(names.map((n) => [n, { $ref: `#/components/headers/${n}` }])) };
      }
    }
  }
  liftNamedSchemas(doc);
  describeInputDefaults(doc);
  return doc;
}

/** Names of the components `node` refers to, directly or through other components. */
function reachable(doc: Json, node: unknown, seen = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) reachable(doc, n, seen);
  else if (isObject(node)) {
    const name = typeof node.$ref === 'string' && node.$ref.startsWith('#/components/schemas/') ? node.$ref.slice(21) : undefined;
    if (name && !seen.has(name)) {
      seen.add(name);
      reachable(doc, doc.components.schemas[name], seen);
    }
    for (const [k, v] of Object.entries(node)) if (!DATA_KEYS.has(k)) reachable(doc, v, seen);
  }
  return seen;
}

/**
 * In the schemas only requests use, a field's `default` moves to its description ("Default:
 * `delivery`."). Generators read a component property with a default as always present
 * (openapi-typescript makes it required), which is true of a response and false of a request: the
 * server fills in the default when the field is absent. Query parameters keep theirs.
 */
function describeInputDefaults(doc: Json) {
  const bodies: unknown[] = [];
  const responses: unknown[] = [];
  for (const item of Object.values<Json>(doc.paths)) {
    for (const op of Object.values<Json>(item)) {
      if (!isObject(op)) continue;
      bodies.push(op.requestBody);
      responses.push(op.responses);
    }
  }
  const output = reachable(doc, responses);
  const strip = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(strip);
    if (!isObject(node)) return;
    if (isObject(node.properties)) {
      for (const prop of Object.values<Json>(node.properties)) {
        if (isObject(prop) && prop.default !== undefined) {
          prop.description = `${prop.description ? `${prop.description}. ` : ''}Default: \`${typeof prop.default === 'string' ? prop.default : JSON.stringify(prop.default)}\`.`;
          delete prop.default;
        }
      }
    }
    for (const [k, v] of Object.entries(node)) if (!DATA_KEYS.has(k)) strip(v);
  };
  for (const name of reachable(doc, bodies)) if (!output.has(name)) strip(doc.components.schemas[name]);
}

/** Empty query string of a route that declares none: unknown parameters are refused there too. */
const NoQuery = Query({});

/**
 * OpenAPI 3.1 at `/openapi.json` (built from the route schemas) and a docs UI at `/docs`.
 * A route's declared permission is added to its description and as `x-permission`, its problem
 * codes as `x-error-codes`; titled schemas become named components. Routes under `/api/` without a
 * query string schema get an empty one, and a query string that accepts unknown parameters is
 * refused at start: the document is the contract, what it does not list is a 422.
 */
export async function registerOpenApi(app: FastifyInstance) {
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return;
    const qs = route.schema?.querystring as { additionalProperties?: unknown } | undefined;
    if (!qs) route.schema = { ...route.schema, querystring: NoQuery };
    else if (qs.additionalProperties !== false) {
      throw new Error(
        `${String(route.method)} ${route.url}: declare the querystring with Query(...) (infra/schemas.ts) so that unknown parameters are refused`,
      );
    }
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Agora API',
        version: '0.1.0',
        description:
          'Agora, an open commerce core: B2B exchange, store and back office.\n\n' +
          '- Authentication: `Authorization: Bearer <access_token>` from `POST /api/v1/auth/login`.\n' +
          '- Errors are RFC 9457 `application/problem+json` (`Problem`); clients switch on `code`, and each operation lists its codes in its responses and in `x-error-codes`.\n' +
          "- Money is a decimal string in the document's `currency`; inputs take a string or a number.\n" +
          '- Lists take `limit` (1..100, default 20) and `offset` (default 0) and answer `{items, total, limit, offset}`.\n' +
          '- An unknown query parameter is a 422 naming it (`querystring/<name>`); unknown body fields are dropped.\n' +
          '- Every response carries `X-Request-Id` (a valid one sent is echoed); rate-limited responses carry `X-RateLimit-*`, a 429 `Retry-After`.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: '/', description: 'This server' }],
      tags: TAGS,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: transformRoute,
    transformObject: transformDocument as never,
  });
  app.get('/openapi.json', { schema: { hide: true }, config: { auth: 'public' } }, async () => app.swagger());
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', persistAuthorization: true } });
}
