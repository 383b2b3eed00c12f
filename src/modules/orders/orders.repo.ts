import { and, asc, count, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../../infra/db/client.js';
import { organizations } from '../organizations/index.js';
import { orderLines, orders, orderStatusHistory, type OrderStatus } from './orders.tables.js';

export type OrderRow = typeof orders.$inferSelect;
export type OrderLineRow = typeof orderLines.$inferSelect;
export type StatusHistoryRow = typeof orderStatusHistory.$inferSelect;

/** An order with the names of its supplier and consumer (one query). */
export interface OrderWithParties extends OrderRow {
  supplierName: string;
  consumerName: string | null;
}

/**
 * Which orders a caller may see: all (platform admin), or those they placed, those of consumer
 * organizations and those of suppliers where they hold `orders:read`.
 */
export interface OrderScope {
  all: boolean;
  userId: string;
  consumerIds: string[];
  supplierIds: string[];
}

const supplierOrg = alias(organizations, 'supplier_org');
const consumerOrg = alias(organizations, 'consumer_org');

/** The scope as one SQL condition (an OR of `inArray`s on indexed columns). */
function visible(scope: OrderScope): SQL | undefined {
  if (scope.all) return undefined;
  const any: SQL[] = [eq(orders.placedBy, scope.userId)];
  if (scope.consumerIds.length) any.push(inArray(orders.consumerId, scope.consumerIds));
  if (scope.supplierIds.length) any.push(inArray(orders.supplierId, scope.supplierIds));
  return or(...any);
}

const withParties = {
  order: orders,
  supplierName: supplierOrg.name,
  consumerName: consumerOrg.name,
};

function flatten(r: { order: OrderRow; supplierName: string; consumerName: string | null }): OrderWithParties {
  return { ...r.order, supplierName: r.supplierName, consumerName: r.consumerName };
}

/** Inserts an order; its number is `ORD-<nextval('order_number_seq')>`, made in the same statement. */
export async function insertOrder(db: Db, values: Omit<typeof orders.$inferInsert, 'number'>): Promise<OrderRow> {
  const [row] = await db
    .insert(orders)
    .values({ ...values, number: sql`'ORD-' || nextval('order_number_seq')` })
    .returning();
  return row;
}

/** Inserts order lines; returns them in insertion order. */
export const insertLines = (db: Db, rows: (typeof orderLines.$inferInsert)[]) => db.insert(orderLines).values(rows).returning();

/** Inserts one status history row and returns it. */
export const insertHistory = async (db: Db, row: typeof orderStatusHistory.$inferInsert) =>
  (await db.insert(orderStatusHistory).values(row).returning())[0];

/** One order with its parties' names, whatever the caller may see (the service checks). */
export async function findOrder(db: Db, id: string): Promise<OrderWithParties | undefined> {
  const [row] = await db
    .select(withParties)
    .from(orders)
    .innerJoin(supplierOrg, eq(supplierOrg.id, orders.supplierId))
    .leftJoin(consumerOrg, eq(consumerOrg.id, orders.consumerId))
    .where(eq(orders.id, id));
  return row ? flatten(row) : undefined;
}

/** An order's lines in the order they were placed. */
export const findLines = (db: Db, orderId: string) =>
  db.select().from(orderLines).where(eq(orderLines.orderId, orderId)).orderBy(asc(orderLines.createdAt), asc(orderLines.id));

/** An order's status history, oldest first. */
export const findHistory = (db: Db, orderId: string) =>
  db.select().from(orderStatusHistory).where(eq(orderStatusHistory.orderId, orderId)).orderBy(asc(orderStatusHistory.createdAt), asc(orderStatusHistory.id));

/**
 * A page of the orders in `scope`, newest first: one page query (parties joined, line count as a
 * correlated subquery) and one count. Lines are not loaded.
 */
export async function listOrders(
  db: Db,
  scope: OrderScope,
  filter: { status?: OrderStatus; supplierId?: string; consumerId?: string; limit: number; offset: number },
) {
  const where = and(
    visible(scope),
    filter.status ? eq(orders.status, filter.status) : undefined,
    filter.supplierId ? eq(orders.supplierId, filter.supplierId) : undefined,
    filter.consumerId ? eq(orders.consumerId, filter.consumerId) : undefined,
  );
  const [rows, [{ total }]] = await Promise.all([
    db
      .select({ ...withParties, lineCount: sql<number>`(select count(*)::int from ${orderLines} where ${orderLines.orderId} = ${orders.id})` })
      .from(orders)
      .innerJoin(supplierOrg, eq(supplierOrg.id, orders.supplierId))
      .leftJoin(consumerOrg, eq(consumerOrg.id, orders.consumerId))
      .where(where)
      .orderBy(desc(orders.createdAt), desc(orders.id))
      .limit(filter.limit)
      .offset(filter.offset),
    db.select({ total: count() }).from(orders).where(where),
  ]);
  return { items: rows.map((r) => ({ ...flatten(r), lineCount: Number(r.lineCount) })), total };
}

/**
 * Moves an order from `from` to `to` (and its stock state) only if it is still in `from` and
 * `stockFrom` (the row lock serialises
 * concurrent changes; the loser updates nothing). Returns the updated row or undefined.
 */
export async function updateStatusIf(
  db: Db, id: string, from: OrderStatus, to: OrderStatus, stockFrom: OrderRow['stockState'], stockTo: OrderRow['stockState'],
) {
  const [row] = await db
    .update(orders)
    .set({ status: to, stockState: stockTo, updatedAt: sql`now()` })
    .where(and(eq(orders.id, id), eq(orders.status, from), eq(orders.stockState, stockFrom)))
    .returning();
  return row;
}

