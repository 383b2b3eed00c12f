/**
 * The benchmark's data set, created through Agora's public API (so every row obeys its rules:
 * SKU uniqueness, category ownership, initial stock and its movement, link workflow, order
 * placement with reservations).
 *
 * - 3 suppliers, each with an owner and a tree of 12 categories (3 roots × 3 children):
 *   A "Harbor Home Store"            public catalog (a store)
 *   B "Northwind Industrial Supply"  linked catalog; the bench consumer has an ACCEPTED link
 *   C "Atlas Textiles"               linked catalog; no link, so the bench buyer must not see it
 * - 1 consumer organization "Bench Retail" (owner + a `buyer` member: the bench's actor).
 * - BENCH_PRODUCTS products (default 10,000) split evenly over the suppliers, each with
 *   1,000,000 units of initial stock (no order can run out). The first BENCH_SEED_API (default
 *   900: 300 per supplier) are created with `POST /api/v1/products` + `initial_stock`; the rest by
 *   multi-row SQL INSERTs of exactly the rows that endpoint writes (`bulkInsertProducts`), because
 *   10,000 API calls take minutes on a busy 2-core machine. BENCH_SEED_API=BENCH_PRODUCTS creates
 *   every product through the API.
 * - 20 orders of the buyer at supplier B with 3–5 lines each (case b reads them).
 *
 * Names are "<adjective> <material> <noun> <size>" with 25 materials drawn uniformly, so a one-word
 * text query on a material (`copper`) matches ~1/25 of the products (a few hundred), not all or
 * none. Descriptions use other words only. Everything is drawn from a fixed-seed PRNG: two runs
 * build the same data set (ids and times aside).
 */

import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';

export const PASSWORD = 'BenchPassword123';
/** Requests in flight while creating products through the API. */
export const SEED_CONCURRENCY = 12;
export const INITIAL_STOCK = 1_000_000;
export const ORDERS_FOR_READS = 20;
/** How many of supplier B's products the order placement case (c) draws its lines from. */
export const ORDERABLE_POOL = 300;
/** The text query of case (a): a material, ~1/25 of all names. */
export const CATALOG_QUERY = 'copper';

/** mulberry32: a small deterministic PRNG (uniform in [0, 1)). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ADJECTIVES = [
  'Heavy-duty',
  'Compact',
  'Premium',
  'Classic',
  'Industrial',
  'Portable',
  'Slim',
  'Reinforced',
  'Eco',
  'Professional',
  'Deluxe',
  'Standard',
  'Modular',
  'Rustic',
  'Modern',
  'Foldable',
  'Insulated',
  'Waterproof',
  'Lightweight',
  'Vintage',
];
/** Uniformly drawn: each one is in ~4% of the names. No word here is a prefix of another word used. */
const MATERIALS = [
  'steel',
  'copper',
  'oak',
  'walnut',
  'bamboo',
  'ceramic',
  'glass',
  'cotton',
  'linen',
  'wool',
  'leather',
  'aluminium',
  'brass',
  'marble',
  'granite',
  'rubber',
  'silicone',
  'porcelain',
  'cedar',
  'pine',
  'maple',
  'bronze',
  'titanium',
  'canvas',
  'felt',
];
const FINISHES = ['matte', 'polished', 'brushed', 'lacquered', 'natural', 'oiled', 'powder-coated', 'satin', 'raw', 'enamelled'];
const USES = ['daily use', 'professional kitchens', 'workshops', 'retail display', 'outdoor projects', 'hotels and cafes', 'warehouses', 'small offices'];

interface CategorySpec {
  name: string;
  children: { name: string; nouns: string[] }[];
}

interface SupplierSpec {
  key: 'A' | 'B' | 'C';
  name: string;
  visibility: 'public' | 'linked';
  currency: string;
  categories: CategorySpec[];
}

