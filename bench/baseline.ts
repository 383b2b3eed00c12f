import { createHash } from 'node:crypto';
/**
 * The benchmark's BASELINE: a bare Fastify + `pg` server that does, for each benchmarked request,
 * the same database work as Agora — the same SQL statements, in the same order, in the same
 * transactions, on a pool of the same size — and nothing else: no schema validation, no rate
 * limit, no helmet/CORS, no request-id hook, no problem+json layer, no ORM; replies are
 * `JSON.stringify` of the same JSON Agora answers (bench/run.ts checks that both answer alike).
 *
 * Authentication is done like Agora's: the same HS256 JWT verified with fast-jwt (same options,
 * same verification cache), then the same actor query (user, memberships with role permissions,
 * platform roles) on every request, and the same access decisions on its result.
 *
 * EVERY STATEMENT IS IN THE `SQL` SECTION BELOW, one block per case. When Agora's queries change,
 * run `npm run bench` (the SQL trace step prints both servers' statements per request side by side
 * in bench/RESULTS.md) and edit them here.
 *
 * Environment: BASELINE_PORT, DATABASE_URL (postgres://…), BASELINE_POOL_MAX (10), JWT_SECRET,
 * JWT_ISSUER (agora).
 */
import { createVerifier } from 'fast-jwt';
import Fastify, { type FastifyReply } from 'fastify';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';

/* =====================================================================================
 * SQL — edit here when Agora's statements change (see the trace in bench/RESULTS.md)
 * ===================================================================================== */

/** Every request: the actor (`loadActor` of src/modules/organizations), one query. */
const SQL_ACTOR = `
select u.id, u.email, u.is_active,
  (select json_agg(json_build_object('organizationId', m.organization_id, 'organizationType', o.type,
                                     'role', r.key, 'permissions', r.permissions) order by m.created_at, m.id)
     from memberships m join roles r on r.id = m.role_id join organizations o on o.id = m.organization_id
    where m.user_id = u.id and o.is_active) as memberships,
  (select json_agg(r.permissions) from platform_role_assignments pa join roles r on r.id = pa.role_id
    where pa.user_id = u.id) as platform
from users u where u.id = $1`;

/* ---- (a) GET /api/v1/catalog/products?q=&category_id=&limit=&offset= (catalog.browse.repo.ts listCatalog) ----
 * Two statements run side by side (Promise.all, two pool connections): the page and the count.
 * Both share one WHERE built by `catalogWhere` below:
 *   listable (product active, not archived; supplier active and a supplier)
 *   AND visibility (public supplier OR one of the viewer's suppliers OR an accepted link of one of
 *       the viewer's consumer organizations — an EXISTS, never ids sent back)
 *   AND search_vector @@ to_tsquery('simple', 'word:* & …')        when q is given
 *   AND category_id IN (recursive CTE: the category and its descendants)  when category_id is given
 * Order when searching: relevance (ts_rank_cd) descending, then the id (descending) as tie-breaker;
 * without q: created_at descending, id descending.
 */
const CATALOG_PRODUCT_COLUMNS = `
  products.id, products.supplier_id, products.category_id, products.sku, products.name, products.description,
  products.price, products.cost_price, products.compare_at_price, products.currency, products.unit,
  products.image_url, products.attributes, products.is_active, products.archived_at, products.created_by,
  products.created_at, products.updated_at`;

function catalogWhere(v: Viewer, f: { search?: string; categoryId?: string }, params: unknown[]): string {
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  // Constants are bound as parameters, as Drizzle does.
  const conditions = [
    `products.is_active = ${p(true)}`,
    'products.archived_at is null',
    `organizations.is_active = ${p(true)}`,
    `organizations.type = ${p('supplier')}`,
  ];
  if (!v.all) {
    const visible = [`organizations.catalog_visibility = ${p('public')}`];
    // One array parameter each, as Agora sends them (statement text independent of the count).
    if (v.supplierIds.length) visible.push(`products.supplier_id = any(${p(v.supplierIds)}::uuid[])`);
    if (v.consumerIds.length) {
      visible.push(`exists (select 1 from links where links.supplier_id = products.supplier_id and links.status = ${p('accepted')}
                      and links.consumer_id = any(${p(v.consumerIds)}::uuid[]))`);
    }
    conditions.push(`(${visible.join(' or ')})`);
  }
  if (f.search !== undefined) conditions.push(`products.search_vector @@ to_tsquery('simple', ${p(f.search)})`);
  if (f.categoryId !== undefined) {
    conditions.push(`products.category_id in (
      with recursive subtree(id) as (
        select c.id from categories c where c.id = ${p(f.categoryId)}
        union
        select c.id from categories c join subtree s on c.parent_id = s.id
      ) select id from subtree)`);
  }
  return conditions.join(' and ');
}

