/**
 * `npm run smoke`: drives Agora end to end over real HTTP against a running server (SMOKE_URL,
 * default http://127.0.0.1:3000).
 *
 * 1. The B2B flow, on accounts of its own: accounts, organizations, product with stock, link
 *    request and approval, catalog visibility, an order through its whole lifecycle with the
 *    stock it reserves and deducts, and an oversized order refused with 409 INSUFFICIENT_STOCK.
 * 2. The store, on the demo's Mami supermarket (the server must have loaded the demo, as a first
 *    `npm start` does; logins `store.manager@example.com` and `shopper@example.com`, password
 *    SMOKE_DEMO_PASSWORD, default the demo's): full-text search, the category tree and the
 *    descendants filter, locations, low stock, a transfer and its movement pair, a delivery order
 *    paying the delivery fee, a staff order for a new customer, customers with their figures, the
 *    orders filters and the CSV export.
 *
 * Every run uses fresh emails, SKUs and customers, moves transferred stock back and cancels the
 * orders it places in the store, so it can run again and again against the same server (a few
 * times a minute: it signs in four times, and auth routes are rate limited).
 * Prints one line per step; exits 1 at the first mismatch, naming the step.
 */
import { randomBytes } from 'node:crypto';

const BASE = (process.env.SMOKE_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');
const API = `${BASE}/api/v1`;
const PASSWORD = 'Smoke-Pass-123';
/** The demo's logins used by the store steps (README, src/demo/fixture.ts). */
const DEMO = {
  password: process.env.SMOKE_DEMO_PASSWORD || 'Password123',
  manager: 'store.manager@example.com',
  shopper: 'shopper@example.com',
  store: 'Mami Supermarket',
};
const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

interface Res {
  status: number;
  body: any;
  contentType: string;
}

class StepFailed extends Error {}

let passed = 0;

async function http(method: string, url: string, opts: { token?: string; body?: unknown } = {}): Promise<Res> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  let body: unknown = text;
  if (text && contentType.includes('json')) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, body, contentType };
}

const short = (v: unknown) => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 600 ? `${s.slice(0, 600)}…` : s;
};

/** Runs one step: `fn` returns a short summary or throws StepFailed. */
async function step(name: string, fn: () => Promise<string | void>): Promise<void> {
  let summary: string | void;
  try {
    summary = await fn();
  } catch (err) {
    const why = err instanceof StepFailed ? err.message : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    console.error(`FAIL ${String(passed + 1).padStart(2)} ${name}\n     ${why}`);
    process.exit(1);
  }
  passed++;
  console.log(`ok   ${String(passed).padStart(2)} ${name}${summary ? ` (${summary})` : ''}`);
}

function expectStatus(res: Res, status: number, what = 'status'): void {
  if (res.status !== status) throw new StepFailed(`expected ${what} ${status}, got ${res.status}: ${short(res.body)}`);
}

function expectEqual(actual: unknown, expected: unknown, what: string, res?: Res): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new StepFailed(`expected ${what} = ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}${res ? ` in ${short(res.body)}` : ''}`);
  }
}

function expectProblem(res: Res, status: number, code?: string): void {
  expectStatus(res, status);
  if (!res.contentType.startsWith('application/problem+json')) throw new StepFailed(`expected application/problem+json, got ${res.contentType}`);
  if (code && res.body?.code !== code) throw new StepFailed(`expected code ${code}, got ${short(res.body)}`);
}

async function register(label: string): Promise<{ token: string; email: string }> {
  const email = `smoke-${label}-${run}@example.com`;
  const res = await http('POST', `${API}/auth/register`, { body: { email, password: PASSWORD, full_name: `Smoke ${label}` } });
  expectStatus(res, 201);
  if (typeof res.body?.access_token !== 'string' || res.body?.user?.email !== email) throw new StepFailed(`unexpected body ${short(res.body)}`);
  return { token: res.body.access_token, email };
}

