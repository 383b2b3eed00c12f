/**
 * The stock invariants, checked and repaired: per stock level, `reserved` equals the quantities
 * that open orders hold there, and `on_hand` / `reserved` equal the sums of the level's stock
 * movements; every order that holds a reservation has its reservation movements. Spans the stock
 * tables and the orders tables, so it is a flow (docs/stock-invariants.md).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { inTransaction, type Ctx } from '../infra/context.js';
import { queryRows, type Db } from '../infra/db/client.js';
import { problems } from '../infra/problem.js';
import { Uuid } from '../infra/schemas.js';
import { recordAudit } from '../modules/audit/index.js';
import { resolveSupplier } from '../modules/organizations/index.js';
import { stockMovements, stockLevels } from '../modules/stock/index.js';

/** One stock level that breaks an invariant. All figures are whole units. */
export interface LevelDrift {
  product_id: string;
  location_id: string;
  sku: string;
  on_hand: number;
  reserved: number;
  /** What the orders holding a reservation at this location ask for this product (stock_state `reserved`). */
  held_by_orders: number;
  /** Σ (on_hand_after − on_hand_before) over the level's movements. */
  movements_on_hand: number;
  /** Σ (reserved_after − reserved_before) over the level's movements. */
  movements_reserved: number;
}

/** One order that holds a reservation but whose reservation movements do not add up to its lines. */
export interface OrderDrift {
  order_id: string;
  number: string;
  product_id: string;
  /** Where the order holds its stock. */
  location_id: string;
  /** Units of the product on the order's lines. */
  quantity: number;
  /** Net `reserved` change its movements record for the product (reservations minus releases). */
  movements_reserved: number;
}

/** The result of a check: `ok` when both lists are empty. */
export interface StockCheckResult {
  supplier_id: string;
  ok: boolean;
  levels_checked: number;
  levels: LevelDrift[];
  orders: OrderDrift[];
}

/** One stock level, to narrow a query to it (the repair reads its levels one at a time, under their locks). */
interface LevelKey {
  product_id: string;
  location_id: string;
}

/*
 * One statement per list, both bounded by the supplier: its levels (through its locations) with the
 * reservations held by its open orders and the sums of the movements, keyed by (product, location);
 * keys present in only one side (a held reservation without a level) still show. With `level`, every
 * part is narrowed to that one level at its base, so reading one level costs one level's rows.
 */
/** ` and <location> = … and <product> = …` when `level` is given, else nothing. */
const onLevel = (level: LevelKey | undefined, location: SQL, product: SQL) =>
  level ? sql` and ${location} = ${level.location_id} and ${product} = ${level.product_id}` : sql``;

const levelDriftQuery = (supplierId: string, onlyDrift: boolean, level?: LevelKey) => sql`
  with locs as (select id from stock_locations where supplier_id = ${supplierId}${level ? sql` and id = ${level.location_id}` : sql``}),
  held as (
    select o.location_id, l.product_id, sum(l.quantity)::int as qty
      from orders o join order_lines l on l.order_id = o.id
     where o.supplier_id = ${supplierId} and o.stock_state = 'reserved'${onLevel(level, sql`o.location_id`, sql`l.product_id`)}
     group by 1, 2),
  ledger as (
    select m.location_id, m.product_id,
           sum(m.on_hand_after - m.on_hand_before)::int as on_hand,
           sum(m.reserved_after - m.reserved_before)::int as reserved
      from stock_movements m where m.location_id in (select id from locs)${onLevel(level, sql`m.location_id`, sql`m.product_id`)}
     group by 1, 2),
  keys as (
    select product_id, location_id from stock_levels where location_id in (select id from locs)${onLevel(level, sql`location_id`, sql`product_id`)}
    union select product_id, location_id from held
    union select product_id, location_id from ledger)
  select k.product_id, k.location_id, p.sku,
         coalesce(sl.on_hand, 0)::int as on_hand, coalesce(sl.reserved, 0)::int as reserved,
         coalesce(h.qty, 0)::int as held_by_orders,
         coalesce(g.on_hand, 0)::int as movements_on_hand, coalesce(g.reserved, 0)::int as movements_reserved
    from keys k
    join products p on p.id = k.product_id
    left join stock_levels sl on sl.product_id = k.product_id and sl.location_id = k.location_id
    left join held h on h.product_id = k.product_id and h.location_id = k.location_id
    left join ledger g on g.product_id = k.product_id and g.location_id = k.location_id
   ${
     onlyDrift
       ? sql`where coalesce(sl.reserved, 0) <> coalesce(h.qty, 0)
      or coalesce(sl.on_hand, 0) <> coalesce(g.on_hand, 0)
      or coalesce(sl.reserved, 0) <> coalesce(g.reserved, 0)`
       : sql``
   }
   order by k.product_id, k.location_id`;

