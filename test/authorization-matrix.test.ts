/**
 * The authorization matrix: every operation under /api/v1 of the served OpenAPI document, checked
 * against callers from outside the tenant that owns the object it addresses (docs/architecture.md,
 * "Access": other tenants' objects are invisible).
 *
 * Tenant A is a linked supplier with staff, a linked consumer with a buyer, and every kind of
 * object the API has, built once through the API. The attackers are another supplier's owner,
 * another consumer organization's owner, a user without an organization, nobody (no token), and two
 * former members of A (a buyer and a manager, removed after they had placed orders): access
 * follows current membership, so they are outsiders like any other. Two more consumers asked A's
 * supplier for a link: one still pending, one accepted and then blocked; neither may see or buy
 * anything of A, nor decide its own link.
 * Each operation has one entry in `MATRIX`, keyed `METHOD /path/{template}` as in the document:
 *
 * - `object`: the operation addresses an object of A (a path parameter, or a reference in the query
 *   or body). Each attack must be refused with 404 (another tenant's objects are invisible), or 403
 *   when the caller holds the route's `x-permission` in none of its roles (the auth hook), or 401
 *   without a token on an authenticated route; an entry states any other documented answer (422
 *   for a reference the body may only make to the caller's own objects). The answer must also be
 *   the one the same request gets with unknown ids in place of A's (nothing tells A's objects
 *   exist), and the rows the entry names must be unchanged afterwards.
 * - `list`: a collection. Whatever the caller and whichever of A's ids it filters by, the answer is
 *   a refusal or shows nothing of A (no id, SKU or email of A's anywhere in it).
 * - `self`: acts on the caller only (its profile, its own organization); the answer names nothing of A.
 * - `public`: open to anyone by design.
 *
 * An operation of the document without an entry fails ("describe METHOD path in the authorization
 * matrix"): every new route joins. Then a sweep of every GET route as buyers (consumer members, a
 * person without an organization, nobody) asserts that no answer ever carries `cost_price`, and a
 * fingerprint of every row of tenant A proves that nothing of A changed during the whole file.
 */
import { sql, type SQL } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_ROLES, permits, type RoleScope } from '../src/infra/access.js';
import { queryRows } from '../src/infra/db/client.js';
import type { LinkDto } from '../src/modules/links/links.schemas.js';
import { buildLink, buildProduct, buildWorld, type TestConsumer, type TestSupplier, type TestWorld } from './factories.js';
import { addMember, buildConsumer, buildSupplier, call, createTestApp, registerUser, uniq, type Res, type TestUser } from './helpers.js';

const { app, database } = await createTestApp();

/* ---------- the document ---------- */

type Op = Record<string, any>;
const doc = (await call(app, 'GET', '/openapi.json')).body as { paths: Record<string, Record<string, Op>>; security?: object[] };
const HTTP_METHODS = new Set(['get', 'put', 'post', 'patch', 'delete']);
const operations = Object.entries(doc.paths)
  .filter(([path]) => path.startsWith('/api/v1/'))
  .flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, op })),
  );

/** True when the operation refuses a request without a token: it has a security requirement, and no anonymous `{}` alternative. */
function requiresAuth(op: Op): boolean {
  const security = (op.security ?? doc.security ?? []) as object[];
  return security.length > 0 && !security.some((s) => Object.keys(s).length === 0);
}

/* ---------- callers ---------- */

type Caller =
  'otherSupplierOwner' | 'otherConsumerOwner' | 'noOrg' | 'anonymous' | 'formerBuyer' | 'formerStaff' | 'pendingConsumerOwner' | 'blockedConsumerOwner';
const CALLERS: Caller[] = [
  'otherSupplierOwner',
  'otherConsumerOwner',
  'noOrg',
  'anonymous',
  'formerBuyer',
  'formerStaff',
  'pendingConsumerOwner',
  'blockedConsumerOwner',
];

/** The roles each caller holds (anonymous: no actor at all). */
const CALLER_ROLES: Record<Caller, { scope: RoleScope; key: string }[]> = {
  otherSupplierOwner: [{ scope: 'supplier', key: 'owner' }],
  otherConsumerOwner: [{ scope: 'consumer', key: 'owner' }],
  noOrg: [],
  anonymous: [],
  formerBuyer: [],
  formerStaff: [],
  pendingConsumerOwner: [{ scope: 'consumer', key: 'owner' }],
  blockedConsumerOwner: [{ scope: 'consumer', key: 'owner' }],
};

/**
 * Markers of A a caller may see all the same: a consumer that asked A's supplier for a link sees
 * that supplier in its link, and who decided on it (`decided_by`).
 */
const SEES_ANYWAY: Partial<Record<Caller, () => string[]>> = {
  pendingConsumerOwner: () => [w.a.supplier.org.id],
  blockedConsumerOwner: () => [w.a.supplier.org.id, w.a.supplier.owner.id],
};

/** Whether any role of the caller grants `permission` (the auth hook's check). */
function holdsAnywhere(caller: Caller, permission: string): boolean {
  return CALLER_ROLES[caller].some((r) => permits(BUILTIN_ROLES.find((b) => b.scope === r.scope && b.key === r.key)!.permissions, permission));
}

/** The answer an outsider must get from an operation addressing another tenant's object. */
function defaultRefusal(caller: Caller, op: Op): number {
  if (caller === 'anonymous') return requiresAuth(op) ? 401 : 404;
  const permission = op['x-permission'] as string | undefined;
  if (permission && !holdsAnywhere(caller, permission)) return 403;
  return 404;
}

/* ---------- the world ---------- */

interface Tenant extends TestWorld {
  /** The product in a category, with a cost price; `products[0]` and `[1]` are the world's own. */
  product: Dto;
  category: Dto;
  /** A category without products (the one the delete attack aims at). */
  emptyCategory: Dto;
  defaultLocation: string;
  branch: Dto;
}

interface World {
  a: Tenant & {
    customer: Dto;
    channel: Dto;
    /** The consumer's buyer's pending order. */
    order: Dto;
    /** A pending staff order for `customer` through `channel`. */
    staffOrder: Dto;
    importRun: Dto;
    transferId: string;
    /** Placed for the consumer by `formerBuyer` while a buyer there. */
    formerOrder: Dto;
    /** A staff order placed by `formerStaff` while a manager of the supplier. */
    formerStaffOrder: Dto;
  };
  /** Removed from A's consumer after placing `a.formerOrder`; also bought as a person at the store (`store.formerBuyerOrder`). */
  formerBuyer: TestUser;
  /** Removed from A's supplier after placing `a.formerStaffOrder`. */
  formerStaff: TestUser;
  /** Consumers whose link with A's supplier is pending, and accepted then blocked. */
  pending: TestConsumer & { link: LinkDto };
  blocked: TestConsumer & { link: LinkDto };
  b: Tenant;
  noOrg: TestUser;
  /** A registered user without an organization whom attackers try to add to A. */
  recruit: TestUser;
  /** A public store with a shopper (no organization) who ordered there: what a person can read. */
  store: { supplier: TestSupplier; product: Dto; shopper: TestUser; order: Dto; formerBuyerOrder: Dto };
}

type Dto = { id: string; [k: string]: any };
let w: World;

/** Everything of tenant A an outsider must never see: ids, SKUs, slugs, emails, a refresh token. */
let markers: string[] = [];