async function login(email: string, password: string): Promise<string> {
  const res = await http('POST', `${API}/auth/login`, { body: { email, password } });
  if (res.status === 401) throw new StepFailed(`${email} cannot log in (401): is the demo loaded on this server? ${short(res.body)}`);
  expectStatus(res, 200, `login status of ${email}`);
  if (typeof res.body?.access_token !== 'string') throw new StepFailed(`no access_token for ${email} in ${short(res.body)}`);
  return res.body.access_token;
}

/** Asserts `res` is a 200 page `{items, total, …}` and returns its items. */
function pageItems(res: Res, what: string): any[] {
  expectStatus(res, 200, `${what} status`);
  if (!Array.isArray(res.body?.items) || typeof res.body?.total !== 'number') throw new StepFailed(`${what}: not a page: ${short(res.body)}`);
  return res.body.items;
}

/** A money string ("12.90") in minor units, exactly. */
function minor(amount: string, what: string): bigint {
  if (typeof amount !== 'string' || !/^\d+(\.\d+)?$/.test(amount)) throw new StepFailed(`${what} is not a money string: ${JSON.stringify(amount)}`);
  return BigInt(amount.replace('.', ''));
}

async function stockOf(token: string, productId: string): Promise<{ on_hand: number; reserved: number; available: number }> {
  const res = await http('GET', `${API}/products/${productId}/inventory`, { token });
  expectStatus(res, 200, 'inventory status');
  const { on_hand, reserved, available } = res.body ?? {};
  return { on_hand, reserved, available };
}

