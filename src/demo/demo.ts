/**
 * Loads the demo fixture (`fixture.ts`) THROUGH THE API, with `app.inject`: every validation,
 * permission and stock rule applies exactly as it does for a real client. Only the platform
 * admin is created directly (`createPlatformAdmin`), because the public API never grants that role.
 *
 * Used by `npm start` on a first start with an empty embedded database, by `npm run seed`, and by
 * the demo test. On every later start the server lists the demo logins that still have the
 * published password (`demoLoginsWithPublishedPassword`).
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { addMember, createOrganization, DemoClient, register, type ImportAnswer } from './demo.client.js';
import type { Database } from '../infra/db/client.js';
import { verifyPassword } from '../infra/passwords.js';
import { createPlatformAdmin, users } from '../modules/identity/index.js';
import {
  ACME,
  DEMO_ADMIN,
  DEMO_PASSWORD,
  MAMI,
  MAMI_BRANCHES,
  MAMI_CATEGORIES,
  MAMI_CHANNELS,
  MAMI_ORDERS,
  MAMI_SETTINGS,
  MAMI_SHORTAGES,
  MAMI_STOCK,
  MAMI_WAREHOUSE,
  mamiProducts,
  type DemoLine,
  type DemoUser,
} from './fixture.js';

/** What a loaded demo prints: the shared password and one line per login. */
export interface DemoLogins {
  password: string;
  logins: { email: string; what: string }[];
}

/** True when the database holds no user at all (a first start). */
export async function isDatabaseEmpty(database: Database): Promise<boolean> {
  const rows = await database.db.select({ id: users.id }).from(users).limit(1);
  return rows.length === 0;
}

/**
 * Loads the demo when the database has no users; returns null (and writes nothing) otherwise.
 * @throws Error with the failing request and its response body when any API call is refused.
 */
export async function loadDemoIfEmpty(app: FastifyInstance, database: Database): Promise<DemoLogins | null> {
  if (!(await isDatabaseEmpty(database))) return null;
  return loadDemo(app, database);
}

/**
 * Loads the whole demo, unconditionally (the caller makes sure the accounts do not exist yet).
 * Acme and Mami load side by side (they share nothing); request logs are quieted to `warn` while
 * it runs (some 80 lines otherwise).
 * @returns the password and the logins to print.
 * @throws Error naming the failing request and its response body on any non-2xx answer.
 */
export async function loadDemo(app: FastifyInstance, database: Database): Promise<DemoLogins> {
  const api = new DemoClient(app);
  const level = app.log.level;
  if (['trace', 'debug', 'info'].includes(level)) app.log.level = 'warn';
  try {
    await createPlatformAdmin(database.db, { email: DEMO_ADMIN.email, password: DEMO_PASSWORD, fullName: DEMO_ADMIN.fullName });
    // Both run to their end before any failure is reported: nothing keeps writing after loadDemo returns.
    const results = await Promise.allSettled([loadAcme(api), loadMami(api)]);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  } finally {
    app.log.level = level;
  }
  return { password: DEMO_PASSWORD, logins: demoUsers().map((u) => ({ email: u.email, what: u.what })) };
}

/** Every demo account, in the order the logins are printed. */
function demoUsers(): DemoUser[] {
  return [
    DEMO_ADMIN,
    ACME.supplier.owner,
    ...ACME.supplier.staff.map((s) => s.user),
    ACME.consumer.owner,
    MAMI.supplier.owner,
    ...MAMI.supplier.staff.map((s) => s.user),
    MAMI.shopper,
  ];
}

/**
 * The active demo accounts that still have the published demo password: one query, then one
 * argon2 verification per demo account found (a few milliseconds each, run side by side).
 * Nothing is verified in a database without demo accounts.
 * @returns the password and those logins, or null when none still has it.
 */