async function ok<T = Dto>(res: Promise<Res<T>> | Res<T>, status = 201): Promise<T> {
  const r = await res;
  if (r.status !== status) throw new Error(`setup request failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A multipart/form-data body (text fields, then a CSV file part). */
function multipart(fields: Record<string, string>, csv: string) {
  const boundary = `----agora-matrix-${uniq()}`;
  let payload = '';
  for (const [name, value] of Object.entries(fields)) payload += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  payload += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="data.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n--${boundary}--\r\n`;
  return { payload, contentType: `multipart/form-data; boundary=${boundary}` };
}

async function buildTenant(): Promise<Tenant> {
  const world = await buildWorld(app, { products: 2, product: { cost_price: '40.00' } });
  const token = world.supplier.owner.token;
  const [category, emptyCategory] = await Promise.all([
    ok(call(app, 'POST', '/api/v1/categories', { token, body: { name: `Dairy ${uniq()}` } })),
    ok(call(app, 'POST', '/api/v1/categories', { token, body: { name: `Empty ${uniq()}` } })),
  ]);
  const product = await buildProduct(app, world.supplier, { category_id: category.id, cost_price: '55.00', stock: 50 });
  const branch = await ok(call(app, 'POST', '/api/v1/locations', { token, body: { name: `Branch ${uniq()}`, kind: 'branch' } }));
  const locations = await ok(call(app, 'GET', '/api/v1/locations', { token }), 200);
  const defaultLocation = (locations as { items: { id: string; is_default: boolean }[] }).items.find((l) => l.is_default)!.id;
  return { ...world, product, category, emptyCategory, defaultLocation, branch };
}

async function buildWorldOfTheMatrix(): Promise<World> {
  const [a, b, noOrg, recruit] = await Promise.all([buildTenant(), buildTenant(), registerUser(app), registerUser(app)]);
  const s = a.supplier.owner.token;
  const [customer, channel, transfer] = await Promise.all([
    ok(call(app, 'POST', '/api/v1/customers', { token: s, body: { name: `Customer ${uniq()}`, email: `a-customer-${uniq()}@example.com` } })),
    ok(call(app, 'POST', '/api/v1/sales-channels', { token: s, body: { name: `Phone ${uniq()}`, kind: 'phone' } })),
    ok(
      call(app, 'POST', '/api/v1/inventory/transfers', {
        token: s,
        body: { from_location_id: a.defaultLocation, to_location_id: a.branch.id, lines: [{ product_id: a.products[0].id, quantity: 5 }] },
      }),
    ),
  ]);
  const order = await ok(
    call(app, 'POST', '/api/v1/orders', {
      token: a.consumer.buyer.token,
      body: { supplier_id: a.supplier.org.id, items: [{ product_id: a.products[0].id, quantity: 2 }] },
    }),
  );
  const staffOrder = await ok(
    call(app, 'POST', '/api/v1/orders', {
      token: a.supplier.sales.token,
      body: { supplier_id: a.supplier.org.id, customer_id: customer.id, channel_id: channel.id, items: [{ product_id: a.product.id, quantity: 1 }] },
    }),
  );
  const form = multipart({ kind: 'categories' }, `slug,name\nimported-${uniq()},Imported\n`);
  const importRun = await ok(call(app, 'POST', '/api/v1/imports', { token: s, body: form.payload, headers: { 'content-type': form.contentType } }));

  const storeSupplier = await buildSupplier(app, { catalog_visibility: 'public' });
  const storeProduct = await buildProduct(app, storeSupplier, { cost_price: '3.00' });
  const shopper = await registerUser(app);
  const storeOrder = await ok(
    call(app, 'POST', '/api/v1/orders', {
      token: shopper.token,
      body: { supplier_id: storeSupplier.org.id, items: [{ product_id: storeProduct.id, quantity: 1 }] },
    }),
  );

  // Two members who ordered, then left.
  const [formerBuyer, formerStaff] = await Promise.all([
    addMember(app, a.consumer.owner, a.consumer.org.id, 'buyer'),
    addMember(app, a.supplier.owner, a.supplier.org.id, 'manager'),
  ]);
  const formerOrder = await ok(
    call(app, 'POST', '/api/v1/orders', {
      token: formerBuyer.token,
      body: { supplier_id: a.supplier.org.id, items: [{ product_id: a.products[0].id, quantity: 1 }] },
    }),
  );
  const formerBuyerOrder = await ok(
    call(app, 'POST', '/api/v1/orders', {
      token: formerBuyer.token,
      body: { supplier_id: storeSupplier.org.id, items: [{ product_id: storeProduct.id, quantity: 1 }] },
    }),
  );
  const formerStaffOrder = await ok(
    call(app, 'POST', '/api/v1/orders', {
      token: formerStaff.token,
      body: { supplier_id: a.supplier.org.id, customer_id: customer.id, items: [{ product_id: a.products[0].id, quantity: 1 }] },
    }),
  );
  await ok(call(app, 'DELETE', `/api/v1/organizations/${a.consumer.org.id}/members/${formerBuyer.id}`, { token: a.consumer.owner.token }), 204);
  await ok(call(app, 'DELETE', `/api/v1/organizations/${a.supplier.org.id}/members/${formerStaff.id}`, { token: a.supplier.owner.token }), 204);

  const [pending, blocked] = await Promise.all([buildConsumer(app), buildConsumer(app)]);
  const [pendingLink, blockedLink] = await Promise.all([
    buildLink(app, a.supplier, pending, { status: 'pending' }),
    buildLink(app, a.supplier, blocked, { status: 'blocked' }),
  ]);

  return {
    a: { ...a, customer, channel, order, staffOrder, importRun, transferId: transfer.transfer_id, formerOrder, formerStaffOrder },
    b,
    noOrg,
    recruit,
    formerBuyer,
    formerStaff,
    pending: { ...pending, link: pendingLink },
    blocked: { ...blocked, link: blockedLink },
    store: { supplier: storeSupplier, product: storeProduct, shopper, order: storeOrder, formerBuyerOrder },
  };
}

const tokenOf = (caller: Caller): string | undefined =>
  ({
    otherSupplierOwner: w.b.supplier.owner.token,
    otherConsumerOwner: w.b.consumer.owner.token,
    noOrg: w.noOrg.token,
    anonymous: undefined,
    formerBuyer: w.formerBuyer.token,
    formerStaff: w.formerStaff.token,
    pendingConsumerOwner: w.pending.owner.token,
    blockedConsumerOwner: w.blocked.owner.token,
  })[caller];

/** Every user of tenant A. */
const usersOfA = () => [w.a.supplier.owner, w.a.supplier.manager, w.a.supplier.sales, w.a.supplier.employee, w.a.consumer.owner, w.a.consumer.buyer];

function markersOfA(): string[] {
  const a = w.a;
  return [
    a.supplier.org.id,
    a.consumer.org.id,
    a.link.id,
    ...usersOfA().map((u) => u.id),
    a.supplier.owner.refreshToken,
    ...[...a.products, a.product].flatMap((p) => [p.id, p.sku]),
    a.category.id,
    a.category.slug,
    a.emptyCategory.id,
    a.emptyCategory.slug,
    a.defaultLocation,
    a.branch.id,
    a.customer.id,
    a.customer.email,
    a.channel.id,
    a.order.id,
    a.staffOrder.id,
    a.importRun.id,
    a.transferId,
    a.formerOrder.id,
    a.formerStaffOrder.id,
  ];
}

/* ---------- requests ---------- */

interface Req {
  url: string;
  body?: unknown;
  /** multipart/form-data text fields and a CSV file (instead of a JSON body). */
  form?: { fields: Record<string, string>; csv: string };
}

interface Answer {
  status: number;
  code?: string;
  errorPaths?: string[];
  text: string;
}

async function send(method: string, req: Req, token: string | undefined): Promise<Answer> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  let payload: string | undefined;
  if (req.form) {
    const m = multipart(req.form.fields, req.form.csv);
    payload = m.payload;
    headers['content-type'] = m.contentType;
  } else if (req.body !== undefined) {
    payload = JSON.stringify(req.body);
    headers['content-type'] = 'application/json';
  }
  const res = await app.inject({ method: method as 'GET', url: req.url, headers, ...(payload !== undefined ? { payload } : {}) });
  let json: any;
  if (/json/.test(String(res.headers['content-type']))) json = res.body ? JSON.parse(res.body) : undefined;
  return {
    status: res.statusCode,
    code: json?.code,
    errorPaths: Array.isArray(json?.errors) ? json.errors.map((e: { path: string }) => e.path).sort() : undefined,
    text: res.body,
  };
}

