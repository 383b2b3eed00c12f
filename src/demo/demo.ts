/**
 * Loads the demo fixture (`fixture.ts`) THROUGH THE API, with `app.inject`: every validation,
 * permission and stock rule applies exactly as it does for a real client. Only the platform
 * admin is created directly (`createPlatformAdmin`), because the public API never grants that role.
 *
 * Used by `npm start` on a first start with an empty embedded database (DESIGN.md section 10), by
 * `npm run seed`, and by the demo test.
 */
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Database } from '../infra/db/client.js';
import { users } from '../infra/db/schema.js';
import { createPlatformAdmin } from '../modules/identity/index.js';
import { ACME, DEMO_ADMIN, DEMO_PASSWORD, MAMI, MAMI_CATEGORIES, MAMI_INITIAL_STOCK, mamiProducts, type DemoUser } from './fixture.js';

/** What a loaded demo prints: the shared password and one line per login. */
export interface DemoLogins {
  password: string;
  logins: { email: string; what: string }[];
}

/**
 * The loader's requests come from a loopback address of their own, so they count against their
 * own rate-limit bucket and do not use up the budget of a real local client (the smoke test, a
 * developer's first requests) right after start.
 */
const LOADER_ADDRESS = '127.0.0.2';

/** A minimal API client over `app.inject` that throws on any non-2xx answer. */
class DemoClient {
  constructor(private readonly app: FastifyInstance) {}

  async send<T = any>(method: InjectOptions['method'], url: string, opts: { token?: string; body?: unknown } = {}): Promise<T> {
    const res = await this.app.inject({
      method,
      url,
      remoteAddress: LOADER_ADDRESS,
      headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
      ...(opts.body !== undefined ? { payload: opts.body as InjectOptions['payload'] } : {}),
    });
    if (res.statusCode < 200 || res.statusCode > 299) {
      throw new Error(`demo: ${method} ${url} answered ${res.statusCode}: ${res.body}`);
    }
    return (res.body ? JSON.parse(res.body) : undefined) as T;
  }
}

/** A registered demo account. */
interface Session {
  id: string;
  email: string;
  token: string;
}

async function register(api: DemoClient, user: DemoUser): Promise<Session> {
  const body = await api.send<{ user: { id: string }; access_token: string }>('POST', '/api/v1/auth/register', {
    body: { email: user.email, password: DEMO_PASSWORD, full_name: user.fullName },
  });
  return { id: body.user.id, email: user.email, token: body.access_token };
}

async function createOrganization(api: DemoClient, owner: Session, body: Record<string, unknown>): Promise<string> {
  const org = await api.send<{ id: string }>('POST', '/api/v1/organizations', { token: owner.token, body });
  return org.id;
}

async function addMember(api: DemoClient, owner: Session, organizationId: string, member: Session, role: string): Promise<void> {
  await api.send('POST', `/api/v1/organizations/${organizationId}/members`, { token: owner.token, body: { email: member.email, role } });
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
 * Request logs are quieted to `warn` while it runs (some 300 lines otherwise).
 * @returns the password and the logins to print.
 * @throws Error naming the failing request and its response body on any non-2xx answer.
 */
export async function loadDemo(app: FastifyInstance, database: Database): Promise<DemoLogins> {
  const api = new DemoClient(app);
  const level = app.log.level;
  if (['trace', 'debug', 'info'].includes(level)) app.log.level = 'warn';
  try {
    await createPlatformAdmin(database.db, { email: DEMO_ADMIN.email, password: DEMO_PASSWORD, fullName: DEMO_ADMIN.fullName });
    await loadAcme(api);
    await loadMami(api);
  } finally {
    app.log.level = level;
  }
  const everyone: DemoUser[] = [
    DEMO_ADMIN,
    ACME.supplier.owner,
    ...ACME.supplier.staff.map((s) => s.user),
    ACME.consumer.owner,
    MAMI.supplier.owner,
    ...MAMI.supplier.staff.map((s) => s.user),
    MAMI.shopper,
  ];
  return { password: DEMO_PASSWORD, logins: everyone.map((u) => ({ email: u.email, what: u.what })) };
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

/** The Acme exchange: supplier and staff, consumer, products with stock, accepted link, pending order. */
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

  const order = await api.send<{ total: string; currency: string }>('POST', '/api/v1/orders', {
    token: buyer.token,
    body: {
      supplier_id: supplierId,
      items: ACME.order.items.map((i) => ({ product_id: productIds.get(i.sku), quantity: i.quantity })),
      notes: ACME.order.notes,
    },
  });
  if (order.total !== ACME.order.expectedTotal || order.currency !== supplier.currency) {
    throw new Error(`demo: the Acme order totals ${order.total} ${order.currency}, expected ${ACME.order.expectedTotal} ${supplier.currency}`);
  }
}

/** The Mami store: public supplier, manager, 14 categories, 109 products with stock, a shopper. */
async function loadMami(api: DemoClient): Promise<void> {
  const { supplier } = MAMI;
  const [{ owner, staff, supplierId }] = await Promise.all([createSupplierWithStaff(api, supplier), register(api, MAMI.shopper)]);
  // The manager runs the catalog, as store staff would.
  const manager = staff[supplier.staff.findIndex((s) => s.role === 'manager')];

  const categoryIds = new Map<string, string>();
  for (const c of MAMI_CATEGORIES) {
    const category = await api.send<{ id: string }>('POST', '/api/v1/categories', {
      token: manager.token,
      body: { supplier_id: supplierId, name: c.name, slug: c.slug },
    });
    categoryIds.set(c.name, category.id);
  }
  for (const p of mamiProducts()) {
    const categoryId = categoryIds.get(p.category);
    if (!categoryId) throw new Error(`demo: product ${p.sku} names an unknown category "${p.category}"`);
    await api.send('POST', '/api/v1/products', {
      token: manager.token,
      body: {
        supplier_id: supplierId,
        sku: p.sku,
        name: p.name,
        price: p.price,
        unit: p.unit,
        category_id: categoryId,
        initial_stock: MAMI_INITIAL_STOCK,
      },
    });
  }
}