function catalogPageSql(v: Viewer, f: { search?: string; categoryId?: string }, limit: number, offset: number) {
  const params: unknown[] = [];
  const where = catalogWhere(v, f, params);
  let order = 'products.created_at desc, products.id desc';
  if (f.search !== undefined) {
    params.push(f.search);
    order = `ts_rank_cd(products.search_vector, to_tsquery('simple', $${params.length})) desc, products.id desc`;
  }
  params.push(limit);
  // Agora binds limit and offset as parameters of its prepared statement (OFFSET 0 included).
  const tail = `limit $${params.length} offset $${params.push(offset)}`;
  const text = `
    select ${CATALOG_PRODUCT_COLUMNS}, organizations.name as supplier_name,
      (select coalesce(sum(sl.on_hand - sl.reserved), 0)::int
         from stock_levels sl join stock_locations loc on loc.id = sl.location_id
        where sl.product_id = products.id and loc.is_active) as available
    from products inner join organizations on organizations.id = products.supplier_id
    where ${where}
    order by ${order}
    ${tail}`;
  return { text, params };
}

function catalogCountSql(v: Viewer, f: { search?: string; categoryId?: string }) {
  const params: unknown[] = [];
  const where = catalogWhere(v, f, params);
  return { text: `select count(*) as total from products inner join organizations on organizations.id = products.supplier_id where ${where}`, params };
}

/* ---- (b) GET /api/v1/orders/:id (orders.service.ts getOrder) ----
 * The order with its parties' names (one join), then lines and status history side by side.
 * (Agora adds the order's stock movements for supplier staff with inventory:read: SQL_ORDER_MOVEMENTS.)
 */
const ORDER_HEAD_COLUMNS = `
  orders.id, orders.number, orders.supplier_id, orders.consumer_id, orders.placed_by, orders.customer_id,
  orders.channel_id, orders.source, orders.location_id, orders.status, orders.stock_state, orders.fulfilment,
  orders.shipping_address, orders.billing_address, orders.currency, orders.subtotal, orders.tax_rate,
  orders.tax_total, orders.shipping_total, orders.discount_total, orders.total, orders.notes,
  orders.created_at, orders.updated_at,
  supplier_org.name as supplier_name, consumer_org.name as consumer_name,
  customers.name as customer_name, customers.email as customer_email, sales_channels.name as channel_name`;
const SQL_ORDER = `
select ${ORDER_HEAD_COLUMNS}
from orders
  inner join organizations supplier_org on supplier_org.id = orders.supplier_id
  left join organizations consumer_org on consumer_org.id = orders.consumer_id
  left join customers on customers.id = orders.customer_id
  left join sales_channels on sales_channels.id = orders.channel_id
where orders.id = $1`;
const SQL_ORDER_LINES = `
select id, order_id, product_id, sku, name, unit_price, quantity, line_total, created_at
from order_lines where order_id = $1 order by created_at asc, id asc`;
const SQL_ORDER_HISTORY = `
select id, order_id, from_status, to_status, note, actor_id, created_at
from order_status_history where order_id = $1 order by created_at asc, id asc`;
const SQL_ORDER_MOVEMENTS = `
select id, product_id, location_id, reason, on_hand_before, on_hand_after, reserved_before, reserved_after,
       order_id, transfer_id, actor_id, note, created_at
from stock_movements where order_id = $1 order by created_at asc, id asc`;

/* ---- (c) POST /api/v1/orders, a buyer order (src/flows/place-order.ts placeOrder) ----
 * One transaction: BEGIN; supplier; accepted links of the buyer's consumer organizations;
 * the consumer; the products; the customer record; the default sales channel; the default stock
 * location; INSERT order (number from the sequence) RETURNING; INSERT lines RETURNING; INSERT
 * history RETURNING; the order re-read with its parties (SQL_ORDER); per line in product-id order
 * the conditional reservation UPDATE … RETURNING; INSERT movements (one statement); INSERT outbox
 * event; COMMIT.
 */