/** The same request with every marker of A (but `keep`) replaced by an unknown value of the same kind. */
function withUnknownIds(req: Req, keep: string[]): Req {
  const swap = new Map<string, string>();
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  for (const m of markers) {
    if (keep.includes(m)) continue;
    swap.set(
      m,
      UUID.test(m)
        ? uuidv7()
        : m.includes('@')
          ? `nobody-${uniq()}@example.com`
          : m.length > 40
            ? `${uniq()}${uniq()}${uniq()}${uniq()}${uniq()}`
            : `unknown-${uniq()}`,
    );
  }
  const replace = (s: string) => {
    let out = s;
    for (const [from, to] of swap) out = out.split(from).join(to);
    return out;
  };
  return {
    url: replace(req.url),
    ...(req.body !== undefined ? { body: JSON.parse(replace(JSON.stringify(req.body))) } : {}),
    ...(req.form ? { form: { fields: JSON.parse(replace(JSON.stringify(req.form.fields))), csv: replace(req.form.csv) } } : {}),
  };
}

/** The markers of A found in a text the caller got. */
function leaks(text: string, caller?: Caller): string[] {
  const anyway = (caller && SEES_ANYWAY[caller]?.()) ?? [];
  return markers.filter((m) => text.includes(m) && !anyway.includes(m));
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

const CONCURRENCY = 6;

/* ---------- the matrix ---------- */

interface Attack {
  /** Path parameters (the route's template is filled with them). */
  params?: Record<string, string>;
  /** Query string, with its `?`. */
  query?: string;
  body?: unknown;
  form?: Req['form'];
  /** The attackers (default: every caller). */
  as?: Caller[];
  /** The answer when it is not the default refusal (404 / 403 without the permission / 401 anonymous), for all or some callers. */
  expect?: number | Partial<Record<Caller, number>>;
  /** With an expected 422: the field errors that must be among its `errors` (the refusal is the reference to A's object, not a typo). */
  because?: string[];
  /** Markers of A left as they are in the unknown-id comparison (public knowledge, like a supplier's id). */
  keep?: string[];
  /** For a read: who in A gets 200 from this very request (proves the attack aims at something real); default A's supplier owner. */
  control?: 'supplierOwner' | 'consumerOwner' | 'none';
}

type Entry =
  /** A public read is also sent anonymously (with `query`): 200, and nothing of A but what `shows` (public knowledge). */
  | { kind: 'public'; why: string; query?: () => string; shows?: () => string[] }
  | { kind: 'self'; why: string; request?: () => { body?: unknown; expect?: number } }
  | { kind: 'object'; attacks: () => Attack[]; unchanged: () => SQL[] }
  | { kind: 'list'; seenBy: Caller[]; extra?: () => string[] };

const ids = (xs: string[]) => sql`${sql.param(xs)}::uuid[]`;
const row = (table: string, id: string) => sql`select * from ${sql.identifier(table)} where id = ${id}`;
const aProducts = () => [...w.a.products, w.a.product].map((p) => p.id);
const aLocations = () => [w.a.defaultLocation, w.a.branch.id];
const stockOfA = () =>
  sql`select product_id, location_id, on_hand, reserved, reorder_point from stock_levels
      where product_id = any(${ids(aProducts())}) or location_id = any(${ids(aLocations())}) order by product_id, location_id`;
const movementsOfA = () =>
  sql`select id from stock_movements where product_id = any(${ids(aProducts())}) or location_id = any(${ids(aLocations())}) order by id`;
const ordersOfA = () =>
  sql`select id, status, stock_state, updated_at from orders where supplier_id = ${w.a.supplier.org.id} or consumer_id = ${w.a.consumer.org.id}
      or customer_id = ${w.a.customer.id} or channel_id = ${w.a.channel.id} or location_id = any(${ids(aLocations())}) order by id`;
const historyOf = (orderId: string) => sql`select to_status, created_at from order_status_history where order_id = ${orderId} order by created_at`;
const membershipsOf = (orgId: string) => sql`select user_id, role_id from memberships where organization_id = ${orgId} order by user_id`;
const ofSupplier = (table: string) => sql`select * from ${sql.identifier(table)} where supplier_id = ${w.a.supplier.org.id} order by id`;

/** `{ supplier_id: A's supplier }` plus `more`. */
const forA = (more: Record<string, unknown> = {}) => ({ supplier_id: w.a.supplier.org.id, ...more });

const MATRIX: Record<string, Entry> = {
  /* identity */
  'POST /api/v1/auth/register': { kind: 'public', why: 'anyone registers; the body chooses no role and names no organization' },
  'POST /api/v1/auth/login': { kind: 'public', why: "credentials in, the caller's own tokens out" },
  'POST /api/v1/auth/refresh': { kind: 'public', why: "the refresh token is the credential; it only ever yields its own user's tokens" },
  'POST /api/v1/auth/logout': {
    kind: 'object',
    // Another user's refresh token is ignored (204 as always), never revoked.
    attacks: () => [{ body: { refresh_token: w.a.supplier.owner.refreshToken }, expect: 204 }],
    unchanged: () => [sql`select id, used_at, revoked_at from refresh_tokens where user_id = ${w.a.supplier.owner.id} order by id`],
  },
  'POST /api/v1/auth/change-password': { kind: 'self', why: "changes the caller's own password; no other account can be named" },
  'GET /api/v1/users/me': { kind: 'self', why: "the caller's own profile and memberships", request: () => ({}) },
  'PATCH /api/v1/users/me': { kind: 'self', why: "the caller's own profile", request: () => ({ body: { full_name: 'Still Me' } }) },

  /* organizations */
  'POST /api/v1/organizations': { kind: 'self', why: 'creates a new organization owned by the caller; names no existing one' },
  'GET /api/v1/organizations': { kind: 'list', seenBy: ['otherSupplierOwner', 'otherConsumerOwner', 'noOrg'] },
  'GET /api/v1/organizations/{id}': {
    kind: 'object',
    attacks: () => [{ params: { id: w.a.supplier.org.id } }, { params: { id: w.a.consumer.org.id }, control: 'consumerOwner' }],
    unchanged: () => [row('organizations', w.a.supplier.org.id), row('organizations', w.a.consumer.org.id)],
  },
  'PATCH /api/v1/organizations/{id}': {
    kind: 'object',
    attacks: () => [
      { params: { id: w.a.supplier.org.id }, body: { name: 'Taken over', tax_rate: '99', catalog_visibility: 'public' } },
      { params: { id: w.a.consumer.org.id }, body: { name: 'Taken over' } },
    ],
    unchanged: () => [row('organizations', w.a.supplier.org.id), row('organizations', w.a.consumer.org.id)],
  },
  'GET /api/v1/organizations/{id}/members': {
    kind: 'object',
    attacks: () => [{ params: { id: w.a.supplier.org.id } }, { params: { id: w.a.consumer.org.id }, control: 'consumerOwner' }],
    unchanged: () => [membershipsOf(w.a.supplier.org.id), membershipsOf(w.a.consumer.org.id)],
  },
  'POST /api/v1/organizations/{id}/members': {
    kind: 'object',
    attacks: () => [
      { params: { id: w.a.supplier.org.id }, body: { email: w.recruit.email, role: 'manager' } },
      { params: { id: w.a.consumer.org.id }, body: { email: w.recruit.email, role: 'buyer' } },
    ],
    unchanged: () => [membershipsOf(w.a.supplier.org.id), membershipsOf(w.a.consumer.org.id)],
  },
  'PATCH /api/v1/organizations/{id}/members/{user_id}': {
    kind: 'object',
    attacks: () => [
      { params: { id: w.a.supplier.org.id, user_id: w.a.supplier.employee.id }, body: { role: 'owner' } },
      { params: { id: w.a.consumer.org.id, user_id: w.a.consumer.buyer.id }, body: { role: 'owner' } },
      // A's member named in another organization's member routes is no member there.
      { as: ['otherSupplierOwner'], params: { id: w.b.supplier.org.id, user_id: w.a.supplier.employee.id }, body: { role: 'manager' } },
    ],
    unchanged: () => [membershipsOf(w.a.supplier.org.id), membershipsOf(w.a.consumer.org.id)],
  },
  'DELETE /api/v1/organizations/{id}/members/{user_id}': {
    kind: 'object',
    attacks: () => [
      { params: { id: w.a.supplier.org.id, user_id: w.a.supplier.employee.id } },
      { params: { id: w.a.consumer.org.id, user_id: w.a.consumer.buyer.id } },
      { as: ['otherSupplierOwner'], params: { id: w.b.supplier.org.id, user_id: w.a.supplier.employee.id } },
    ],
    unchanged: () => [membershipsOf(w.a.supplier.org.id), membershipsOf(w.a.consumer.org.id)],
  },
  'GET /api/v1/suppliers': {
    kind: 'public',
    why: 'the directory of active suppliers (name, slug, visibility, currency), so consumers find whom to ask for a link',
    query: () => `?q=${encodeURIComponent(w.a.supplier.org.name)}`,
    shows: () => [w.a.supplier.org.id],
  },

  /* links */
  'POST /api/v1/links/requests': {
    kind: 'object',
    // Asking a link in the name of A's consumer organization.
    attacks: () => [{ body: { supplier_id: w.b.supplier.org.id, consumer_id: w.a.consumer.org.id } }],
    unchanged: () => [sql`select * from links where consumer_id = ${w.a.consumer.org.id} order by id`],
  },
  'PATCH /api/v1/links/{id}/status': {
    kind: 'object',
    attacks: () => [
      { params: { id: w.a.link.id }, body: { status: 'blocked' } },
      // The supplier decides: a consumer may not accept its own link (403: it is a side of the link, without links:decide there).
      { as: ['pendingConsumerOwner'], params: { id: w.pending.link.id }, body: { status: 'accepted' }, expect: 403 },
      { as: ['blockedConsumerOwner'], params: { id: w.blocked.link.id }, body: { status: 'accepted' }, expect: 403 },
    ],
    unchanged: () => [row('links', w.a.link.id), row('links', w.pending.link.id), row('links', w.blocked.link.id)],
  },
  'GET /api/v1/links': { kind: 'list', seenBy: ['otherConsumerOwner'] },
  'GET /api/v1/links/incoming': { kind: 'list', seenBy: ['otherSupplierOwner'] },
  'GET /api/v1/links/{id}': {
    kind: 'object',
    attacks: () => [{ params: { id: w.a.link.id } }],
    unchanged: () => [row('links', w.a.link.id)],
  },

  /* catalog: products (staff) */
  'POST /api/v1/products': {
    kind: 'object',
    attacks: () => [
      { body: forA({ sku: `PLANT-${uniq()}`, name: 'Planted', price: '1' }) },
      // Another supplier may not file its product under A's category.
      {
        as: ['otherSupplierOwner'],
        body: { sku: `PLANT-${uniq()}`, name: 'Planted', price: '1', category_id: w.a.category.id },
        expect: 422,
        because: ['body/category_id'],
      },
    ],
    unchanged: () => [sql`select id from products where supplier_id = ${w.a.supplier.org.id} or category_id = ${w.a.category.id} order by id`],
  },
  'GET /api/v1/products': { kind: 'list', seenBy: ['otherSupplierOwner'] },
  'GET /api/v1/products/by-sku/{sku}': {
    kind: 'object',
    attacks: () => [
      { params: { sku: w.a.product.sku }, query: `?supplier_id=${w.a.supplier.org.id}` },
      { params: { sku: w.a.product.sku }, as: ['otherSupplierOwner'] },
    ],
    unchanged: () => [row('products', w.a.product.id)],
  },
  'GET /api/v1/products/{id}': {
    kind: 'object',
    attacks: () => [{ params: { id: w.a.product.id } }],
    unchanged: () => [row('products', w.a.product.id)],
  },
  'PATCH /api/v1/products/{id}': {
    kind: 'object',
    attacks: () => [
      { params: { id: w.a.product.id }, body: { name: 'Taken', price: '0.01', cost_price: null, is_active: false } },
      { as: ['otherSupplierOwner'], params: { id: w.b.product.id }, body: { category_id: w.a.category.id }, expect: 422, because: ['body/category_id'] },
    ],
    unchanged: () => [row('products', w.a.product.id), row('products', w.b.product.id)],
  },
  'DELETE /api/v1/products/{id}': {
    kind: 'object',
    attacks: () => [{ params: { id: w.a.products[1].id } }],
    unchanged: () => [row('products', w.a.products[1].id)],
  },
  'GET /api/v1/products/export.csv': { kind: 'list', seenBy: ['otherSupplierOwner'] },

  /* catalog: categories */
  'POST /api/v1/categories': {
    kind: 'object',
    attacks: () => [
      { body: forA({ name: `Planted ${uniq()}` }) },
      { as: ['otherSupplierOwner'], body: { name: `Under ${uniq()}`, parent_id: w.a.category.id }, expect: 422, because: ['body/parent_id'] },
    ],
    unchanged: () => [sql`select id from categories where supplier_id = ${w.a.supplier.org.id} or parent_id = ${w.a.category.id} order by id`],
  },
  'GET /api/v1/categories': { kind: 'list', seenBy: ['otherSupplierOwner'], extra: () => [`?supplier_id=${w.a.supplier.org.id}&tree=true`] },
  'GET /api/v1/categories/{id}': {
    kind: 'object',
    attacks: () => [
      { params: { id: w.a.category.id } },
      // By slug the supplier (public knowledge) answers first: a linked supplier without an accepted link is 403, whatever the slug.
      { params: { id: w.a.category.slug }, query: `?supplier_id=${w.a.supplier.org.id}`, expect: 403, keep: [w.a.supplier.org.id] },
    ],
    unchanged: () => [row('categories', w.a.category.id)],
  },
  'PATCH /api/v1/categories/{id}': {
    kind: 'object',
    attacks: () => [
      { params: { id: w.a.category.id }, body: { name: 'Taken', is_active: false } },
      { as: ['otherSupplierOwner'], params: { id: w.b.category.id }, body: { parent_id: w.a.category.id }, expect: 422, because: ['body/parent_id'] },
    ],
    unchanged: () => [row('categories', w.a.category.id), row('categories', w.b.category.id)],
  },
  'DELETE /api/v1/categories/{id}': {
    kind: 'object',
    attacks: () => [{ params: { id: w.a.emptyCategory.id } }],
    unchanged: () => [row('categories', w.a.emptyCategory.id)],
  },

  /* catalog: buyers */
  'GET /api/v1/catalog/products': {
    kind: 'list',
    seenBy: ['otherSupplierOwner', 'otherConsumerOwner', 'noOrg', 'anonymous'],
    extra: () => [`?q=${encodeURIComponent(w.a.product.sku)}`],
  },
  'GET /api/v1/catalog/products/{id}': {
    kind: 'object',
    attacks: () => [{ params: { id: w.a.product.id }, control: 'consumerOwner' }],
    unchanged: () => [row('products', w.a.product.id)],
  },

  /* inventory: locations */
  'POST /api/v1/locations': {
    kind: 'object',
    attacks: () => [{ body: forA({ name: `Planted ${uniq()}`, is_default: true }) }],
    unchanged: () => [ofSupplier('stock_locations')],
  },
  'GET /api/v1/locations': { kind: 'list', seenBy: ['otherSupplierOwner'] },
  'GET /api/v1/locations/{id}': {
    kind: 'object',
    attacks: () => [{ params: { id: w.a.branch.id } }],
    unchanged: () => [row('stock_locations', w.a.branch.id)],
  },
  'PATCH /api/v1/locations/{id}': {
    kind: 'object',
    attacks: () => [{ params: { id: w.a.branch.id }, body: { name: 'Taken', is_default: true } }],
    unchanged: () => [ofSupplier('stock_locations')],
  },

  /* inventory: stock */
  'GET /api/v1/inventory': { kind: 'list', seenBy: ['otherSupplierOwner'] },
  'POST /api/v1/inventory/transfers': {
    kind: 'object',
    attacks: () => [
      { body: forA({ from_location_id: w.a.defaultLocation, to_location_id: w.a.branch.id, lines: [{ product_id: w.a.products[0].id, quantity: 1 }] }) },
      // Another supplier moving A's product between its own locations, or its own product between A's locations.
      {
        as: ['otherSupplierOwner'],
        expect: 422,
        because: ['body/lines/0/product_id'],
        body: { from_location_id: w.b.defaultLocation, to_location_id: w.b.branch.id, lines: [{ product_id: w.a.products[0].id, quantity: 1 }] },
      },
      {
        as: ['otherSupplierOwner'],
        expect: 422,
        because: ['body/from_location_id', 'body/to_location_id'],
        body: { from_location_id: w.a.defaultLocation, to_location_id: w.a.branch.id, lines: [{ product_id: w.b.products[0].id, quantity: 1 }] },
      },
    ],
    unchanged: () => [stockOfA(), movementsOfA()],
  },
  'GET /api/v1/inventory/movements': { kind: 'list', seenBy: ['otherSupplierOwner'] },
  'GET /api/v1/inventory/check': { kind: 'list', seenBy: ['otherSupplierOwner'] },
  'POST /api/v1/inventory/reconcile': {
    kind: 'object',
    attacks: () => [{ body: forA({ note: 'not yours' }) }],
    unchanged: () => [stockOfA(), movementsOfA()],
  },
  'GET /api/v1/products/{id}/inventory': {
    kind: 'object',
    attacks: () => [{ params: { id: w.a.products[0].id } }],
    unchanged: () => [stockOfA()],
  },
  'PATCH /api/v1/products/{id}/inventory': {
    kind: 'object',
    attacks: () => [
      { params: { id: w.a.products[0].id }, body: { on_hand: 0, reason: 'adjustment', reorder_point: 99 } },
      {
        as: ['otherSupplierOwner'],
        params: { id: w.b.products[0].id },
        body: { location_id: w.a.branch.id, delta: 5, reason: 'restock' },
        expect: 422,
        because: ['body/location_id'],
      },
    ],
    unchanged: () => [stockOfA(), movementsOfA()],
  },
  'GET /api/v1/products/{id}/inventory/movements': {
    kind: 'object',
    attacks: () => [{ params: { id: w.a.products[0].id } }],
    unchanged: () => [movementsOfA()],
  },

  /* customers */
  'POST /api/v1/customers': {
    kind: 'object',
    attacks: () => [{ body: forA({ name: 'Planted', email: `planted-${uniq()}@example.com` }) }],
    unchanged: () => [ofSupplier('customers')],
  },
  'GET /api/v1/customers': { kind: 'list', seenBy: ['otherSupplierOwner'], extra: () => [`?q=${encodeURIComponent(w.a.customer.email)}`] },
  'GET /api/v1/customers/{id}': {
    kind: 'object',
    attacks: () => [{ params: { id: w.a.customer.id } }],
    unchanged: () => [row('customers', w.a.customer.id)],
  },
  'PATCH /api/v1/customers/{id}': {
    kind: 'object',
    attacks: () => [{ params: { id: w.a.customer.id }, body: { name: 'Taken', email: null, notes: 'was here' } }],
    unchanged: () => [row('customers', w.a.customer.id)],
  },
  'GET /api/v1/customers/{id}/orders': {
    kind: 'object',
    attacks: () => [{ params: { id: w.a.customer.id } }],
    unchanged: () => [row('customers', w.a.customer.id)],
  },

  /* sales channels */
  'POST /api/v1/sales-channels': {
    kind: 'object',
    attacks: () => [{ body: forA({ name: `Planted ${uniq()}`, is_default: true }) }],
    unchanged: () => [ofSupplier('sales_channels')],
  },
  'GET /api/v1/sales-channels': { kind: 'list', seenBy: ['otherSupplierOwner'] },
  'GET /api/v1/sales-channels/{id}': {
    kind: 'object',
    attacks: () => [{ params: { id: w.a.channel.id } }],
    unchanged: () => [row('sales_channels', w.a.channel.id)],
  },
  'PATCH /api/v1/sales-channels/{id}': {
    kind: 'object',
    attacks: () => [{ params: { id: w.a.channel.id }, body: { name: 'Taken', is_default: true } }],
    unchanged: () => [ofSupplier('sales_channels')],
  },

  /* orders */
  'POST /api/v1/orders': {
    kind: 'object',
    attacks: () => {
      const bSupplier = w.b.supplier.org.id;
      const bItem = [{ product_id: w.b.products[0].id, quantity: 1 }];
      return [
        // Buying in the name of A's consumer organization, from B's supplier and from A's
        // (another supplier's staff order refuses consumer_id: 422).
        {
          body: { supplier_id: bSupplier, consumer_id: w.a.consumer.org.id, items: bItem },
          expect: { otherSupplierOwner: 422 },
          because: ['body/consumer_id'],
        },
        {
          as: ['otherConsumerOwner', 'noOrg', 'formerBuyer', 'formerStaff'],
          body: { supplier_id: w.a.supplier.org.id, consumer_id: w.a.consumer.org.id, items: [{ product_id: w.a.products[0].id, quantity: 1 }] },
        },
        // Buying from A's linked supplier without an accepted link (the supplier is public knowledge: 403 NO_ACCEPTED_LINK).
        { body: { supplier_id: w.a.supplier.org.id, items: [{ product_id: w.a.products[0].id, quantity: 1 }] }, expect: 403, keep: [w.a.supplier.org.id] },
        // A former manager writing a staff order for A's customer: no longer staff, so a buyer order, and A is linked.
        {
          as: ['formerStaff'],
          body: { supplier_id: w.a.supplier.org.id, customer_id: w.a.customer.id, items: [{ product_id: w.a.products[0].id, quantity: 1 }] },
          expect: 422,
          because: ['body/customer_id'],
          keep: [w.a.supplier.org.id, w.a.products[0].id],
        },
        // A's product, customer, channel or location in an order of another supplier.
        {
          as: ['otherConsumerOwner'],
          body: { supplier_id: bSupplier, items: [{ product_id: w.a.products[0].id, quantity: 1 }] },
          expect: 422,
          because: ['body/items/0/product_id'],
        },
        {
          as: ['otherSupplierOwner'],
          body: { supplier_id: bSupplier, customer_id: w.a.customer.id, items: bItem },
          expect: 422,
          because: ['body/customer_id'],
        },
        {
          as: ['otherSupplierOwner'],
          body: { supplier_id: bSupplier, customer: { name: 'Walk-in' }, channel_id: w.a.channel.id, location_id: w.a.branch.id, items: bItem },
          expect: 422,
          because: ['body/channel_id', 'body/location_id'],
        },
      ];
    },
    unchanged: () => [ordersOfA(), stockOfA(), ofSupplier('customers')],
  },
  'GET /api/v1/orders': { kind: 'list', seenBy: ['otherSupplierOwner', 'otherConsumerOwner', 'noOrg'] },
  'GET /api/v1/orders/{id}': {
    kind: 'object',
    attacks: () => [
      { params: { id: w.a.order.id } },
      { params: { id: w.a.staffOrder.id } },
      { params: { id: w.a.formerOrder.id } },
      { params: { id: w.a.formerStaffOrder.id } },
    ],
    unchanged: () => [ordersOfA()],
  },
  'PATCH /api/v1/orders/{id}/status': {
    kind: 'object',
    attacks: () => [
      { params: { id: w.a.order.id }, body: { status: 'cancelled' } },
      { params: { id: w.a.order.id }, body: { status: 'accepted' } },
      { params: { id: w.a.staffOrder.id }, body: { status: 'rejected' } },
      { params: { id: w.a.formerOrder.id }, body: { status: 'cancelled' } },
      { params: { id: w.a.formerStaffOrder.id }, body: { status: 'accepted' } },
    ],
    unchanged: () => [ordersOfA(), historyOf(w.a.order.id), historyOf(w.a.staffOrder.id), historyOf(w.a.formerOrder.id), stockOfA()],
  },
  'POST /api/v1/orders/{id}/cancel': {
    kind: 'object',
    attacks: () => [
      { params: { id: w.a.order.id }, body: { reason: 'not yours' } },
      { params: { id: w.a.staffOrder.id }, body: {} },
      { params: { id: w.a.formerOrder.id }, body: { reason: 'I left' } },
      { params: { id: w.a.formerStaffOrder.id }, body: {} },
    ],
    unchanged: () => [ordersOfA(), historyOf(w.a.order.id), historyOf(w.a.staffOrder.id), historyOf(w.a.formerOrder.id), stockOfA()],
  },
  'GET /api/v1/products/{id}/orders': {
    kind: 'object',
    attacks: () => [{ params: { id: w.a.products[0].id } }],
    unchanged: () => [ordersOfA()],
  },

  /* imports */
  'POST /api/v1/imports': {
    kind: 'object',
    attacks: () => [{ form: { fields: { kind: 'categories', supplier_id: w.a.supplier.org.id }, csv: `slug,name\nplanted-${uniq()},Planted\n` } }],
    unchanged: () => [ofSupplier('categories'), sql`select id from import_runs where supplier_id = ${w.a.supplier.org.id} order by id`],
  },
  'GET /api/v1/imports': { kind: 'list', seenBy: ['otherSupplierOwner'] },

  /* audit */
  'GET /api/v1/audit': {
    kind: 'list',
    seenBy: ['otherSupplierOwner', 'otherConsumerOwner'],
    extra: () => [
      `?organization_id=${w.a.supplier.org.id}`,
      `?organization_id=${w.a.consumer.org.id}`,
      `?entity_type=product&entity_id=${w.a.products[0].id}`,
      `?entity_id=${w.a.order.id}`,
      `?actor_id=${w.a.supplier.owner.id}`,
      `?entity_type=user&entity_id=${w.a.supplier.owner.id}`,
    ],
  },
  'GET /api/v1/imports/{id}': {
    kind: 'object',
    attacks: () => [{ params: { id: w.a.importRun.id } }],
    unchanged: () => [row('import_runs', w.a.importRun.id)],
  },

  /* event deliveries (platform admins only: an organization owner's `*` does not grant events:manage) */
  'GET /api/v1/admin/events/parked': { kind: 'list', seenBy: [], extra: () => [`?consumer=matrix`, `?event_type=order.placed`] },
  'POST /api/v1/admin/events/parked/{delivery_id}/redeliver': {
    kind: 'object',
    attacks: () => [{ params: { delivery_id: parkedDeliveryOfA }, expect: 403 }],
    unchanged: () => [sql`select id, state, attempts, next_attempt_at from outbox_deliveries where id = ${parkedDeliveryOfA}`],
  },
};

/** A parked delivery of the event of A's order (the redeliver attack aims at it). */
let parkedDeliveryOfA = '';
async function parkDeliveryOfA(): Promise<string> {
  const id = uuidv7();
  const inserted = await queryRows<{ id: string }>(
    database.db,
    sql`insert into outbox_deliveries (id, event_id, consumer, state, attempts, last_error)
        select ${id}, e.id, 'matrix', 'parked', 8, 'parked by the matrix' from outbox_events e where e.aggregate_id = ${w.a.order.id} limit 1
        returning id`,
  );
  if (inserted.length !== 1) throw new Error("A's order has no outbox event to park a delivery of");
  return id;
}

/** A's ids a list may be filtered by, per query parameter name: each becomes a variant of every list that takes it. */
const FILTERS: Record<string, () => string> = {
  supplier_id: () => w.a.supplier.org.id,
  consumer_id: () => w.a.consumer.org.id,
  product_id: () => w.a.products[0].id,
  location_id: () => w.a.branch.id,
  category_id: () => w.a.category.id,
  parent_id: () => w.a.category.id,
  customer_id: () => w.a.customer.id,
  channel_id: () => w.a.channel.id,
  transfer_id: () => w.a.transferId,
  created_by: () => w.a.supplier.owner.id,
};

/* ---------- running the entries ---------- */

const fillPath = (path: string, params: Record<string, string> = {}) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (params[name] === undefined) throw new Error(`no value for path parameter ${name} of ${path}`);
    return encodeURIComponent(params[name]);
  });