async function main(): Promise<void> {
  console.log(`smoke: ${BASE} (run ${run})`);
  let supplierOwner = { token: '', email: '' };
  let consumerOwner = { token: '', email: '' };
  let supplierId = '';
  let consumerId = '';
  let productId = '';
  let linkId = '';
  let orderId = '';
  const sku = `SMOKE-${run}`.toUpperCase();
  const price = '1500.00';

  await step('GET /health is ok', async () => {
    let res: Res;
    try {
      res = await http('GET', `${BASE}/health`);
    } catch (err) {
      const cause = (err as Error).cause;
      throw new StepFailed(`cannot reach ${BASE}: ${cause instanceof Error ? cause.message : (err as Error).message}`);
    }
    expectStatus(res, 200);
    expectEqual(res.body?.status, 'ok', 'status', res);
    return `db ${res.body?.db}`;
  });

  await step('register the supplier owner', async () => {
    supplierOwner = await register('supplier');
    return supplierOwner.email;
  });
  await step('register the consumer owner', async () => {
    consumerOwner = await register('consumer');
    return consumerOwner.email;
  });

  await step('create the supplier organization (linked catalog, KZT)', async () => {
    const res = await http('POST', `${API}/organizations`, {
      token: supplierOwner.token,
      body: { type: 'supplier', name: `Smoke Supplier ${run}`, catalog_visibility: 'linked', currency: 'KZT' },
    });
    expectStatus(res, 201);
    expectEqual(res.body?.type, 'supplier', 'type', res);
    expectEqual(res.body?.currency, 'KZT', 'currency', res);
    supplierId = res.body.id;
    return supplierId;
  });
  await step('create the consumer organization', async () => {
    const res = await http('POST', `${API}/organizations`, { token: consumerOwner.token, body: { type: 'consumer', name: `Smoke Consumer ${run}` } });
    expectStatus(res, 201);
    expectEqual(res.body?.type, 'consumer', 'type', res);
    consumerId = res.body.id;
    return consumerId;
  });

  await step('create a product with initial stock 20', async () => {
    const res = await http('POST', `${API}/products`, {
      token: supplierOwner.token,
      body: { supplier_id: supplierId, sku, name: 'Smoke Widget', price, unit: 'piece', initial_stock: 20 },
    });
    expectStatus(res, 201);
    expectEqual(res.body?.sku, sku, 'sku', res);
    expectEqual(res.body?.price, price, 'price', res);
    expectEqual([res.body?.stock?.on_hand, res.body?.stock?.reserved, res.body?.stock?.available], [20, 0, 20], 'stock [on_hand, reserved, available]', res);
    productId = res.body.id;
    return `${sku} ${productId}`;
  });

  await step('consumer requests a link', async () => {
    const res = await http('POST', `${API}/links/requests`, { token: consumerOwner.token, body: { supplier_id: supplierId, consumer_id: consumerId } });
    expectStatus(res, 201);
    expectEqual(res.body?.status, 'pending', 'status', res);
    linkId = res.body.id;
    return linkId;
  });

  await step('catalog is 403 before the link is accepted', async () => {
    const res = await http('GET', `${API}/catalog/products?supplier_id=${supplierId}`, { token: consumerOwner.token });
    expectProblem(res, 403, 'NO_ACCEPTED_LINK');
  });

  await step('supplier accepts the link', async () => {
    const res = await http('PATCH', `${API}/links/${linkId}/status`, { token: supplierOwner.token, body: { status: 'accepted' } });
    expectStatus(res, 200);
    expectEqual(res.body?.status, 'accepted', 'status', res);
  });

  await step('catalog lists the product', async () => {
    const res = await http('GET', `${API}/catalog/products?supplier_id=${supplierId}`, { token: consumerOwner.token });
    expectStatus(res, 200);
    const items: any[] = res.body?.items ?? [];
    const found = items.find((p) => p.id === productId);
    if (!found) throw new StepFailed(`product ${productId} missing from ${short(res.body)}`);
    expectEqual(found.price, price, 'price', res);
    return `${res.body.total} product(s)`;
  });

  await step('consumer places an order of 3', async () => {
    const res = await http('POST', `${API}/orders`, {
      token: consumerOwner.token,
      body: { supplier_id: supplierId, items: [{ product_id: productId, quantity: 3 }], notes: 'smoke test' },
    });
    expectStatus(res, 201);
    expectEqual(res.body?.status, 'pending', 'status', res);
    expectEqual(res.body?.total, '4500.00', 'total', res);
    expectEqual(res.body?.currency, 'KZT', 'currency', res);
    orderId = res.body.id;
    return `${res.body.number ?? orderId} total ${res.body.total} ${res.body.currency}`;
  });

  await step('inventory shows 3 reserved', async () => {
    expectEqual(await stockOf(supplierOwner.token, productId), { on_hand: 20, reserved: 3, available: 17 }, 'stock');
  });

  for (const status of ['accepted', 'in_progress', 'ready', 'shipped', 'delivered', 'completed']) {
    await step(`order → ${status}`, async () => {
      const res = await http('PATCH', `${API}/orders/${orderId}/status`, { token: supplierOwner.token, body: { status } });
      expectStatus(res, 200);
      expectEqual(res.body?.status, status, 'status', res);
    });
    if (status === 'shipped') {
      await step('shipping deducted the stock (on_hand 17, reserved 0)', async () => {
        expectEqual(await stockOf(supplierOwner.token, productId), { on_hand: 17, reserved: 0, available: 17 }, 'stock');
      });
    }
  }

  await step('order history has 7 entries', async () => {
    const res = await http('GET', `${API}/orders/${orderId}`, { token: consumerOwner.token });
    expectStatus(res, 200);
    expectEqual(res.body?.status, 'completed', 'status', res);
    const history: { from_status: string | null; to_status: string }[] = res.body?.status_history;
    if (!Array.isArray(history)) throw new StepFailed(`no status_history in ${short(res.body)}`);
    expectEqual(history.length, 7, 'history length');
    expectEqual(
      history.map((e) => e.to_status),
      ['pending', 'accepted', 'in_progress', 'ready', 'shipped', 'delivered', 'completed'],
      'status_history',
    );
    return history.map((e) => e.to_status).join(' → ');
  });

  await step('an order for more than is available is 409 INSUFFICIENT_STOCK', async () => {
    const res = await http('POST', `${API}/orders`, {
      token: consumerOwner.token,
      body: { supplier_id: supplierId, items: [{ product_id: productId, quantity: 18 }] },
    });
    expectProblem(res, 409, 'INSUFFICIENT_STOCK');
  });

  await step('the refused order left the stock unchanged', async () => {
    expectEqual(await stockOf(supplierOwner.token, productId), { on_hand: 17, reserved: 0, available: 17 }, 'stock');
  });

  await storeSteps();

  console.log(`smoke: ${passed} steps passed`);
}