const ORGANIZATION_COLUMNS = `id, type, name, slug, catalog_visibility, currency, tax_rate, delivery_fee, free_delivery_threshold, is_active, created_at, updated_at`;
const SQL_PLACE_ORGANIZATION = `select ${ORGANIZATION_COLUMNS} from organizations where id = $1`;
const SQL_PLACE_LINKED_CONSUMERS = (n: number) =>
  `select consumer_id from links where supplier_id = $1 and status = $2 and consumer_id in (${Array.from({ length: n }, (_, i) => `$${i + 3}`).join(', ')})`;
const SQL_PLACE_PRODUCTS = (n: number) => `
select id, supplier_id, category_id, sku, name, description, price, cost_price, compare_at_price, currency, unit,
       image_url, attributes, is_active, archived_at, created_by, created_at, updated_at
from products where id in (${Array.from({ length: n }, (_, i) => `$${i + 1}`).join(', ')})`;
const SQL_PLACE_CUSTOMER = `
select id, supplier_id, user_id, consumer_id, name, email, phone, shipping_address, billing_address, notes, created_at, updated_at
from customers where supplier_id = $1 and consumer_id = $2`;
const SQL_PLACE_DEFAULT_CHANNEL = `
select id, supplier_id, name, kind, description, is_default, is_active, created_at, updated_at
from sales_channels where supplier_id = $1 and is_default = $2`;
const SQL_PLACE_DEFAULT_LOCATION = `select id, name from stock_locations where supplier_id = $1 and is_default = $2`;
const ORDER_ROW_COLUMNS = `
  id, number, supplier_id, consumer_id, placed_by, customer_id, channel_id, source, location_id, status, stock_state,
  fulfilment, shipping_address, billing_address, currency, subtotal, tax_rate, tax_total, shipping_total,
  discount_total, total, notes, created_at, updated_at`;
const SQL_PLACE_INSERT_ORDER = `
insert into orders (id, number, supplier_id, consumer_id, placed_by, customer_id, channel_id, source, location_id,
  status, stock_state, fulfilment, shipping_address, billing_address, currency, subtotal, tax_rate, tax_total,
  shipping_total, discount_total, total, notes, created_at, updated_at)
values ($1, 'ORD-' || nextval('order_number_seq'), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
  $17, $18, $19, $20, $21, default, default)
returning ${ORDER_ROW_COLUMNS}`;
const SQL_PLACE_INSERT_LINES = (n: number) => `
insert into order_lines (id, order_id, product_id, sku, name, unit_price, quantity, line_total, created_at)
values ${Array.from({ length: n }, (_, i) => `(${Array.from({ length: 8 }, (_, j) => `$${i * 8 + j + 1}`).join(', ')}, default)`).join(', ')}
returning id, order_id, product_id, sku, name, unit_price, quantity, line_total, created_at`;
const SQL_PLACE_INSERT_HISTORY = `
insert into order_status_history (id, order_id, from_status, to_status, note, actor_id, created_at)
values ($1, $2, $3, $4, default, $5, default)
returning id, order_id, from_status, to_status, note, actor_id, created_at`;
const SQL_PLACE_RESERVE = `
update stock_levels set reserved = stock_levels.reserved + $1, updated_at = now()
where ((stock_levels.product_id = $2 and stock_levels.location_id = $3) and stock_levels.on_hand - stock_levels.reserved >= $4)
returning on_hand, reserved`;
const SQL_PLACE_INSERT_MOVEMENTS = (n: number) => `
insert into stock_movements (id, product_id, location_id, reason, on_hand_before, on_hand_after, reserved_before,
  reserved_after, order_id, transfer_id, actor_id, note, created_at)
values ${Array.from({ length: n }, (_, i) => `(${Array.from({ length: 9 }, (_, j) => `$${i * 10 + j + 1}`).join(', ')}, default, $${i * 10 + 10}, default, default)`).join(', ')}`;
const SQL_PLACE_INSERT_OUTBOX = `
insert into outbox_events (id, type, aggregate_type, aggregate_id, organization_id, payload, created_at, delivered_at)
values ($1, $2, $3, $4, $5, $6, default, default)`;

/* =====================================================================================
 * Server
 * ===================================================================================== */

const port = Number(process.env.BASELINE_PORT || 3402);
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.BASELINE_POOL_MAX || 10),
  connectionTimeoutMillis: 5000,
});
pool.on('error', () => undefined);