const snapshot = (queries: SQL[]) => Promise.all(queries.map((q) => queryRows<unknown>(database.db, q)));

async function checkObject(method: string, path: string, op: Op, entry: Extract<Entry, { kind: 'object' }>): Promise<string[]> {
  const failures: string[] = [];
  const before = await snapshot(entry.unchanged());
  const attacks = entry.attacks();
  expect(attacks.length).toBeGreaterThan(0);
  const runs = attacks.flatMap((attack, n) => (attack.as ?? CALLERS).map((caller) => ({ attack, n, caller })));
  await mapLimit(runs, CONCURRENCY, async ({ attack, n, caller }) => {
    const req: Req = { url: fillPath(path, attack.params) + (attack.query ?? ''), body: attack.body, form: attack.form };
    const wanted =
      typeof attack.expect === 'number'
        ? caller === 'anonymous' && requiresAuth(op)
          ? 401
          : attack.expect
        : (attack.expect?.[caller] ?? defaultRefusal(caller, op));
    const got = await send(method, req, tokenOf(caller));
    const what = `attack #${n + 1} as ${caller}`;
    if (got.status !== wanted) failures.push(`${what}: expected ${wanted}, got ${got.status} ${got.text.slice(0, 300)}`);
    const missing = wanted === 422 ? (attack.because ?? []).filter((p) => !got.errorPaths?.includes(p)) : [];
    if (missing.length) failures.push(`${what}: expected errors at ${missing.join(', ')}, got ${got.errorPaths?.join(', ') ?? got.text.slice(0, 300)}`);
    const unknown = await send(method, withUnknownIds(req, attack.keep ?? []), tokenOf(caller));
    if (unknown.status !== got.status || unknown.code !== got.code || JSON.stringify(unknown.errorPaths) !== JSON.stringify(got.errorPaths)) {
      const show = (a: Answer) => `${a.status} ${a.code ?? ''} ${a.errorPaths?.join(', ') ?? ''}`;
      failures.push(`${what}: answers ${show(got)} for A's object but ${show(unknown)} for an unknown one`);
    }
    const leaked = got.status < 300 ? leaks(got.text, caller).filter((m) => !JSON.stringify(req).includes(m)) : [];
    if (leaked.length) failures.push(`${what}: the answer shows A's ${leaked.join(', ')}`);
  });
  if (method === 'GET') {
    // The attacks aim at something real: A's own side reads it.
    for (const [n, attack] of attacks.entries()) {
      if (attack.control === 'none') continue;
      const token = attack.control === 'consumerOwner' ? w.a.consumer.owner.token : w.a.supplier.owner.token;
      const res = await send(method, { url: fillPath(path, attack.params) + (attack.query ?? '') }, token);
      if (res.status !== 200) failures.push(`attack #${n + 1}: control by A's ${attack.control ?? 'supplierOwner'} answered ${res.status}, not 200`);
    }
  }
  const after = await snapshot(entry.unchanged());
  after.forEach((rows, i) => {
    if (JSON.stringify(rows) !== JSON.stringify(before[i])) {
      failures.push(`A's rows changed (snapshot #${i + 1}): before ${JSON.stringify(before[i]).slice(0, 400)} after ${JSON.stringify(rows).slice(0, 400)}`);
    }
  });
  return failures;
}