const orderDriftQuery = (supplierId: string, level?: LevelKey) => sql`
  with lines as (
    select o.id as order_id, o.number, o.location_id, l.product_id, sum(l.quantity)::int as quantity
      from orders o join order_lines l on l.order_id = o.id
     where o.supplier_id = ${supplierId} and o.stock_state = 'reserved'${onLevel(level, sql`o.location_id`, sql`l.product_id`)}
     group by 1, 2, 3, 4),
  moved as (
    select m.order_id, m.product_id, sum(m.reserved_after - m.reserved_before)::int as reserved
      from stock_movements m
     where m.order_id in (select order_id from lines) and m.reason in ('reservation', 'release', 'reconciliation')
     group by 1, 2)
  select l.order_id, l.number, l.product_id, l.location_id, l.quantity, coalesce(mv.reserved, 0)::int as movements_reserved
    from lines l left join moved mv on mv.order_id = l.order_id and mv.product_id = l.product_id
   where coalesce(mv.reserved, 0) <> l.quantity
   order by l.number, l.product_id`;

/**
 * Checks a supplier's stock invariants without changing anything (two statements):
 * - per level: `reserved` = Σ quantities of its orders in stock state `reserved` at that location;
 *   `on_hand` = Σ Δon_hand and `reserved` = Σ Δreserved of the level's movements;
 * - per order holding a reservation: its reservation movements net to its lines' quantities.
 * Runs with `ctx.db` as given; inside a transaction, it sees that transaction's snapshot.
 * @returns the levels and orders that break an invariant (`ok` when none), and how many levels exist.
 */
export async function checkSupplierStock(db: Db, supplierId: string): Promise<StockCheckResult> {
  const [levels, orders, [{ count }]] = await Promise.all([
    queryRows<LevelDrift>(db, levelDriftQuery(supplierId, true)),
    queryRows<OrderDrift>(db, orderDriftQuery(supplierId)),
    queryRows<{ count: number }>(
      db,
      sql`select count(*)::int as count from stock_levels where location_id in (select id from stock_locations where supplier_id = ${supplierId})`,
    ),
  ]);
  return { supplier_id: supplierId, ok: levels.length === 0 && orders.length === 0, levels_checked: Number(count), levels, orders };
}

/** The suppliers that have stock locations (for a check of the whole database). */
export const listStockSuppliers = async (db: Db): Promise<string[]> =>
  (await queryRows<{ supplier_id: string }>(db, sql`select distinct supplier_id from stock_locations order by 1`)).map((r) => r.supplier_id);

/** What `reconcileSupplierStock` changed on one level: before and after, whole units. */
export interface LevelRepair {
  product_id: string;
  location_id: string;
  reserved_before: number;
  reserved_after: number;
  /** The movement ledger's on-hand figure that the reconciliation movement brings in line with the level. */
  movements_on_hand: number;
  on_hand: number;
}

/**
 * Repairs a supplier's drifted levels, in one transaction, writing `reconciliation` movements with
 * the operator and `note` (why):
 * - `reserved` is set to what the open orders hold there (a reservation no order holds is freed; one
 *   an order holds without a reservation is restored, as far as `on_hand` allows — the CHECK keeps
 *   `reserved ≤ on_hand`, so a level that cannot hold it stays reported and needs a restock first);
 * - when the level then holds every open order's reservation, each order whose reservation no
 *   movement shows gets a movement (with its `order_id`) for the part restored for it;
 * - a last movement goes from the ledger's figures to the level's (`on_hand_before` = Σ movements,
 *   `on_hand_after` = the level's on-hand), so the level's movements add up to the level again. On-hand stock itself is never changed here: a
 *   physical count goes through an adjustment (reason `adjustment`, with a note).
 * Each level is locked (`FOR NO KEY UPDATE`, product id order) before what the orders hold is read,
 * so a concurrent placement or cancellation of the same level waits and is counted exactly once.
 * @returns the repairs made and the check after them.
 */