export const SUPPLIERS: SupplierSpec[] = [
  {
    key: 'A',
    name: 'Harbor Home Store',
    visibility: 'public',
    currency: 'ILS',
    categories: [
      {
        name: 'Kitchen',
        children: [
          { name: 'Cookware', nouns: ['pan', 'skillet', 'saucepan', 'wok', 'stockpot'] },
          { name: 'Tableware', nouns: ['plate', 'bowl', 'mug', 'tumbler', 'platter'] },
          { name: 'Kitchen storage', nouns: ['jar', 'canister', 'bread box', 'spice rack', 'tray'] },
        ],
      },
      {
        name: 'Furniture',
        children: [
          { name: 'Chairs', nouns: ['chair', 'stool', 'bench', 'armchair'] },
          { name: 'Tables', nouns: ['table', 'desk', 'side table', 'console'] },
          { name: 'Shelving', nouns: ['shelf', 'bookcase', 'wall rack', 'cabinet'] },
        ],
      },
      {
        name: 'Garden',
        children: [
          { name: 'Planters', nouns: ['planter', 'pot', 'window box', 'trough'] },
          { name: 'Garden tools', nouns: ['trowel', 'rake', 'pruner', 'watering can'] },
          { name: 'Outdoor lighting', nouns: ['lantern', 'path light', 'string light', 'torch'] },
        ],
      },
    ],
  },
  {
    key: 'B',
    name: 'Northwind Industrial Supply',
    visibility: 'linked',
    currency: 'KZT',
    categories: [
      {
        name: 'Hardware',
        children: [
          { name: 'Fasteners', nouns: ['bolt', 'screw', 'anchor', 'rivet', 'washer'] },
          { name: 'Brackets', nouns: ['bracket', 'angle plate', 'mounting plate', 'corner brace'] },
          { name: 'Hinges', nouns: ['hinge', 'hasp', 'latch', 'door closer'] },
        ],
      },
      {
        name: 'Plumbing',
        children: [
          { name: 'Pipes', nouns: ['pipe', 'tube', 'hose', 'conduit'] },
          { name: 'Valves', nouns: ['valve', 'stopcock', 'faucet', 'tap'] },
          { name: 'Fittings', nouns: ['elbow', 'coupling', 'tee', 'flange', 'adapter'] },
        ],
      },
      {
        name: 'Electrical',
        children: [
          { name: 'Cables', nouns: ['cable', 'wire', 'cord', 'extension lead'] },
          { name: 'Switches', nouns: ['switch', 'socket', 'dimmer', 'junction box'] },
          { name: 'Lamps', nouns: ['lamp', 'floodlight', 'work light', 'bulkhead light'] },
        ],
      },
    ],
  },
  {
    key: 'C',
    name: 'Atlas Textiles',
    visibility: 'linked',
    currency: 'USD',
    categories: [
      {
        name: 'Apparel',
        children: [
          { name: 'Shirts', nouns: ['shirt', 'polo', 'blouse', 'tunic'] },
          { name: 'Jackets', nouns: ['jacket', 'vest', 'coat', 'parka'] },
          { name: 'Scarves', nouns: ['scarf', 'shawl', 'bandana', 'wrap'] },
        ],
      },
      {
        name: 'Home textiles',
        children: [
          { name: 'Towels', nouns: ['towel', 'bath sheet', 'washcloth', 'robe'] },
          { name: 'Bedding', nouns: ['duvet cover', 'pillowcase', 'blanket', 'throw'] },
          { name: 'Curtains', nouns: ['curtain', 'drape', 'blind', 'valance'] },
        ],
      },
      {
        name: 'Bags',
        children: [
          { name: 'Backpacks', nouns: ['backpack', 'rucksack', 'daypack', 'sling bag'] },
          { name: 'Totes', nouns: ['tote', 'shopper', 'market bag', 'beach bag'] },
          { name: 'Wallets', nouns: ['wallet', 'purse', 'card holder', 'pouch'] },
        ],
      },
    ],
  },
];

/* ---------- a tiny HTTP client ---------- */

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** JSON request to the Agora API; throws ApiError with the problem body when the status is not `expect`. */
export async function api<T = any>(base: string, method: string, path: string, opts: { token?: string; body?: unknown; expect?: number } = {}): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  const expect = opts.expect ?? (method === 'POST' ? 201 : 200);
  if (res.status !== expect) {
    throw new ApiError(`${method} ${path} answered ${res.status} (expected ${expect}): ${text.slice(0, 500)}`, res.status, body);
  }
  return body as T;
}