async function checkList(method: string, path: string, op: Op, entry: Extract<Entry, { kind: 'list' }>): Promise<string[]> {
  const failures: string[] = [];
  const queryParams = new Set<string>((op.parameters ?? []).filter((p: Op) => p.in === 'query').map((p: Op) => p.name));
  const variants = ['', ...[...queryParams].filter((name) => FILTERS[name]).map((name) => `?${name}=${FILTERS[name]()}`), ...(entry.extra?.() ?? [])];
  const runs = variants.flatMap((query) => CALLERS.map((caller) => ({ query, caller })));
  await mapLimit(runs, CONCURRENCY, async ({ query, caller }) => {
    const got = await send(method, { url: path + query }, tokenOf(caller));
    const what = `${path}${query} as ${caller}`;
    if (caller === 'anonymous' && requiresAuth(op)) {
      if (got.status !== 401) failures.push(`${what}: expected 401, got ${got.status}`);
      return;
    }
    if (query === '' && entry.seenBy.includes(caller) && got.status !== 200)
      failures.push(`${what}: expected 200, got ${got.status} ${got.text.slice(0, 300)}`);
    if (![200, 403, 404, 422].includes(got.status))
      failures.push(`${what}: expected 200 without A's objects or a refusal, got ${got.status} ${got.text.slice(0, 300)}`);
    const leaked = got.status === 200 ? leaks(got.text, caller).filter((m) => !query.includes(encodeURIComponent(m)) && !query.includes(m)) : [];
    if (leaked.length) failures.push(`${what}: the list shows A's ${leaked.join(', ')}`);
  });
  return failures;
}

