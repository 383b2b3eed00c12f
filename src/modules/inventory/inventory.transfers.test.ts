import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { buildConsumer, buildSupplier, call, createTestApp, expectProblem, uniq } from '../../../test/helpers.js';
import { buildProduct } from '../../../test/factories.js';
import { queryRows } from '../../infra/db/client.js';

const { app, database } = await createTestApp();

type Supplier = Awaited<ReturnType<typeof buildSupplier>>;
type Movement = {
  id: string;
  product: { id: string; sku: string; name: string };
  location: { id: string; name: string };
  reason: string;
  delta_on_hand: number;
  delta_reserved: number;
  on_hand_before: number;
  on_hand_after: number;
  reserved_before: number;
  reserved_after: number;
  transfer_id: string | null;
  actor_id: string | null;
  note: string | null;
};

async function createLocation(s: Supplier, body: Record<string, unknown> = {}) {
  const res = await call(app, 'POST', '/api/v1/locations', { token: s.owner.token, body: { name: `Branch ${uniq()}`, kind: 'branch', ...body } });
  if (res.status !== 201) throw new Error(`create location failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; name: string };
}

/** A supplier with a default location A (where initial stock goes) and a branch B. */
async function setup() {
  const s = await buildSupplier(app);
  const a = await createLocation(s, { name: 'Warehouse A', kind: 'warehouse' });
  const b = await createLocation(s, { name: 'Branch B' });
  return { s, a, b };
}

/** on_hand/reserved of a product at a location, undefined without a level. */
const level = async (productId: string, locationId: string) =>
  (
    await queryRows<{ on_hand: number; reserved: number }>(
      database.db,
      sql`select on_hand, reserved from stock_levels where product_id = ${productId} and location_id = ${locationId}`,
    )
  )[0];

const movementCount = async (productId: string) =>
  Number((await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from stock_movements where product_id = ${productId}`))[0].n);

const transfer = (token: string, body: Record<string, unknown>) => call(app, 'POST', '/api/v1/inventory/transfers', { token, body });