/** Runs `fn` over `items` with at most `concurrency` calls in flight; stops at the first error. */
export async function mapLimit<T, R>(items: T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i], i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failed !== undefined) throw failed instanceof Error ? failed : new Error(JSON.stringify(failed));
  return out;
}

/* ---------- the data set ---------- */

export interface User {
  id: string;
  email: string;
  token: string;
}

export interface SeededCategory {
  id: string;
  name: string;
  parentId: string | null;
  nouns: string[];
}

export interface SeededSupplier {
  key: 'A' | 'B' | 'C';
  id: string;
  name: string;
  visibility: 'public' | 'linked';
  owner: User;
  categories: SeededCategory[];
  productIds: string[];
}

export interface Dataset {
  suppliers: SeededSupplier[];
  consumer: { id: string; name: string; owner: User; buyer: User };
  /** The buyer's orders at supplier B (case b). */
  orderIds: string[];
  /** Supplier B's products case (c) orders from. */
  orderablePool: string[];
  /** Case (a): the text query and the category (a root of supplier B, so descendants count). */
  catalogQuery: string;
  catalogCategory: { id: string; name: string; supplier: string };
  productCount: number;
  seedSeconds: number;
  method: string;
}

const runId = () => Math.random().toString(36).slice(2, 8);

async function register(base: string, email: string, fullName: string): Promise<User> {
  const r = await api(base, 'POST', '/api/v1/auth/register', { body: { email, password: PASSWORD, full_name: fullName } });
  return { id: r.user.id, email, token: r.access_token };
}

/**
 * Seeds the data set through the API of the Agora server at `base`; products beyond the first
 * `apiProducts` are inserted with multi-row SQL into `databaseUrl` (the same rows
 * `POST /api/v1/products` with `initial_stock` writes: the product, its stock level at the
 * supplier's default location, an `initial` stock movement).
 * @param productCount total products (split evenly over the three suppliers).
 */