/**
 * A named (prepared) statement, for exactly the statements Agora prepares (src/infra/db/prepared.ts):
 * the actor, the order reads, and the catalog page and count (named per statement text, as Agora
 * names them per shape). PostgreSQL then parses and plans each once per connection, for both servers.
 */
const named = (name: string, text: string, values: unknown[]) => ({ name, text, values });
const textKeys = new Map<string, string>();
const textKey = (text: string) => {
  let k = textKeys.get(text);
  if (!k) textKeys.set(text, (k = createHash('sha1').update(text).digest('hex').slice(0, 16)));
  return k;
};

const verify = createVerifier({
  key: process.env.JWT_SECRET ?? '',
  algorithms: ['HS256'],
  allowedIss: process.env.JWT_ISSUER || 'agora',
  cache: 1000,
});

interface Membership {
  organizationId: string;
  organizationType: 'supplier' | 'consumer';
  role: string;
  permissions: string[];
}
interface Actor {
  userId: string;
  email: string;
  memberships: Membership[];
  platform: string[];
}
interface Viewer {
  all: boolean;
  consumerIds: string[];
  supplierIds: string[];
}

/** Same rule as src/infra/access.ts `permits`. */
function permits(granted: readonly string[], permission: string): boolean {
  const resource = permission.slice(0, permission.indexOf(':'));
  return granted.some((g) => g === '*' || g === permission || g === `${resource}:*`);
}
function can(a: Actor, permission: string, orgId: string): boolean {
  if (permits(a.platform, permission)) return true;
  const m = a.memberships.find((x) => x.organizationId === orgId);
  return m !== undefined && permits(m.permissions, permission);
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** JWT → actor, as Agora's auth hook: verify, then one query. */
async function authenticate(header: string | undefined): Promise<Actor> {
  if (!header?.startsWith('Bearer ')) throw new HttpError(401, 'UNAUTHENTICATED');
  let claims: { sub?: string; typ?: string };
  try {
    claims = verify(header.slice(7));
  } catch {
    throw new HttpError(401, 'INVALID_TOKEN');
  }
  if (claims.typ !== 'access' || !claims.sub || !UUID_RE.test(claims.sub)) throw new HttpError(401, 'INVALID_TOKEN');
  const { rows } = await pool.query(named('auth_load_actor', SQL_ACTOR, [claims.sub]));
  const row = rows[0];
  if (!row) throw new HttpError(401, 'INVALID_TOKEN');
  if (!row.is_active) throw new HttpError(403, 'USER_INACTIVE');
  return { userId: row.id, email: row.email, memberships: row.memberships ?? [], platform: (row.platform ?? []).flat() };
}

/* ---- money: numeric(19,4) strings as scaled integers (exact, like Agora's decimal.js) ---- */

const digitsCache = new Map<string, number>();
function minorDigits(currency: string): number {
  let d = digitsCache.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    digitsCache.set(currency, d);
  }
  return d;
}
/** "123.45" → 1234500n (4 decimals). */
function units(s: string): bigint {
  const neg = s.startsWith('-');
  const [i, f = ''] = (neg ? s.slice(1) : s).split('.');
  const v = BigInt(i || '0') * 10000n + BigInt((f + '0000').slice(0, 4));
  return neg ? -v : v;
}
/** Rounds a scaled value (non-negative) half-up from `scale` decimals to `digits`, returned at `digits`. */
function roundHalfUp(v: bigint, scale: number, digits: number): bigint {
  if (digits >= scale) return v * 10n ** BigInt(digits - scale);
  const div = 10n ** BigInt(scale - digits);
  return (v + div / 2n) / div;
}
function show(v: bigint, digits: number): string {
  const neg = v < 0n;
  const s = (neg ? -v : v).toString().padStart(digits + 1, '0');
  const out = digits === 0 ? s : `${s.slice(0, -digits)}.${s.slice(-digits)}`;
  return neg ? `-${out}` : out;
}
const money = (stored: string, currency: string) => {
  const d = minorDigits(currency);
  return show(roundHalfUp(units(stored), 4, d), d);
};
/** numeric(7,4) rate → shortest decimal ("17.0000" → "17"). */
const rate = (stored: string) => (stored.includes('.') ? stored.replace(/\.?0+$/, '') : stored) || '0';
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/* ---- DTOs: the same JSON Agora answers ---- */