async function checkSelf(method: string, path: string, op: Op, entry: Extract<Entry, { kind: 'self' }>): Promise<string[]> {
  if (!entry.request) return [];
  const failures: string[] = [];
  const { body, expect: wanted = 200 } = entry.request();
  await mapLimit(CALLERS, CONCURRENCY, async (caller) => {
    const got = await send(method, { url: path, body }, tokenOf(caller));
    const expected = caller === 'anonymous' && requiresAuth(op) ? 401 : wanted;
    if (got.status !== expected) failures.push(`as ${caller}: expected ${expected}, got ${got.status} ${got.text.slice(0, 300)}`);
    const leaked = leaks(got.text, caller);
    if (leaked.length) failures.push(`as ${caller}: the answer shows A's ${leaked.join(', ')}`);
  });
  return failures;
}

/* ---------- tenant A's fingerprint ---------- */

async function fingerprintOfA(): Promise<Record<string, string>> {
  const orgs = ids([w.a.supplier.org.id, w.a.consumer.org.id]);
  const users = ids(usersOfA().map((u) => u.id));
  const ordersOfOrgs = sql`select id from orders where supplier_id = any(${orgs}) or consumer_id = any(${orgs})`;
  const productsOfOrgs = sql`select id from products where supplier_id = any(${orgs})`;
  const locationsOfOrgs = sql`select id from stock_locations where supplier_id = any(${orgs})`;
  const tables: [string, SQL][] = [
    ['organizations', sql`id = any(${orgs})`],
    ['memberships', sql`organization_id = any(${orgs})`],
    ['links', sql`supplier_id = any(${orgs}) or consumer_id = any(${orgs})`],
    ['categories', sql`supplier_id = any(${orgs})`],
    ['products', sql`supplier_id = any(${orgs})`],
    ['stock_locations', sql`supplier_id = any(${orgs})`],
    ['stock_levels', sql`product_id in (${productsOfOrgs}) or location_id in (${locationsOfOrgs})`],
    ['stock_movements', sql`product_id in (${productsOfOrgs}) or location_id in (${locationsOfOrgs})`],
    ['customers', sql`supplier_id = any(${orgs})`],
    ['sales_channels', sql`supplier_id = any(${orgs})`],
    ['orders', sql`supplier_id = any(${orgs}) or consumer_id = any(${orgs})`],
    ['order_lines', sql`order_id in (${ordersOfOrgs})`],
    ['order_status_history', sql`order_id in (${ordersOfOrgs})`],
    ['import_runs', sql`supplier_id = any(${orgs})`],
    ['users', sql`id = any(${users})`],
    ['refresh_tokens', sql`user_id = any(${users})`],
  ];
  const out: Record<string, string> = {};
  await Promise.all(
    tables.map(async ([table, where]) => {
      const [r] = await queryRows<{ n: number; h: string }>(
        database.db,
        sql`
      select count(*)::int as n, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h from ${sql.identifier(table)} x where ${where}`,
      );
      out[table] = `${r.n} rows ${r.h}`;
    }),
  );
  return out;
}

