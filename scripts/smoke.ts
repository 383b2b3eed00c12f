/**
 * `npm run smoke`: drives the B2B flow end to end over real HTTP against a running server
 * (SMOKE_URL, default http://127.0.0.1:3000): accounts, organizations, product with stock, link
 * request and approval, catalog visibility, an order through its whole lifecycle with the stock
 * it reserves and deducts, and an oversized order refused with 409 INSUFFICIENT_STOCK.
 *
 * Every run uses fresh emails and SKUs, so it can run again and again against the same server.
 * Prints one line per step; exits 1 at the first mismatch, naming the step.
 */
import { randomBytes } from 'node:crypto';

const BASE = (process.env.SMOKE_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');
const API = `${BASE}/api/v1`;
const PASSWORD = 'Smoke-Pass-123';
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
      throw new StepFailed(`cannot reach ${BASE}: ${(err as Error).cause ?? (err as Error).message}`);
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

  console.log(`smoke: ${passed} steps passed`);
}

main().catch((err) => {
  console.error(`smoke: failed after ${passed} steps:`, err);
  process.exit(1);
});