function catalogItem(r: any) {
  return {
    id: r.id,
    supplier: { id: r.supplier_id, name: r.supplier_name },
    sku: r.sku,
    name: r.name,
    description: r.description,
    price: money(r.price, r.currency),
    compare_at_price: r.compare_at_price === null ? null : money(r.compare_at_price, r.currency),
    currency: r.currency,
    category_id: r.category_id,
    unit: r.unit,
    image_url: r.image_url,
    attributes: r.attributes,
    available: r.available,
    created_at: iso(r.created_at),
  };
}

function orderDto(o: any, lines: any[], history: any[], movements?: any[]) {
  const m = (v: string) => money(v, o.currency);
  const dto: Record<string, unknown> = {
    id: o.id,
    number: o.number,
    status: o.status,
    stock_state: o.stock_state,
    source: o.source,
    supplier: { id: o.supplier_id, name: o.supplier_name },
    consumer: o.consumer_id ? { id: o.consumer_id, name: o.consumer_name ?? '' } : null,
    customer: o.customer_id ? { id: o.customer_id, name: o.customer_name ?? '', email: o.customer_email } : null,
    channel: o.channel_id ? { id: o.channel_id, name: o.channel_name ?? '' } : null,
    placed_by: o.placed_by,
    location_id: o.location_id,
    fulfilment: o.fulfilment,
    shipping_address: o.shipping_address,
    billing_address: o.billing_address,
    currency: o.currency,
    subtotal: m(o.subtotal),
    tax_rate: rate(o.tax_rate),
    tax_total: m(o.tax_total),
    shipping_total: m(o.shipping_total),
    discount_total: m(o.discount_total),
    total: m(o.total),
    notes: o.notes,
    created_at: iso(o.created_at),
    updated_at: iso(o.updated_at),
    lines: lines.map((l) => ({
      id: l.id,
      product_id: l.product_id,
      sku: l.sku,
      name: l.name,
      unit_price: m(l.unit_price),
      quantity: l.quantity,
      line_total: m(l.line_total),
    })),
    status_history: history.map((h) => ({
      from_status: h.from_status,
      to_status: h.to_status,
      note: h.note,
      actor_id: h.actor_id,
      created_at: iso(h.created_at),
    })),
  };
  if (movements) {
    dto.stock_movements = movements.map((mv) => ({
      id: mv.id,
      product_id: mv.product_id,
      location_id: mv.location_id,
      reason: mv.reason,
      delta_on_hand: mv.on_hand_after - mv.on_hand_before,
      on_hand_before: mv.on_hand_before,
      on_hand_after: mv.on_hand_after,
      reserved_before: mv.reserved_before,
      reserved_after: mv.reserved_after,
      order_id: mv.order_id,
      actor_id: mv.actor_id,
      note: mv.note,
      created_at: iso(mv.created_at),
    }));
  }
  return dto;
}