export async function reconcileSupplierStock(ctx: Ctx, supplierId: string, note: string): Promise<{ repaired: LevelRepair[]; after: StockCheckResult }> {
  return inTransaction(ctx, async (tx) => {
    // The drifted levels, and the levels of orders whose movements miss their reservation, in
    // product id order (the lock order every stock operation uses).
    const [levelRows, orderRows] = await Promise.all([
      queryRows<LevelDrift>(tx.db, levelDriftQuery(supplierId, true)),
      queryRows<OrderDrift>(tx.db, orderDriftQuery(supplierId)),
    ]);
    const keys = new Map<string, { product_id: string; location_id: string }>();
    for (const k of [...levelRows, ...orderRows]) keys.set(`${k.product_id}/${k.location_id}`, { product_id: k.product_id, location_id: k.location_id });
    const drift = [...keys.values()].sort((a, b) =>
      a.product_id < b.product_id ? -1 : a.product_id > b.product_id ? 1 : a.location_id < b.location_id ? -1 : 1,
    );
    const repaired: LevelRepair[] = [];
    for (const d of drift) {
      const [locked] = await queryRows<{ on_hand: number; reserved: number }>(
        tx.db,
        sql`
        select on_hand, reserved from ${stockLevels} where product_id = ${d.product_id} and location_id = ${d.location_id} for no key update`,
      );
      if (!locked) continue; // a held reservation without a level: nothing to set; reported by the check
      // Read again under the lock: the figures of the first read may be stale.
      const [now] = await queryRows<LevelDrift>(tx.db, levelDriftQuery(supplierId, false, d));
      const reservedAfter = Math.min(now.held_by_orders, now.on_hand);
      const actorId = ctx.actor?.userId ?? null;
      const rows: (typeof stockMovements.$inferInsert)[] = [];
      let ledgerReserved = now.movements_reserved;
      if (reservedAfter === now.held_by_orders) {
        // The level now holds every open order's reservation: record, per order whose reservation no
        // movement shows, the part restored for it, so each order's movements add up again.
        const missing = await queryRows<OrderDrift>(tx.db, orderDriftQuery(supplierId, d));
        for (const o of missing) {
          const delta = o.quantity - o.movements_reserved;
          rows.push({
            productId: d.product_id,
            locationId: d.location_id,
            reason: 'reconciliation',
            orderId: o.order_id,
            onHandBefore: now.movements_on_hand,
            onHandAfter: now.movements_on_hand,
            reservedBefore: ledgerReserved,
            reservedAfter: ledgerReserved + delta,
            actorId,
            note,
          });
          ledgerReserved += delta;
        }
      }
      if (rows.length === 0 && reservedAfter === now.reserved && ledgerReserved === reservedAfter && now.movements_on_hand === now.on_hand) continue;
      // The last movement brings the ledger to the level; written even when its deltas are zero (the
      // level alone had drifted), so that every repair leaves its trace with the operator and the note.
      if (rows.length === 0 || ledgerReserved !== reservedAfter || now.movements_on_hand !== now.on_hand) {
        rows.push({
          productId: d.product_id,
          locationId: d.location_id,
          reason: 'reconciliation',
          onHandBefore: now.movements_on_hand,
          onHandAfter: now.on_hand,
          reservedBefore: ledgerReserved,
          reservedAfter,
          actorId,
          note,
        });
      }
      await tx.db.execute(
        sql`update ${stockLevels} set reserved = ${reservedAfter}, updated_at = now() where product_id = ${d.product_id} and location_id = ${d.location_id}`,
      );
      await tx.db.insert(stockMovements).values(rows);
      repaired.push({
        product_id: d.product_id,
        location_id: d.location_id,
        reserved_before: now.reserved,
        reserved_after: reservedAfter,
        movements_on_hand: now.movements_on_hand,
        on_hand: now.on_hand,
      });
    }
    if (repaired.length > 0) {
      await recordAudit(tx, {
        organizationId: supplierId,
        entityType: 'stock_check',
        entityId: supplierId,
        action: 'stock.reconciled',
        changes: { note, repaired },
      });
    }
    return { repaired, after: await checkSupplierStock(tx.db, supplierId) };
  });
}

/* ---------- HTTP ---------- */