export async function demoLoginsWithPublishedPassword(database: Database): Promise<DemoLogins | null> {
  const everyone = demoUsers();
  const rows = await database.db
    .select({ email: users.email, passwordHash: users.passwordHash })
    .from(users)
    .where(
      and(
        inArray(
          users.email,
          everyone.map((u) => u.email),
        ),
        eq(users.isActive, true),
      ),
    );
  const hashes = new Map(rows.map((r) => [r.email, r.passwordHash]));
  const open = await Promise.all(
    everyone.map(async (u) => {
      const hash = hashes.get(u.email);
      return hash !== undefined && (await verifyPassword(hash, DEMO_PASSWORD)).ok;
    }),
  );
  const logins = everyone.filter((_, i) => open[i]).map((u) => ({ email: u.email, what: u.what }));
  return logins.length ? { password: DEMO_PASSWORD, logins } : null;
}

/** Registers a supplier's owner and staff, creates the supplier and adds the staff with their roles. */
async function createSupplierWithStaff(api: DemoClient, supplier: typeof ACME.supplier | typeof MAMI.supplier) {
  const [owner, ...staff] = await Promise.all([register(api, supplier.owner), ...supplier.staff.map((s) => register(api, s.user))]);
  const supplierId = await createOrganization(api, owner, {
    type: 'supplier',
    name: supplier.name,
    currency: supplier.currency,
    catalog_visibility: supplier.catalogVisibility,
  });
  for (const [i, s] of supplier.staff.entries()) await addMember(api, owner, supplierId, staff[i], s.role);
  return { owner, staff, supplierId };
}