/** Same rule as catalog.products.repo.ts `prefixQuery`. */
function prefixQuery(text: string): string | null {
  const words = text.normalize('NFC').match(/[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu) ?? [];
  if (words.length === 0) return null;
  return [...new Set(words)]
    .slice(0, 16)
    .map((w) => `${w}:*`)
    .join(' & ');
}

const app = Fastify({ logger: false });

function json(reply: FastifyReply, status: number, body: unknown) {
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
}

app.setErrorHandler((err, _req, reply) => {
  if (err instanceof HttpError) return json(reply, err.status, { status: err.status, code: err.code });
  return json(reply, 500, { status: 500, code: 'INTERNAL', detail: (err as Error).message });
});

app.get('/health', async (_req, reply) => {
  await pool.query('select 1');
  return json(reply, 200, { status: 'ok' });
});

/* (a) */
app.get('/api/v1/catalog/products', async (req, reply) => {
  const actor = await authenticate(req.headers.authorization);
  const q = req.query as Record<string, string | undefined>;
  const limit = Math.min(100, Math.max(1, Number(q.limit ?? 20) || 20));
  const offset = Math.max(0, Number(q.offset ?? 0) || 0);
  const browsing = actor.memberships.filter((m) => permits(m.permissions, 'catalog:browse'));
  const viewer: Viewer = {
    all: permits(actor.platform, 'catalog:browse'),
    consumerIds: browsing.filter((m) => m.organizationType === 'consumer').map((m) => m.organizationId),
    supplierIds: browsing.filter((m) => m.organizationType === 'supplier').map((m) => m.organizationId),
  };
  let search: string | undefined;
  if (q.q !== undefined) {
    const s = prefixQuery(q.q);
    if (s === null) return json(reply, 200, { items: [], total: 0, limit, offset });
    search = s;
  }
  const f = { search, categoryId: q.category_id };
  const page = catalogPageSql(viewer, f, limit, offset);
  const count = catalogCountSql(viewer, f);
  const [items, total] = await Promise.all([
    pool.query(named(`catalog_page_${textKey(page.text)}`, page.text, page.params)),
    pool.query(named(`catalog_count_${textKey(count.text)}`, count.text, count.params)),
  ]);
  return json(reply, 200, { items: items.rows.map(catalogItem), total: Number(total.rows[0].total), limit, offset });
});

/* (b) */
app.get('/api/v1/orders/:id', async (req, reply) => {
  const actor = await authenticate(req.headers.authorization);
  const { id } = req.params as { id: string };
  if (!UUID_RE.test(id)) throw new HttpError(422, 'VALIDATION_FAILED');
  const o = (await pool.query(named('orders_find_by_id', SQL_ORDER, [id]))).rows[0];
  const visible =
    o && (o.placed_by === actor.userId || can(actor, 'orders:read', o.supplier_id) || (o.consumer_id !== null && can(actor, 'orders:read', o.consumer_id)));
  if (!visible) throw new HttpError(404, 'NOT_FOUND');
  const staffStock = can(actor, 'inventory:read', o.supplier_id);
  const [lines, history, movements] = await Promise.all([
    pool.query(named('orders_lines_by_order', SQL_ORDER_LINES, [id])),
    pool.query(named('orders_history_by_order', SQL_ORDER_HISTORY, [id])),
    staffStock ? pool.query(named('inventory_movements_by_order', SQL_ORDER_MOVEMENTS, [id])) : undefined,
  ]);
  return json(reply, 200, orderDto(o, lines.rows, history.rows, movements?.rows));
});

/* (c) — the buyer path of placeOrder only (what the benchmark sends). */
app.post('/api/v1/orders', async (req, reply) => {
  const actor = await authenticate(req.headers.authorization);
  const body = req.body as { supplier_id: string; items: { product_id: string; quantity: number }[]; notes?: string };
  if (!body || typeof body.supplier_id !== 'string' || !Array.isArray(body.items) || body.items.length === 0) throw new HttpError(422, 'VALIDATION_FAILED');
  // Merge lines of the same product (first-appearance order).
  const merged = new Map<string, number>();
  for (const it of body.items) merged.set(it.product_id, (merged.get(it.product_id) ?? 0) + it.quantity);
  const ids = [...merged.keys()];

  const client = await pool.connect();
  try {
    await client.query('begin');
    const supplier = (await client.query(SQL_PLACE_ORGANIZATION, [body.supplier_id])).rows[0];
    if (!supplier || supplier.type !== 'supplier' || !supplier.is_active) throw new HttpError(404, 'NOT_FOUND');
    if (actor.memberships.some((m) => m.organizationId === supplier.id)) throw new HttpError(501, 'STAFF_ORDERS_NOT_IN_BASELINE');
    const candidates = actor.memberships
      .filter((m) => m.organizationType === 'consumer' && permits(m.permissions, 'orders:create'))
      .map((m) => m.organizationId);
    const linked = candidates.length
      ? (await client.query(SQL_PLACE_LINKED_CONSUMERS(candidates.length), [supplier.id, 'accepted', ...candidates])).rows.map((r) => r.consumer_id as string)
      : [];
    if (linked.length !== 1) throw new HttpError(linked.length > 1 ? 422 : 403, linked.length > 1 ? 'VALIDATION_FAILED' : 'NO_ACCEPTED_LINK');
    const consumer = (await client.query(SQL_PLACE_ORGANIZATION, [linked[0]])).rows[0];

    const products = new Map((await client.query(SQL_PLACE_PRODUCTS(ids.length), ids)).rows.map((p) => [p.id as string, p]));
    const lines = ids.map((pid) => {
      const p = products.get(pid);
      if (!p || p.supplier_id !== supplier.id || p.archived_at || !p.is_active) throw new HttpError(422, 'VALIDATION_FAILED');
      return { productId: pid, sku: p.sku as string, name: p.name as string, unitPrice: p.price as string, quantity: merged.get(pid)! };
    });

    // First-use rows (customer record, default channel, default location) exist: the seeding's orders made them through Agora.
    const customer = (await client.query(SQL_PLACE_CUSTOMER, [supplier.id, consumer.id])).rows[0];
    const channel = (await client.query(SQL_PLACE_DEFAULT_CHANNEL, [supplier.id, true])).rows[0];
    const location = (await client.query(SQL_PLACE_DEFAULT_LOCATION, [supplier.id, true])).rows[0];
    if (!customer || !channel || !location) throw new HttpError(500, 'BASELINE_NEEDS_SEEDED_CUSTOMER_CHANNEL_LOCATION');

    // Totals, exactly (4 decimals as stored): lines, tax on goods rounded to the currency, delivery fee rule.
    const digits = minorDigits(supplier.currency);
    const lineTotals = lines.map((l) => units(l.unitPrice) * BigInt(l.quantity));
    const subtotal = lineTotals.reduce((a, b) => a + b, 0n);
    const taxRate = units(supplier.tax_rate);
    const tax = taxRate === 0n ? 0n : roundHalfUp(subtotal * taxRate, 10, digits) * 10n ** BigInt(4 - digits); // (units × rate) / 100 has 10 decimals
    const threshold = supplier.free_delivery_threshold === null ? null : units(supplier.free_delivery_threshold);
    const shipping = threshold !== null && subtotal >= threshold ? 0n : units(supplier.delivery_fee);
    const total = subtotal + tax + shipping;
    const s4 = (v: bigint) => show(v, 4);

    const orderId = uuidv7();
    await client.query(SQL_PLACE_INSERT_ORDER, [
      orderId,
      supplier.id,
      consumer.id,
      actor.userId,
      customer.id,
      channel.id,
      'buyer',
      location.id,
      'pending',
      'reserved',
      'delivery',
      customer.shipping_address,
      customer.billing_address,
      supplier.currency,
      s4(subtotal),
      supplier.tax_rate,
      s4(tax),
      s4(shipping),
      s4(0n),
      s4(total),
      body.notes ?? null,
    ]);
    const lineParams = lines.flatMap((l, i) => [uuidv7(), orderId, l.productId, l.sku, l.name, l.unitPrice, l.quantity, s4(lineTotals[i])]);
    const insertedLines = (await client.query(SQL_PLACE_INSERT_LINES(lines.length), lineParams)).rows;
    const history = (await client.query(SQL_PLACE_INSERT_HISTORY, [uuidv7(), orderId, null, 'pending', actor.userId])).rows;
    const order = (await client.query(named('orders_find_by_id', SQL_ORDER, [orderId]))).rows[0];

    // Reservations in product-id order, each conditional (no oversell, no deadlock).
    const sorted = [...lines].sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
    const movementParams: unknown[] = [];
    for (const l of sorted) {
      const r = (await client.query(SQL_PLACE_RESERVE, [l.quantity, l.productId, location.id, l.quantity])).rows[0];
      if (!r) {
        await client.query('rollback');
        return json(reply, 409, { status: 409, code: 'INSUFFICIENT_STOCK' });
      }
      movementParams.push(uuidv7(), l.productId, location.id, 'reservation', r.on_hand, r.on_hand, r.reserved - l.quantity, r.reserved, orderId, actor.userId);
    }
    await client.query(SQL_PLACE_INSERT_MOVEMENTS(sorted.length), movementParams);
    await client.query(SQL_PLACE_INSERT_OUTBOX, [
      uuidv7(),
      'order.placed',
      'order',
      orderId,
      supplier.id,
      JSON.stringify({
        order_id: orderId,
        number: order.number,
        supplier_id: supplier.id,
        consumer_id: consumer.id,
        customer_id: customer.id,
        channel_id: channel.id,
        source: 'buyer',
        placed_by: actor.userId,
        currency: supplier.currency,
        total: money(s4(total), supplier.currency),
        lines: lines.map((l) => ({ product_id: l.productId, sku: l.sku, quantity: l.quantity })),
      }),
    ]);
    await client.query('commit');
    return json(reply, 201, orderDto(order, insertedLines, history));
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
});

await app.listen({ port, host: '127.0.0.1' });
console.log(`baseline listening on http://127.0.0.1:${port}`);

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(
    sig,
    () =>
      void (async () => {
        await app.close();
        await pool.end();
        process.exit(0);
      })(),
  );
}