const LevelDriftSchema = Type.Object(
  {
    product_id: Uuid,
    location_id: Uuid,
    sku: Type.String(),
    on_hand: Type.Integer(),
    reserved: Type.Integer(),
    held_by_orders: Type.Integer(),
    movements_on_hand: Type.Integer(),
    movements_reserved: Type.Integer(),
  },
  { $id: 'StockLevelDrift', description: 'A stock level that breaks an invariant (whole units).' },
);
const OrderDriftSchema = Type.Object(
  {
    order_id: Uuid,
    number: Type.String(),
    product_id: Uuid,
    location_id: Uuid,
    quantity: Type.Integer(),
    movements_reserved: Type.Integer(),
  },
  { $id: 'StockOrderDrift', description: 'An order holding a reservation whose reservation movements do not add up to its lines.' },
);
const StockCheckSchema = Type.Object(
  {
    supplier_id: Uuid,
    ok: Type.Boolean(),
    levels_checked: Type.Integer(),
    levels: Type.Array(Type.Ref(LevelDriftSchema)),
    orders: Type.Array(Type.Ref(OrderDriftSchema)),
  },
  { $id: 'StockCheck', description: 'The stock invariants of one supplier: `ok` when no level or order breaks them.' },
);
const LevelRepairSchema = Type.Object(
  {
    product_id: Uuid,
    location_id: Uuid,
    reserved_before: Type.Integer(),
    reserved_after: Type.Integer(),
    movements_on_hand: Type.Integer(),
    on_hand: Type.Integer(),
  },
  { $id: 'StockLevelRepair' },
);
const ReconcileResultSchema = Type.Object(
  {
    repaired: Type.Array(Type.Ref(LevelRepairSchema)),
    after: Type.Ref(StockCheckSchema),
  },
  { $id: 'StockReconciliation' },
);
const CheckQuery = Type.Object({ supplier_id: Type.Optional(Uuid) }, { additionalProperties: false });
const ReconcileBody = Type.Object(
  {
    supplier_id: Type.Optional(Uuid),
    note: Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S', description: 'Why the stock is reconciled (kept on every movement written).' }),
  },
  { additionalProperties: false },
);

/** `GET /inventory/check` and `POST /inventory/reconcile` (supplier staff). */
export const stockCheckRoutes: FastifyPluginAsyncTypebox = async (app) => {
  for (const s of [LevelDriftSchema, OrderDriftSchema, StockCheckSchema, LevelRepairSchema, ReconcileResultSchema]) app.addSchema(s);

  app.get(
    '/inventory/check',
    {
      schema: {
        tags: ['inventory'],
        operationId: 'checkStockInvariants',
        summary: 'Check the stock invariants of a supplier',
        description:
          'Per stock level: `reserved` equals what the open orders (stock state `reserved`) hold there, and `on_hand` and ' +
          "`reserved` equal the sums of the level's movements; every order holding a reservation has its reservation movements. " +
          'Lists what breaks them; changes nothing. `supplier_id` is needed only when the caller is staff of several suppliers.',
        querystring: CheckQuery,
        response: { 200: Type.Ref(StockCheckSchema), ...problems(401, 403, 404, 422) },
      },
      config: { permission: 'inventory:read' },
    },
    async (req) => {
      const supplierId = await resolveSupplier(req.ctx, 'inventory:read', req.query.supplier_id, 'querystring/supplier_id');
      return checkSupplierStock(req.ctx.db, supplierId);
    },
  );

  app.post(
    '/inventory/reconcile',
    {
      schema: {
        tags: ['inventory'],
        operationId: 'reconcileStock',
        summary: 'Repair drifted stock levels (owner or manager)',
        description:
          "Sets each drifted level's `reserved` to what the open orders hold there and brings the movement ledger in line " +
          'with the level, writing one `reconciliation` movement per level with your `note`. On-hand stock is not changed: count ' +
          'it and post an adjustment for that. Answers the repairs and the check after them.',
        body: ReconcileBody,
        response: { 200: Type.Ref(ReconcileResultSchema), ...problems(400, 401, 403, 404, 422) },
      },
      config: { permission: 'inventory:adjust' },
    },
    async (req) => {
      const supplierId = await resolveSupplier(req.ctx, 'inventory:adjust', req.body.supplier_id, 'body/supplier_id');
      return reconcileSupplierStock(req.ctx, supplierId, req.body.note.trim());
    },
  );
};