export async function seed(
  base: string,
  opts: { productCount: number; apiProducts: number; databaseUrl: string },
  log: (msg: string) => void,
): Promise<Dataset> {
  const { productCount } = opts;
  const apiProducts = Math.min(productCount, opts.apiProducts);
  const started = Date.now();
  const rnd = prng(20260901);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
  const tag = runId();

  // Suppliers, their owners and category trees.
  const suppliers: SeededSupplier[] = [];
  for (const spec of SUPPLIERS) {
    const owner = await register(base, `bench-supplier-${spec.key.toLowerCase()}-${tag}@example.com`, `${spec.name} Owner`);
    const org = await api(base, 'POST', '/api/v1/organizations', {
      token: owner.token,
      body: { type: 'supplier', name: spec.name, catalog_visibility: spec.visibility, currency: spec.currency },
    });
    const categories: SeededCategory[] = [];
    for (const root of spec.categories) {
      const r = await api(base, 'POST', '/api/v1/categories', { token: owner.token, body: { name: root.name, supplier_id: org.id } });
      categories.push({ id: r.id, name: root.name, parentId: null, nouns: root.children.flatMap((c) => c.nouns) });
      for (const child of root.children) {
        const c = await api(base, 'POST', '/api/v1/categories', { token: owner.token, body: { name: child.name, parent_id: r.id, supplier_id: org.id } });
        categories.push({ id: c.id, name: child.name, parentId: r.id, nouns: child.nouns });
      }
    }
    suppliers.push({ key: spec.key, id: org.id, name: spec.name, visibility: spec.visibility, owner, categories, productIds: [] });
  }
  log(`  3 suppliers with 12 categories each (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  // The consumer, its buyer, and an accepted link with supplier B only.
  const consumerOwner = await register(base, `bench-consumer-${tag}@example.com`, 'Bench Retail Owner');
  const consumerOrg = await api(base, 'POST', '/api/v1/organizations', { token: consumerOwner.token, body: { type: 'consumer', name: 'Bench Retail' } });
  const buyer = await register(base, `bench-buyer-${tag}@example.com`, 'Bench Buyer');
  await api(base, 'POST', `/api/v1/organizations/${consumerOrg.id}/members`, { token: consumerOwner.token, body: { email: buyer.email, role: 'buyer' } });
  const supplierB = suppliers.find((s) => s.key === 'B')!;
  const link = await api(base, 'POST', '/api/v1/links/requests', {
    token: consumerOwner.token,
    body: { supplier_id: supplierB.id, consumer_id: consumerOrg.id },
  });
  await api(base, 'PATCH', `/api/v1/links/${link.id}/status`, { token: supplierB.owner.token, body: { status: 'accepted' } });

  // Products: drawn up front (deterministic), created concurrently.
  interface Draft {
    supplier: SeededSupplier;
    body: Record<string, unknown>;
  }
  const drafts: Draft[] = [];
  for (let i = 0; i < productCount; i++) {
    const supplier = suppliers[i % suppliers.length];
    const category = pick(supplier.categories);
    const noun = pick(category.nouns);
    const size = pick(['S', 'M', 'L', 'XL', `${10 + Math.floor(rnd() * 90)} cm`, `No. ${1 + Math.floor(rnd() * 40)}`]);
    const name = `${pick(ADJECTIVES)} ${pick(MATERIALS)} ${noun} ${size}`;
    const description = `A ${pick(FINISHES)} ${noun} for ${pick(USES)}. Sold by the piece, ${pick(FINISHES)} edges, ${1 + Math.floor(rnd() * 24)} month warranty.`;
    const cents = 100 + Math.floor(rnd() * 99_900);
    drafts.push({
      supplier,
      body: {
        supplier_id: supplier.id,
        sku: `${supplier.key}-${String(Math.floor(i / suppliers.length) + 1).padStart(5, '0')}`,
        name,
        description,
        price: (cents / 100).toFixed(2),
        category_id: category.id,
        unit: 'each',
        initial_stock: INITIAL_STOCK,
        attributes: { finish: pick(FINISHES) },
      },
    });
  }
  let done = 0;
  const productStart = Date.now();
  const viaApi = drafts.slice(0, apiProducts);
  const ids = await mapLimit(viaApi, SEED_CONCURRENCY, async (d) => {
    const p = await api(base, 'POST', '/api/v1/products', { token: d.supplier.owner.token, body: d.body });
    if (++done % 1000 === 0) log(`  ${done}/${apiProducts} products through the API (${((Date.now() - productStart) / 1000).toFixed(1)} s)`);
    return p.id as string;
  });
  viaApi.forEach((d, i) => d.supplier.productIds.push(ids[i]));
  const apiSeconds = (Date.now() - productStart) / 1000;
  log(`  ${apiProducts} products through the API in ${apiSeconds.toFixed(1)} s (${(apiProducts / apiSeconds).toFixed(0)}/s)`);
  const viaSql = drafts.slice(apiProducts);
  if (viaSql.length > 0) {
    const sqlStart = Date.now();
    const sqlIds = await bulkInsertProducts(
      opts.databaseUrl,
      viaSql.map((d) => ({ supplier: d.supplier, body: d.body })),
    );
    viaSql.forEach((d, i) => d.supplier.productIds.push(sqlIds[i]));
    log(`  ${viaSql.length} products by multi-row SQL in ${((Date.now() - sqlStart) / 1000).toFixed(1)} s`);
  }

  // Orders of the buyer at supplier B, 3–5 lines each, for the read case.
  const orderablePool = supplierB.productIds.slice(0, Math.min(ORDERABLE_POOL, supplierB.productIds.length));
  const orderIds: string[] = [];
  for (let i = 0; i < ORDERS_FOR_READS; i++) {
    const n = 3 + (i % 3);
    const items = new Map<string, number>();
    while (items.size < n) items.set(pick(orderablePool), 1 + Math.floor(rnd() * 5));
    const o = await api(base, 'POST', '/api/v1/orders', {
      token: buyer.token,
      body: { supplier_id: supplierB.id, items: [...items].map(([product_id, quantity]) => ({ product_id, quantity })), notes: `bench order ${i + 1}` },
    });
    orderIds.push(o.id);
  }

  const hardware = supplierB.categories.find((c) => c.name === 'Hardware')!;
  return {
    suppliers,
    consumer: { id: consumerOrg.id, name: consumerOrg.name, owner: consumerOwner, buyer },
    orderIds,
    orderablePool,
    catalogQuery: CATALOG_QUERY,
    catalogCategory: { id: hardware.id, name: hardware.name, supplier: supplierB.name },
    productCount,
    seedSeconds: (Date.now() - started) / 1000,
    method:
      apiProducts === productCount
        ? `every product through the API (POST /api/v1/products with initial_stock, ${SEED_CONCURRENCY} requests in flight)`
        : `${apiProducts} products through the API (POST /api/v1/products with initial_stock, ${SEED_CONCURRENCY} in flight), ` +
          `the other ${productCount - apiProducts} by multi-row SQL INSERTs of the same rows (product, stock level at the default location, \`initial\` movement)`,
  };
}

/**
 * Inserts products with the rows `POST /api/v1/products` + `initial_stock` writes (catalog.products.ts
 * createProduct → recordInitialStock): the product (UUID v7 id, the supplier's currency, created
 * by its owner; `search_vector` is generated by PostgreSQL), its stock level at the supplier's
 * default location, and an `initial` movement. 1,000 products per statement (unnest of arrays).
 * The default locations exist: the API-created products made them.
 * @returns the new ids, in the order of `drafts`.
 */
async function bulkInsertProducts(databaseUrl: string, drafts: { supplier: SeededSupplier; body: Record<string, unknown> }[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const currency = new Map<string, string>();
    const location = new Map<string, string>();
    for (const s of new Set(drafts.map((d) => d.supplier))) {
      const org = await client.query<{ currency: string }>('select currency from organizations where id = $1', [s.id]);
      const loc = await client.query<{ id: string }>('select id from stock_locations where supplier_id = $1 and is_default', [s.id]);
      if (!loc.rows[0])
        throw new Error(`supplier ${s.name} has no default stock location: create at least one product per supplier through the API (BENCH_SEED_API)`);
      currency.set(s.id, org.rows[0].currency);
      location.set(s.id, loc.rows[0].id);
    }
    const ids = drafts.map(() => uuidv7());
    for (let start = 0; start < drafts.length; start += 1000) {
      const batch = drafts.slice(start, start + 1000);
      const batchIds = ids.slice(start, start + 1000);
      const col = <T>(f: (d: (typeof batch)[number]) => T) => batch.map(f);
      await client.query('begin');
      await client.query(
        `insert into products (id, supplier_id, category_id, sku, name, description, price, currency, unit, attributes, is_active, created_by)
         select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::text[], $9::text[], $10::jsonb[], $11::boolean[], $12::uuid[])`,
        [
          batchIds,
          col((d) => d.supplier.id),
          col((d) => d.body.category_id),
          col((d) => d.body.sku),
          col((d) => d.body.name),
          col((d) => d.body.description),
          col((d) => d.body.price),
          col((d) => currency.get(d.supplier.id)),
          col((d) => d.body.unit),
          col((d) => JSON.stringify(d.body.attributes ?? {})),
          col(() => true),
          col((d) => d.supplier.owner.id),
        ],
      );
      await client.query(`insert into stock_levels (product_id, location_id, on_hand) select * from unnest($1::uuid[], $2::uuid[], $3::int[])`, [
        batchIds,
        col((d) => location.get(d.supplier.id)),
        col((d) => d.body.initial_stock),
      ]);
      await client.query(
        `insert into stock_movements (id, product_id, location_id, reason, on_hand_before, on_hand_after, reserved_before, reserved_after, actor_id)
         select m.id, m.product_id, m.location_id, 'initial', 0, m.qty, 0, 0, m.actor_id
           from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::uuid[]) as m(id, product_id, location_id, qty, actor_id)`,
        [batchIds.map(() => uuidv7()), batchIds, col((d) => location.get(d.supplier.id)), col((d) => d.body.initial_stock), col((d) => d.supplier.owner.id)],
      );
      await client.query('commit');
    }
    return ids;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw new Error(
      `bulk SQL insert of products failed (${(err as Error).message}); the products table may have changed: fix bulkInsertProducts in bench/seed.ts, or set BENCH_SEED_API to BENCH_PRODUCTS to create every product through the API`,
    );
  } finally {
    await client.end();
  }
}