/* ---------- the tests ---------- */

describe('authorization matrix', () => {
  let fingerprint: Record<string, string>;

  beforeAll(async () => {
    w = await buildWorldOfTheMatrix();
    parkedDeliveryOfA = await parkDeliveryOfA();
    markers = markersOfA();
    fingerprint = await fingerprintOfA();
  });

  it('has an entry for every operation of the document, and an operation for every entry', () => {
    expect(operations.length).toBeGreaterThan(50);
    const inDocument = new Set(operations.map((o) => o.key));
    expect(operations.filter((o) => !MATRIX[o.key]).map((o) => `describe ${o.key} in the authorization matrix`)).toEqual([]);
    expect(
      Object.keys(MATRIX)
        .filter((k) => !inDocument.has(k))
        .map((k) => `${k} is in the authorization matrix but not in the document`),
    ).toEqual([]);
  });

  it.each(operations.map((o) => [o.key, o] as const))('%s', async (key, { method, path, op }) => {
    const entry = MATRIX[key];
    if (!entry) throw new Error(`describe ${key} in the authorization matrix`);
    let failures: string[] = [];
    if (entry.kind === 'object') failures = await checkObject(method, path, op, entry);
    else if (entry.kind === 'list') failures = await checkList(method, path, op, entry);
    else if (entry.kind === 'self') failures = await checkSelf(method, path, op, entry);
    else {
      expect(requiresAuth(op), `${key} is described as public but requires a token`).toBe(false);
      if (method === 'GET' && !path.includes('{')) {
        const got = await send(method, { url: path + (entry.query?.() ?? '') }, undefined);
        if (got.status !== 200) failures.push(`anonymous: expected 200, got ${got.status}`);
        const shown = entry.shows?.() ?? [];
        if (shown.some((m) => !got.text.includes(m))) failures.push(`anonymous: the answer does not show ${shown.join(', ')}: the check reads the wrong page`);
        const leaked = leaks(got.text).filter((m) => !shown.includes(m));
        if (leaked.length) failures.push(`anonymous: the answer shows A's ${leaked.join(', ')}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('never shows cost_price to a buyer: consumer members, a person without an organization, nobody', async () => {
    const a = w.a;
    // What each buyer can read, to fill the path and supplier_id of every GET route.
    const member = {
      supplier: a.supplier.org.id,
      product: a.product.id,
      order: a.order.id,
      link: a.link.id,
      org: a.consumer.org.id,
      category: a.category.id,
      sku: a.product.sku,
    };
    const person = { supplier: w.store.supplier.org.id, product: w.store.product.id, order: w.store.order.id, sku: w.store.product.sku };
    const buyers = [
      { who: 'consumer buyer', token: a.consumer.buyer.token, userId: a.consumer.buyer.id, view: member },
      { who: 'consumer owner', token: a.consumer.owner.token, userId: a.consumer.owner.id, view: member },
      { who: 'person without organization', token: w.store.shopper.token, userId: w.store.shopper.id, view: person },
      { who: 'anonymous', token: undefined, userId: uuidv7(), view: { supplier: w.store.supplier.org.id, product: w.store.product.id } },
    ];
    const SEGMENT_VIEW: Record<string, keyof typeof member> = {
      catalog: 'product',
      products: 'product',
      orders: 'order',
      links: 'link',
      organizations: 'org',
      categories: 'category',
    };
    const requests = operations
      .filter((o) => o.method === 'GET')
      .flatMap((o) => {
        const params = (o.op.parameters ?? []) as Op[];
        const hasQuery = (name: string) => params.some((p) => p.in === 'query' && p.name === name);
        return buyers.flatMap((b) => {
          const segment = o.path.split('/')[3];
          const view = b.view as Partial<Record<keyof typeof member, string>>;
          const url = o.path.replace(/\{(\w+)\}/g, (_, name: string) => {
            if (name === 'user_id') return b.userId;
            if (name === 'sku') return encodeURIComponent(view.sku ?? 'none');
            return view[SEGMENT_VIEW[segment]] ?? uuidv7();
          });
          const queries = [''];
          if (hasQuery('supplier_id')) queries.push(`?supplier_id=${view.supplier}`);
          if (hasQuery('supplier_id') && hasQuery('tree')) queries.push(`?supplier_id=${view.supplier}&tree=true`);
          return queries.map((q) => ({ key: `${o.key}${q ? ` ${q}` : ''}`, route: o.key, url: url + q, who: b.who, token: b.token }));
        });
      });
    const answers = await mapLimit(requests, CONCURRENCY, async (r) => ({ ...r, got: await send('GET', { url: r.url }, r.token) }));
    const leaking = answers.filter((r) => /cost_price|stock_movements/.test(r.got.text)).map((r) => `${r.key} as ${r.who}: ${r.got.text.slice(0, 200)}`);
    expect(leaking).toEqual([]);
    // The sweep read what buyers do read (not only refusals).
    const read = new Set(answers.filter((r) => r.got.status === 200).map((r) => `${r.route} as ${r.who}`));
    const mustRead = [
      'GET /api/v1/catalog/products as consumer buyer',
      'GET /api/v1/catalog/products/{id} as consumer buyer',
      'GET /api/v1/categories as consumer buyer',
      'GET /api/v1/categories/{id} as consumer buyer',
      'GET /api/v1/orders as consumer buyer',
      'GET /api/v1/orders/{id} as consumer buyer',
      'GET /api/v1/orders/{id} as consumer owner',
      'GET /api/v1/links/{id} as consumer buyer',
      'GET /api/v1/organizations/{id} as consumer buyer',
      'GET /api/v1/catalog/products/{id} as person without organization',
      'GET /api/v1/orders/{id} as person without organization',
      'GET /api/v1/orders as person without organization',
      'GET /api/v1/catalog/products/{id} as anonymous',
    ];
    expect(mustRead.filter((k) => !read.has(k))).toEqual([]);
    // The buyer's catalog holds A's products (with a cost price): what the sweep looked at could have leaked it.
    const list = answers.find((r) => r.url === `/api/v1/catalog/products?supplier_id=${a.supplier.org.id}` && r.who === 'consumer buyer')!;
    expect(list.got.text).toContain(a.product.id);
  });

  it('leaves a former member their own purchases as a person, and nothing of the organization they left', async () => {
    const mine = await call(app, 'GET', '/api/v1/orders', { token: w.formerBuyer.token });
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((o: Dto) => o.id)).toEqual([w.store.formerBuyerOrder.id]);
    expect((await call(app, 'GET', `/api/v1/orders/${w.store.formerBuyerOrder.id}`, { token: w.formerBuyer.token })).status).toBe(200);
    expect((await call(app, 'GET', '/api/v1/orders', { token: w.formerStaff.token })).body.total).toBe(0);
  });

  it('leaves every row of tenant A as it was', async () => {
    expect(await fingerprintOfA()).toEqual(fingerprint);
  });
});