/** Throws when a loaded figure is not the one the fixture promises (the demo would mislead). */
function expectFigure(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) throw new Error(`demo: ${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

/**
 * The Acme exchange: supplier and staff, consumer, products with stock, accepted link, pending
 * order, then a second warehouse and one transfer into it.
 */
async function loadAcme(api: DemoClient): Promise<void> {
  const { supplier, consumer } = ACME;
  const [{ owner, staff, supplierId }, buyer] = await Promise.all([createSupplierWithStaff(api, supplier), register(api, consumer.owner)]);
  const consumerId = await createOrganization(api, buyer, { type: 'consumer', name: consumer.name, currency: supplier.currency });

  const category = await api.send<{ id: string }>('POST', '/api/v1/categories', {
    token: owner.token,
    body: { supplier_id: supplierId, name: ACME.category.name, slug: ACME.category.slug },
  });
  const productIds = new Map<string, string>();
  for (const p of ACME.products) {
    const product = await api.send<{ id: string }>('POST', '/api/v1/products', {
      token: owner.token,
      body: {
        supplier_id: supplierId,
        sku: p.sku,
        name: p.name,
        description: p.description,
        price: p.price,
        unit: p.unit,
        category_id: category.id,
        initial_stock: p.stock,
      },
    });
    productIds.set(p.sku, product.id);
  }

  // The consumer asks to be linked; the supplier's manager accepts (seed 000's approval step).
  const manager = staff[supplier.staff.findIndex((s) => s.role === 'manager')];
  const link = await api.send<{ id: string }>('POST', '/api/v1/links/requests', {
    token: buyer.token,
    body: { supplier_id: supplierId, consumer_id: consumerId },
  });
  await api.send('PATCH', `/api/v1/links/${link.id}/status`, { token: manager.token, body: { status: 'accepted' } });

  // Acme keeps the default settings (no tax, no delivery fee): the order totals exactly 175,000.00 KZT.
  const order = await api.send<{ total: string; currency: string; tax_total: string; shipping_total: string }>('POST', '/api/v1/orders', {
    token: buyer.token,
    body: {
      supplier_id: supplierId,
      items: ACME.order.items.map((i) => ({ product_id: productIds.get(i.sku), quantity: i.quantity })),
      notes: ACME.order.notes,
    },
  });
  expectFigure('the Acme order total', `${order.total} ${order.currency}`, `${ACME.order.expectedTotal} ${supplier.currency}`);
  expectFigure('the Acme order tax and shipping', `${order.tax_total}/${order.shipping_total}`, '0.00/0.00');

  // A second warehouse, and one transfer into it from the default location.
  const locations = await api.send<{ items: { id: string; name: string; is_default: boolean }[] }>('GET', `/api/v1/locations?supplier_id=${supplierId}`, {
    token: manager.token,
  });
  const main = locations.items.find((l) => l.is_default);
  expectFigure("Acme's default location", main?.name, ACME.defaultLocation);
  const depot = await api.send<{ id: string }>('POST', '/api/v1/locations', {
    token: manager.token,
    body: { supplier_id: supplierId, name: ACME.depot.name, kind: ACME.depot.kind },
  });
  await api.send('POST', '/api/v1/inventory/transfers', {
    token: manager.token,
    body: {
      supplier_id: supplierId,
      from_location_id: main!.id,
      to_location_id: depot.id,
      lines: [{ product_id: productIds.get(ACME.transfer.sku), quantity: ACME.transfer.quantity }],
      note: ACME.transfer.note,
    },
  });
}

/** One CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break. */
const csvCell = (v: string | number) => {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};
const csv = (rows: (string | number)[][]) => rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';

/** The categories file of the store (docs/import.md): slug, name, parent slug. */
function mamiCategoriesCsv(): string {
  return csv([['slug', 'name', 'parent_slug'], ...MAMI_CATEGORIES.map((c) => [c.slug, c.name, c.parent ?? ''])]);
}

/**
 * The products file of the store: every product with its category, offer price and attributes,
 * and on-hand stock and reorder point at the warehouse and at each branch (`stock:<location>`,
 * `reorder_point:<location>`), with the shortages of `MAMI_SHORTAGES`.
 */
function mamiProductsCsv(): string {
  const slugOf = new Map(MAMI_CATEGORIES.map((c) => [c.name, c.slug]));
  const locations = [{ name: MAMI_WAREHOUSE.name, ...MAMI_STOCK.warehouse }, ...MAMI_BRANCHES.map((b) => ({ name: b.name, ...MAMI_STOCK.branch }))];
  const names = new Set(mamiProducts().map((p) => p.name));
  for (const s of MAMI_SHORTAGES) {
    if (!names.has(s.product) || !MAMI_BRANCHES.some((b) => b.name === s.branch))
      throw new Error(`demo: a shortage names an unknown product or branch: ${JSON.stringify(s)}`);
  }
  const short = new Map(MAMI_SHORTAGES.map((s) => [`${s.product}\n${s.branch}`, s.onHand]));
  const header = [
    'sku',
    'name',
    'price',
    'compare_at_price',
    'category_slug',
    'unit',
    'attributes',
    ...locations.flatMap((l) => [`stock:${l.name}`, `reorder_point:${l.name}`]),
  ];
  const rows = mamiProducts().map((p) => {
    const slug = slugOf.get(p.category);
    if (!slug) throw new Error(`demo: product ${p.sku} names an unknown category "${p.category}"`);
    return [
      p.sku,
      p.name,
      p.price,
      p.compareAtPrice ?? '',
      slug,
      p.unit,
      Object.keys(p.attributes).length ? JSON.stringify(p.attributes) : '',
      ...locations.flatMap((l) => [short.get(`${p.name}\n${l.name}`) ?? l.onHand, l.reorderPoint]),
    ];
  });
  return csv([header, ...rows]);
}

/**
 * The Mami store: public supplier with a manager and delivery settings, a warehouse and 4
 * branches, two sales channels, 15 categories and 109 products with stock at every location
 * (two CSV imports), a shopper's delivery order and a phoned-in staff order collected at a branch.
 */
async function loadMami(api: DemoClient): Promise<void> {
  const { supplier } = MAMI;
  const [{ staff, supplierId }, shopper] = await Promise.all([createSupplierWithStaff(api, supplier), register(api, MAMI.shopper)]);
  // The manager runs the store, as store staff would.
  const manager = staff[supplier.staff.findIndex((s) => s.role === 'manager')];
  const asManager = <T = unknown>(method: InjectOptions['method'], url: string, body?: unknown) => api.send<T>(method, url, { token: manager.token, body });

  await asManager('PATCH', `/api/v1/organizations/${supplierId}`, MAMI_SETTINGS);

  // The warehouse first: the supplier's first location becomes its default.
  const locationIds = new Map<string, string>();
  for (const l of [{ ...MAMI_WAREHOUSE, address: undefined as string | undefined }, ...MAMI_BRANCHES.map((b) => ({ ...b, kind: 'branch' as const }))]) {
    const location = await asManager<{ id: string }>('POST', '/api/v1/locations', { supplier_id: supplierId, name: l.name, kind: l.kind, address: l.address });
    locationIds.set(l.name, location.id);
  }
  const channelIds = new Map<string, string>();
  for (const [i, c] of [MAMI_CHANNELS.online, MAMI_CHANNELS.counter].entries()) {
    const channel = await asManager<{ id: string }>('POST', '/api/v1/sales-channels', { supplier_id: supplierId, ...c, is_default: i === 0 });
    channelIds.set(c.name, channel.id);
  }

  // The catalog in two imports (all or nothing each), much faster than a request per product.
  const categories = await api.upload<ImportAnswer>(
    '/api/v1/imports',
    manager.token,
    { kind: 'categories', supplier_id: supplierId },
    'mami-categories.csv',
    mamiCategoriesCsv(),
  );
  expectFigure('categories imported', categories.summary?.categories_created, MAMI_CATEGORIES.length);
  const products = await api.upload<ImportAnswer>(
    '/api/v1/imports',
    manager.token,
    { kind: 'products', supplier_id: supplierId },
    'mami-products.csv',
    mamiProductsCsv(),
  );
  expectFigure('products imported', products.summary?.products_created, mamiProducts().length);

  const idBySku = new Map<string, string>();
  for (let offset = 0; ; offset += 100) {
    const page = await asManager<{ items: { id: string; sku: string }[]; total: number }>(
      'GET',
      `/api/v1/products?supplier_id=${supplierId}&limit=100&offset=${offset}`,
    );
    for (const p of page.items) idBySku.set(p.sku, p.id);
    if (idBySku.size >= page.total || page.items.length === 0) break;
  }
  const skuByName = new Map(mamiProducts().map((p) => [p.name, p.sku]));
  const items = (lines: DemoLine[]) =>
    lines.map((l) => {
      const id = idBySku.get(skuByName.get(l.product) ?? '');
      if (!id) throw new Error(`demo: an order names the unknown product "${l.product}"`);
      return { product_id: id, quantity: l.quantity };
    });
  const checkTotals = (what: string, o: Record<string, string>, expected: (typeof MAMI_ORDERS)['shopper']['expected']) =>
    expectFigure(
      `${what} (subtotal/tax/shipping/total)`,
      [o.subtotal, o.tax_total, o.shipping_total, o.total].join('/'),
      [expected.subtotal, expected.tax, expected.shipping, expected.total].join('/'),
    );

  // The shopper orders online for delivery (default channel and location): below 150 ILS, the fee applies.
  const { shopper: online, counter } = MAMI_ORDERS;
  const delivery = await api.send<Record<string, string>>('POST', '/api/v1/orders', {
    token: shopper.token,
    body: { supplier_id: supplierId, items: items(online.items), fulfilment: 'delivery', shipping_address: online.shippingAddress, notes: online.notes },
  });
  checkTotals("the shopper's order", delivery, online.expected);

  // A walk-in customer phones a branch: the manager takes the order at the counter, for pickup there.
  const pickup = await asManager<Record<string, string>>('POST', '/api/v1/orders', {
    supplier_id: supplierId,
    customer: counter.customer,
    channel_id: channelIds.get(MAMI_CHANNELS.counter.name),
    location_id: locationIds.get(counter.branch),
    fulfilment: 'pickup',
    items: items(counter.items),
    notes: counter.notes,
  });
  checkTotals('the counter order', pickup, counter.expected);
}