/** The store features, on the demo's Mami supermarket. */
async function storeSteps(): Promise<void> {
  const started = new Date();
  let manager = '';
  let shopper = '';
  let mamiId = '';
  let dairy: any;
  let cheese: any;
  let warehouse: any;
  let branch: any;
  let cheeseProduct: any;
  let transfer: { id: string; productId: string; quantity: number } = { id: '', productId: '', quantity: 2 };
  let counterChannel: any;
  let deliveryOrder: any;
  let staffOrder: any;
  const walkIn = { name: `Smoke Walk-in ${run}`, email: `smoke-walkin-${run}@example.com`, phone: '050-000-0000' };

  await step('log in as the Mami manager and the shopper (demo logins)', async () => {
    manager = await login(DEMO.manager, DEMO.password);
    shopper = await login(DEMO.shopper, DEMO.password);
  });

  await step(`find the demo store "${DEMO.store}"`, async () => {
    const items = pageItems(await http('GET', `${API}/suppliers?q=${encodeURIComponent(DEMO.store)}`), 'suppliers');
    const found = items.find((s) => s.name === DEMO.store);
    if (!found) throw new StepFailed(`no supplier named ${DEMO.store} in ${short(items)}: is the demo loaded?`);
    expectEqual([found.catalog_visibility, found.currency], ['public', 'ILS'], '[catalog_visibility, currency]');
    mamiId = found.id;
    return mamiId;
  });

  await step('full-text prefix search: q=chee finds the cheeses', async () => {
    const res = await http('GET', `${API}/catalog/products?supplier_id=${mamiId}&q=chee&limit=100`);
    const items = pageItems(res, 'search');
    if (items.length === 0) throw new StepFailed('q=chee found nothing');
    const names: string[] = items.map((p) => p.name);
    const stray = items.filter((p) => !/(^|[^\p{L}\p{N}])chee/iu.test(`${p.name} ${p.sku} ${p.description ?? ''}`));
    if (stray.length) throw new StepFailed(`results without a word starting with "chee": ${short(stray.map((p) => p.name))}`);
    if (!names.includes('Cream Cheese')) throw new StepFailed(`"Cream Cheese" missing from ${short(names)}`);
    cheeseProduct = items.find((p) => p.name === 'Cream Cheese');
    return names.join(', ');
  });

  await step('GET /categories?tree=true nests Cheese under Dairy & Eggs', async () => {
    const res = await http('GET', `${API}/categories?supplier_id=${mamiId}&tree=true`);
    const roots = pageItems(res, 'tree');
    const count = (nodes: any[]): number => nodes.reduce((n, c) => n + 1 + count(c.children ?? []), 0);
    expectEqual(count(roots), res.body.total, 'categories in the tree vs total');
    dairy = roots.find((c) => c.slug === 'dairy-eggs');
    if (!dairy) throw new StepFailed(`no root category dairy-eggs among ${short(roots.map((c) => c.slug))}`);
    cheese = (dairy.children ?? []).find((c: any) => c.slug === 'cheese');
    if (!cheese) throw new StepFailed(`Dairy & Eggs has no child cheese: ${short(dairy)}`);
    return `${roots.length} roots, ${res.body.total} categories`;
  });

  await step('category_id=Dairy & Eggs includes the products of its descendant Cheese', async () => {
    const dairyItems = pageItems(await http('GET', `${API}/catalog/products?supplier_id=${mamiId}&category_id=${dairy.id}&limit=100`), 'dairy products');
    const cheeseItems = pageItems(await http('GET', `${API}/catalog/products?supplier_id=${mamiId}&category_id=${cheese.id}&limit=100`), 'cheese products');
    if (cheeseItems.length === 0) throw new StepFailed('no product in Cheese');
    const foreign = dairyItems.filter((p) => p.category_id !== dairy.id && p.category_id !== cheese.id);
    if (foreign.length) throw new StepFailed(`products of other categories: ${short(foreign.map((p) => p.name))}`);
    const dairyIds = new Set(dairyItems.map((p) => p.id));
    const missing = cheeseItems.filter((p) => !dairyIds.has(p.id));
    if (missing.length) throw new StepFailed(`cheese products missing under Dairy & Eggs: ${short(missing.map((p) => p.name))}`);
    if (!dairyItems.some((p) => p.category_id === dairy.id)) throw new StepFailed('no product directly in Dairy & Eggs');
    return `${dairyItems.length} products, ${cheeseItems.length} of them in Cheese`;
  });

  await step('GET /locations lists the default warehouse and the branches', async () => {
    const items = pageItems(await http('GET', `${API}/locations`, { token: manager }), 'locations');
    warehouse = items[0];
    expectEqual([warehouse?.kind, warehouse?.is_default, warehouse?.is_active], ['warehouse', true, true], 'first location [kind, is_default, is_active]');
    const branches = items.filter((l) => l.kind === 'branch' && l.is_active);
    if (branches.length < 4) throw new StepFailed(`expected at least 4 active branches, got ${short(items.map((l) => `${l.name} (${l.kind})`))}`);
    branch = branches[0];
    return `${warehouse.name} + ${branches.length} branches`;
  });

  await step('GET /inventory?low_stock=true lists only levels at or below their reorder point', async () => {
    const items = pageItems(await http('GET', `${API}/inventory?low_stock=true&limit=100`, { token: manager }), 'low stock');
    if (items.length === 0) throw new StepFailed('nothing is low: the demo has products low or out of stock at some branch');
    const wrong = items.filter((l) => l.low_stock !== true || l.available > l.reorder_point);
    if (wrong.length) throw new StepFailed(`levels that are not low: ${short(wrong)}`);
    return items
      .map((l) => `${l.product.name} @ ${l.location.name}: ${l.available}/${l.reorder_point}`)
      .slice(0, 3)
      .join('; ');
  });

  await step(`transfer ${transfer.quantity} units from the warehouse to a branch`, async () => {
    const product = cheeseProduct;
    const before = await http('GET', `${API}/products/${product.id}/inventory`, { token: manager });
    expectStatus(before, 200, 'inventory status');
    const at = (inv: any, id: string) => inv.locations.find((l: any) => l.location_id === id);
    if ((at(before.body, warehouse.id)?.available ?? 0) < transfer.quantity)
      throw new StepFailed(`not enough ${product.name} at ${warehouse.name}: ${short(before.body)}`);
    const res = await http('POST', `${API}/inventory/transfers`, {
      token: manager,
      body: {
        from_location_id: warehouse.id,
        to_location_id: branch.id,
        lines: [{ product_id: product.id, quantity: transfer.quantity }],
        note: `smoke ${run}`,
      },
    });
    expectStatus(res, 201);
    expectEqual(res.body?.movements?.length, 2, 'movements in the answer', res);
    transfer = { ...transfer, id: res.body.transfer_id, productId: product.id };
    const after = await http('GET', `${API}/products/${product.id}/inventory`, { token: manager });
    expectStatus(after, 200, 'inventory status');
    expectEqual(
      [at(after.body, warehouse.id).on_hand - at(before.body, warehouse.id).on_hand, at(after.body, branch.id).on_hand - at(before.body, branch.id).on_hand],
      [-transfer.quantity, transfer.quantity],
      'on-hand change [warehouse, branch]',
    );
    return `${product.name}: ${warehouse.name} → ${branch.name}`;
  });

  await step('GET /inventory/movements?reason=transfer shows the pair', async () => {
    const res = await http('GET', `${API}/inventory/movements?reason=transfer&transfer_id=${transfer.id}`, { token: manager });
    const items = pageItems(res, 'movements');
    expectEqual(items.length, 2, 'movements of the transfer', res);
    const pair = items.map((m) => [m.reason, m.product.id, m.location.id, m.delta_on_hand]).sort((a, b) => a[3] - b[3]);
    expectEqual(
      pair,
      [
        ['transfer', transfer.productId, warehouse.id, -transfer.quantity],
        ['transfer', transfer.productId, branch.id, transfer.quantity],
      ],
      'the pair [reason, product, location, delta]',
    );
  });

  await step('transfer them back (the demo stock stays as it was)', async () => {
    const res = await http('POST', `${API}/inventory/transfers`, {
      token: manager,
      body: {
        from_location_id: branch.id,
        to_location_id: warehouse.id,
        lines: [{ product_id: transfer.productId, quantity: transfer.quantity }],
        note: `smoke ${run} back`,
      },
    });
    expectStatus(res, 201);
  });

  await step("the shopper's delivery order below 150.00 ILS pays the 30.00 delivery fee", async () => {
    const org = await http('GET', `${API}/organizations/${mamiId}`, { token: manager });
    expectStatus(org, 200, 'organization status');
    expectEqual([org.body?.delivery_fee, org.body?.free_delivery_threshold], ['30.00', '150.00'], 'demo settings [delivery_fee, free_delivery_threshold]', org);
    const res = await http('POST', `${API}/orders`, {
      token: shopper,
      body: {
        supplier_id: mamiId,
        items: [{ product_id: cheeseProduct.id, quantity: 1 }],
        fulfilment: 'delivery',
        shipping_address: `Smoke St 1, Tel Aviv (${run})`,
      },
    });
    expectStatus(res, 201);
    deliveryOrder = res.body;
    expectEqual([res.body.fulfilment, res.body.currency, res.body.shipping_total], ['delivery', 'ILS', '30.00'], '[fulfilment, currency, shipping_total]', res);
    if (minor(res.body.subtotal, 'subtotal') >= 15000n) throw new StepFailed(`subtotal ${res.body.subtotal} is not below 150.00`);
    const expected = minor(res.body.subtotal, 'subtotal') - minor(res.body.discount_total, 'discount_total') + minor(res.body.tax_total, 'tax_total') + 3000n;
    expectEqual(minor(res.body.total, 'total').toString(), expected.toString(), 'total in agorot (subtotal − discount + tax + 30.00)', res);
    return `${res.body.number}: ${res.body.subtotal} + 30.00 = ${res.body.total} ILS`;
  });

  await step('a staff order for a new customer: Branch counter, pickup at a branch', async () => {
    const channels = pageItems(await http('GET', `${API}/sales-channels`, { token: manager }), 'sales channels');
    counterChannel = channels.find((c) => c.name === 'Branch counter');
    if (!counterChannel) throw new StepFailed(`no "Branch counter" channel in ${short(channels.map((c) => c.name))}`);
    const res = await http('POST', `${API}/orders`, {
      token: manager,
      body: {
        supplier_id: mamiId,
        customer: walkIn,
        channel_id: counterChannel.id,
        location_id: branch.id,
        fulfilment: 'pickup',
        items: [{ product_id: cheeseProduct.id, quantity: 2 }],
        notes: `smoke ${run}: phoned in`,
      },
    });
    expectStatus(res, 201);
    staffOrder = res.body;
    expectEqual(
      [
        res.body.source,
        res.body.customer?.name,
        res.body.customer?.email,
        res.body.channel?.id,
        res.body.location_id,
        res.body.fulfilment,
        res.body.shipping_total,
      ],
      ['staff', walkIn.name, walkIn.email, counterChannel.id, branch.id, 'pickup', '0.00'],
      '[source, customer name, customer email, channel, location, fulfilment, shipping_total]',
      res,
    );
    return `${res.body.number} total ${res.body.total} ${res.body.currency}`;
  });

  await step('GET /customers shows the new customer with order_count and total_spent', async () => {
    const items = pageItems(await http('GET', `${API}/customers?q=${encodeURIComponent(walkIn.email)}`, { token: manager }), 'customers');
    expectEqual(items.length, 1, 'customers matching the new email');
    const c = items[0];
    expectEqual(
      [c.name, c.phone, c.order_count, c.total_spent, c.currency],
      [walkIn.name, walkIn.phone, 1, staffOrder.total, 'ILS'],
      '[name, phone, order_count, total_spent, currency]',
    );
    const buyers = pageItems(await http('GET', `${API}/customers?q=${encodeURIComponent(DEMO.shopper)}`, { token: manager }), 'customers');
    const shopperRecord = buyers.find((b) => b.email === DEMO.shopper);
    if (!shopperRecord || shopperRecord.order_count < 1) throw new StepFailed(`the shopper's customer record has no order: ${short(buyers)}`);
    return `${c.name}: ${c.order_count} order, ${c.total_spent} ${c.currency}; shopper: ${shopperRecord.order_count} orders`;
  });

  await step('GET /orders?created_from=…&channel_id=… finds the staff order and not the online one', async () => {
    // A day before the run's start: safe against a server clock a little off.
    const from = new Date(started.getTime() - 86_400_000).toISOString().slice(0, 10);
    const res = await http('GET', `${API}/orders?created_from=${from}&channel_id=${counterChannel.id}&limit=100`, { token: manager });
    const items = pageItems(res, 'orders');
    if (!items.some((o) => o.id === staffOrder.id)) throw new StepFailed(`staff order ${staffOrder.id} missing from ${short(items.map((o) => o.number))}`);
    if (items.some((o) => o.id === deliveryOrder.id)) throw new StepFailed('the online order appears under the Branch counter channel');
    const stray = items.filter((o) => o.channel?.id !== counterChannel.id || o.created_at.slice(0, 10) < from);
    if (stray.length) throw new StepFailed(`orders outside the filters: ${short(stray)}`);
    return `${items.length} order(s) since ${from}`;
  });

  await step('GET /products/export.csv is text/csv with the header', async () => {
    const res = await http('GET', `${API}/products/export.csv`, { token: manager });
    expectStatus(res, 200);
    if (!res.contentType.startsWith('text/csv')) throw new StepFailed(`expected text/csv, got ${res.contentType}`);
    const lines = String(res.body)
      .split(/\r?\n/)
      .filter((l) => l !== '');
    const header = lines[0] ?? '';
    for (const column of ['sku', 'name', 'price', `stock:${warehouse.name}`, `reorder_point:${warehouse.name}`]) {
      if (!header.split(',').includes(column)) throw new StepFailed(`column ${column} missing from the header: ${short(header)}`);
    }
    if (!lines.some((l) => l.startsWith(`${cheeseProduct.sku},`))) throw new StepFailed(`no row for ${cheeseProduct.sku}`);
    return `${lines.length - 1} products`;
  });

  await step('cancel the two store orders (their reservations are released)', async () => {
    const a = await http('POST', `${API}/orders/${deliveryOrder.id}/cancel`, { token: shopper, body: { reason: 'smoke test' } });
    expectStatus(a, 200, 'shopper cancel status');
    const b = await http('POST', `${API}/orders/${staffOrder.id}/cancel`, { token: manager, body: { reason: 'smoke test' } });
    expectStatus(b, 200, 'staff cancel status');
    expectEqual([a.body?.status, b.body?.status], ['cancelled', 'cancelled'], 'statuses');
  });
}

main().catch((err) => {
  console.error(`smoke: failed after ${passed} steps:`, err);
  process.exit(1);
});