describe('POST /inventory/transfers', () => {
  it('moves stock in one transaction: two transfer movements sharing transfer_id with correct before/after', async () => {
    const { s, a, b } = await setup();
    const p = await buildProduct(app, s, { stock: 10 });
    const res = await transfer(s.manager.token, {
      from_location_id: a.id,
      to_location_id: b.id,
      lines: [{ product_id: p.id, quantity: 4 }],
      note: 'weekly refill',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      transfer_id: expect.any(String),
      supplier_id: s.org.id,
      from_location_id: a.id,
      to_location_id: b.id,
      note: 'weekly refill',
    });
    const [out, into] = res.body.movements as Movement[];
    expect(res.body.movements).toHaveLength(2);
    expect(out).toMatchObject({
      product: { id: p.id, sku: p.sku, name: p.name },
      location: { id: a.id, name: 'Warehouse A' },
      reason: 'transfer',
      delta_on_hand: -4,
      delta_reserved: 0,
      on_hand_before: 10,
      on_hand_after: 6,
      reserved_before: 0,
      reserved_after: 0,
      transfer_id: res.body.transfer_id,
      actor_id: s.manager.id,
      note: 'weekly refill',
    });
    expect(into).toMatchObject({
      product: { id: p.id, sku: p.sku, name: p.name },
      location: { id: b.id, name: 'Branch B' },
      reason: 'transfer',
      delta_on_hand: 4,
      on_hand_before: 0,
      on_hand_after: 4,
      transfer_id: res.body.transfer_id,
      actor_id: s.manager.id,
    });
    expect(await level(p.id, a.id)).toEqual({ on_hand: 6, reserved: 0 });
    expect(await level(p.id, b.id)).toEqual({ on_hand: 4, reserved: 0 });

    // Back again, into the existing level; history finds the pair by transfer_id.
    const back = await transfer(s.owner.token, { from_location_id: b.id, to_location_id: a.id, lines: [{ product_id: p.id, quantity: 3 }] });
    expect(back.body.movements.map((m: Movement) => [m.location.id, m.on_hand_before, m.on_hand_after])).toEqual([
      [b.id, 4, 1],
      [a.id, 6, 9],
    ]);
    const hist = await call(app, 'GET', `/api/v1/inventory/movements?transfer_id=${res.body.transfer_id}`, { token: s.employee.token });
    expect(hist.body.total).toBe(2);
    expect(new Set(hist.body.items.map((m: Movement) => m.id))).toEqual(new Set([out.id, into.id]));
    const inv = await call(app, 'GET', `/api/v1/products/${p.id}/inventory`, { token: s.owner.token });
    expect(inv.body).toMatchObject({ on_hand: 10, reserved: 0 });
  });

  it('merges lines of one product and moves several products, in product id order', async () => {
    const { s, a, b } = await setup();
    const p = await buildProduct(app, s, { stock: 5 });
    const q = await buildProduct(app, s, { stock: 5 });
    const res = await transfer(s.owner.token, {
      from_location_id: a.id,
      to_location_id: b.id,
      lines: [
        { product_id: q.id, quantity: 1 },
        { product_id: p.id, quantity: 1 },
        { product_id: q.id, quantity: 2 },
      ],
    });
    expect(res.status).toBe(201);
    const sorted = [p.id, q.id].sort();
    expect(res.body.movements.map((m: Movement) => [m.product.id, m.location.id, m.delta_on_hand])).toEqual([
      [sorted[0], a.id, sorted[0] === p.id ? -1 : -3],
      [sorted[0], b.id, sorted[0] === p.id ? 1 : 3],
      [sorted[1], a.id, sorted[1] === p.id ? -1 : -3],
      [sorted[1], b.id, sorted[1] === p.id ? 1 : 3],
    ]);
    expect(await level(q.id, b.id)).toEqual({ on_hand: 3, reserved: 0 });
  });

  it('moves only available stock: 409 INSUFFICIENT_STOCK lists every short line and writes nothing', async () => {
    const { s, a, b } = await setup();
    const p = await buildProduct(app, s, { stock: 10 });
    const q = await buildProduct(app, s, { stock: 1 });
    const r = await buildProduct(app, s, { stock: 5 });
    const none = await buildProduct(app, s, { stock: null });
    await database.db.execute(sql`update stock_levels set reserved = 8 where product_id = ${p.id} and location_id = ${a.id}`);
    const before = await Promise.all([p, q, r, none].map((x) => movementCount(x.id)));

    const res = await transfer(s.owner.token, {
      from_location_id: a.id,
      to_location_id: b.id,
      lines: [
        { product_id: p.id, quantity: 3 },
        { product_id: q.id, quantity: 2 },
        { product_id: r.id, quantity: 5 },
        { product_id: none.id, quantity: 1 },
      ],
    });
    const problem = expectProblem(res, 409, 'INSUFFICIENT_STOCK');
    const byProduct = <T extends { product_id: string }>(lines: T[]) => [...lines].sort((x, y) => x.product_id.localeCompare(y.product_id));
    expect(byProduct(problem.details.lines)).toEqual(
      byProduct([
        { product_id: p.id, sku: p.sku, requested: 3, available: 2 },
        { product_id: q.id, sku: q.sku, requested: 2, available: 1 },
        { product_id: none.id, sku: none.sku, requested: 1, available: 0 },
      ]),
    );
    expect(await level(p.id, a.id)).toEqual({ on_hand: 10, reserved: 8 });
    expect(await level(r.id, a.id)).toEqual({ on_hand: 5, reserved: 0 });
    for (const x of [p, q, r, none]) expect(await level(x.id, b.id)).toBeUndefined();
    expect(await Promise.all([p, q, r, none].map((x) => movementCount(x.id)))).toEqual(before);

    // Exactly the available quantity moves; the reservation stays at the source.
    const ok = await transfer(s.owner.token, { from_location_id: a.id, to_location_id: b.id, lines: [{ product_id: p.id, quantity: 2 }] });
    expect(ok.body.movements[0]).toMatchObject({ on_hand_before: 10, on_hand_after: 8, reserved_before: 8, reserved_after: 8 });
    expect(await level(p.id, a.id)).toEqual({ on_hand: 8, reserved: 8 });
  });

  it('rejects bad locations and products with 422, writing nothing', async () => {
    const { s, a, b } = await setup();
    const other = await setup();
    const closed = await createLocation(s, { is_active: false });
    const p = await buildProduct(app, s, { stock: 5 });
    const archived = await buildProduct(app, s, { stock: 5 });
    await call(app, 'DELETE', `/api/v1/products/${archived.id}`, { token: s.owner.token });
    const foreign = await buildProduct(app, other.s, { stock: 5 });
    const line = [{ product_id: p.id, quantity: 1 }];
    const cases: [Record<string, unknown>, string[]][] = [
      [{ from_location_id: a.id, to_location_id: a.id, lines: line }, ['body/to_location_id']],
      [{ from_location_id: a.id, to_location_id: closed.id, lines: line }, ['body/to_location_id']],
      [{ from_location_id: closed.id, to_location_id: a.id, lines: line }, ['body/from_location_id']],
      [{ from_location_id: a.id, to_location_id: other.b.id, lines: line }, ['body/to_location_id']],
      [{ from_location_id: other.a.id, to_location_id: b.id, lines: line }, ['body/from_location_id']],
      [{ from_location_id: a.id, to_location_id: b.id, lines: [...line, { product_id: archived.id, quantity: 1 }] }, ['body/lines/1/product_id']],
      [{ from_location_id: a.id, to_location_id: b.id, lines: [{ product_id: foreign.id, quantity: 1 }, ...line] }, ['body/lines/0/product_id']],
      [{ from_location_id: a.id, to_location_id: b.id, lines: [{ product_id: p.id, quantity: 0 }] }, ['body/lines/0/quantity']],
      [{ from_location_id: a.id, to_location_id: b.id, lines: [{ product_id: p.id, quantity: 1.5 }] }, ['body/lines/0/quantity']],
      [{ from_location_id: a.id, to_location_id: b.id, lines: [{ product_id: p.id, quantity: '1' }] }, ['body/lines/0/quantity']],
      [{ from_location_id: a.id, to_location_id: b.id, lines: [] }, ['body/lines']],
      [{ from_location_id: a.id, lines: line }, ['body/to_location_id']],
      [{ from_location_id: 'nope', to_location_id: b.id, lines: line }, ['body/from_location_id']],
    ];
    for (const [body, paths] of cases) {
      const problem = expectProblem(await transfer(s.owner.token, body), 422, 'VALIDATION_FAILED');
      for (const path of paths) expect(problem.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect(await level(p.id, a.id)).toEqual({ on_hand: 5, reserved: 0 });
    expect(await level(p.id, b.id)).toBeUndefined();
    expect(await movementCount(p.id)).toBe(1);
    expect(await movementCount(foreign.id)).toBe(1);
  });

  it('refuses sales, employees and consumers (403) and another supplier (404)', async () => {
    const { s, a, b } = await setup();
    const other = await buildSupplier(app);
    const c = await buildConsumer(app);
    const p = await buildProduct(app, s, { stock: 5 });
    const body = { from_location_id: a.id, to_location_id: b.id, lines: [{ product_id: p.id, quantity: 1 }] };
    expectProblem(await transfer(s.sales.token, body), 403);
    expectProblem(await transfer(s.employee.token, body), 403);
    expectProblem(await transfer(c.owner.token, body), 403);
    expectProblem(await transfer(other.owner.token, { ...body, supplier_id: s.org.id }), 404);
    // Without supplier_id the other supplier acts on its own: these locations are not its (422).
    expectProblem(await transfer(other.owner.token, body), 422);
    expectProblem(await call(app, 'POST', '/api/v1/inventory/transfers', { body }), 401);
    expect(await level(p.id, a.id)).toEqual({ on_hand: 5, reserved: 0 });
    expect(await movementCount(p.id)).toBe(1);
  });

  it('never oversells: 20 concurrent transfers of 1 unit out of 10 available, exactly 10 succeed', async () => {
    const { s, a, b } = await setup();
    const p = await buildProduct(app, s, { stock: 12 });
    await database.db.execute(sql`update stock_levels set reserved = 2 where product_id = ${p.id} and location_id = ${a.id}`);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => transfer(s.owner.token, { from_location_id: a.id, to_location_id: b.id, lines: [{ product_id: p.id, quantity: 1 }] })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(10);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(10);
    for (const r of refused) expectProblem(r, 409, 'INSUFFICIENT_STOCK');
    expect(await level(p.id, a.id)).toEqual({ on_hand: 2, reserved: 2 });
    expect(await level(p.id, b.id)).toEqual({ on_hand: 10, reserved: 0 });
    const outs = await queryRows<{ on_hand_after: number }>(
      database.db,
      sql`
      select on_hand_after from stock_movements where product_id = ${p.id} and location_id = ${a.id} and reason = 'transfer' order by on_hand_after`,
    );
    expect(outs.map((m) => m.on_hand_after)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('completes opposite concurrent transfers (A→B and B→A) without deadlock', async () => {
    const { s, a, b } = await setup();
    const p = await buildProduct(app, s, { stock: 20 });
    const q = await buildProduct(app, s, { stock: 20 });
    const seed = await transfer(s.owner.token, {
      from_location_id: a.id,
      to_location_id: b.id,
      lines: [
        { product_id: p.id, quantity: 10 },
        { product_id: q.id, quantity: 10 },
      ],
    });
    expect(seed.status).toBe(201);
    const requests = Array.from({ length: 16 }, (_, i) => {
      const forward = i % 2 === 0;
      const lines = forward
        ? [
            { product_id: p.id, quantity: 1 },
            { product_id: q.id, quantity: 1 },
          ]
        : [
            { product_id: q.id, quantity: 1 },
            { product_id: p.id, quantity: 1 },
          ];
      return transfer(s.owner.token, { from_location_id: forward ? a.id : b.id, to_location_id: forward ? b.id : a.id, lines });
    });
    const results = await Promise.all(requests);
    expect(results.map((r) => r.status)).toEqual(Array(16).fill(201));
    for (const x of [p, q]) {
      const [la, lb] = [await level(x.id, a.id), await level(x.id, b.id)];
      expect(la.on_hand + lb.on_hand).toBe(20);
      expect(la.on_hand).toBe(10);
    }
  });
});
