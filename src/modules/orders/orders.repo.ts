import { and, asc, count, desc, eq, gte, inArray, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../../infra/db/client.js';
import { prepared } from '../../infra/db/prepared.js';
import { customers } from '../customers/index.js';
import { organizations } from '../organizations/index.js';
import { salesChannels } from '../sales-channels/index.js';
import { orderLines, orders, orderStatusHistory, type OrderStatus } from './orders.tables.js';

export type OrderRow = typeof orders.$inferSelect;
export type OrderLineRow = typeof orderLines.$inferSelect;
export type StatusHistoryRow = typeof orderStatusHistory.$inferSelect;

/** An order with the names of its supplier, consumer, customer and channel (one query). */
export interface OrderWithParties extends OrderRow {
  supplierName: string;
  consumerName: string | null;
  customerName: string | null;
  customerEmail: string | null;
  channelName: string | null;
}

/**
 * Which orders a caller may see: all (platform admin), or their own purchases as a person (buyer
 * orders for no organization that they placed), those of consumer organizations and those of
 * suppliers where they hold `orders:read`.
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
  // Their own purchases as a person; an order placed for an organization is seen through a membership.
  const any: SQL[] = [and(eq(orders.placedBy, scope.userId), isNull(orders.consumerId), eq(orders.source, 'buyer'))!];
  if (scope.consumerIds.length) any.push(inArray(orders.consumerId, scope.consumerIds));
  if (scope.supplierIds.length) any.push(inArray(orders.supplierId, scope.supplierIds));
  return or(...any);
}

const withParties = {
  order: orders,
  supplierName: supplierOrg.name,
  consumerName: consumerOrg.name,
  customerName: customers.name,
  customerEmail: customers.email,
  channelName: salesChannels.name,
};

type PartiesRow = {
  order: OrderRow;
  supplierName: string;
  consumerName: string | null;
  customerName: string | null;
  customerEmail: string | null;
  channelName: string | null;
};

function flatten(r: PartiesRow): OrderWithParties {
  return {
    ...r.order,
    supplierName: r.supplierName,
    consumerName: r.consumerName,
    customerName: r.customerName,
    customerEmail: r.customerEmail,
    channelName: r.channelName,
  };
}

/** `orders` joined with the names of its parties (all joins on primary keys). */
const selectWithParties = (db: Db) =>
  db
    .select(withParties)
    .from(orders)
    .innerJoin(supplierOrg, eq(supplierOrg.id, orders.supplierId))
    .leftJoin(consumerOrg, eq(consumerOrg.id, orders.consumerId))
    .leftJoin(customers, eq(customers.id, orders.customerId))
    .leftJoin(salesChannels, eq(salesChannels.id, orders.channelId));

/** The same, with each order's line count (a correlated subquery on the lines' index), for lists. */
const selectWithPartiesAndLineCount = (db: Db) =>
  db
    .select({ ...withParties, lineCount: sql<number>`(select count(*)::int from ${orderLines} where ${orderLines.orderId} = ${orders.id})` })
    .from(orders)
    .innerJoin(supplierOrg, eq(supplierOrg.id, orders.supplierId))
    .leftJoin(consumerOrg, eq(consumerOrg.id, orders.consumerId))
    .leftJoin(customers, eq(customers.id, orders.customerId))
    .leftJoin(salesChannels, eq(salesChannels.id, orders.channelId));

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
export const insertHistory = async (db: Db, row: typeof orderStatusHistory.$inferInsert) => (await db.insert(orderStatusHistory).values(row).returning())[0];

const byId = sql.placeholder('id');

/** One order with its parties' names, whatever the caller may see (the service checks). Prepared. */
export async function findOrder(db: Db, id: string): Promise<OrderWithParties | undefined> {
  const query = prepared(db, 'orders_find_by_id', (d, name) => selectWithParties(d).where(eq(orders.id, byId)).prepare(name));
  const [row] = await query.execute({ id });
  return row ? flatten(row) : undefined;
}

/** An order's lines in the order they were placed. Prepared. */
export const findLines = (db: Db, orderId: string): Promise<OrderLineRow[]> =>
  prepared(db, 'orders_lines_by_order', (d, name) =>
    d.select().from(orderLines).where(eq(orderLines.orderId, byId)).orderBy(asc(orderLines.createdAt), asc(orderLines.id)).prepare(name),
  ).execute({ id: orderId });

/** An order's status history, oldest first. Prepared. */
export const findHistory = (db: Db, orderId: string): Promise<StatusHistoryRow[]> =>
  prepared(db, 'orders_history_by_order', (d, name) =>
    d
      .select()
      .from(orderStatusHistory)
      .where(eq(orderStatusHistory.orderId, byId))
      .orderBy(asc(orderStatusHistory.createdAt), asc(orderStatusHistory.id))
      .prepare(name),
  ).execute({ id: orderId });

/** Filters of an order list; all optional, combined with AND. */
export interface OrderFilter {
  status?: OrderStatus;
  supplierId?: string;
  consumerId?: string;
  customerId?: string;
  channelId?: string;
  /** `created_at >= createdFrom`. */
  createdFrom?: Date;
  /** `created_at <= createdTo`, or `<` when `createdToExclusive` (a date-only bound: the next day's start). */
  createdTo?: Date;
  createdToExclusive?: boolean;
  /** Exact order number. */
  number?: string;
}

function filterSql(f: OrderFilter): (SQL | undefined)[] {
  return [
    f.status ? eq(orders.status, f.status) : undefined,
    f.supplierId ? eq(orders.supplierId, f.supplierId) : undefined,
    f.consumerId ? eq(orders.consumerId, f.consumerId) : undefined,
    f.customerId ? eq(orders.customerId, f.customerId) : undefined,
    f.channelId ? eq(orders.channelId, f.channelId) : undefined,
    f.createdFrom ? gte(orders.createdAt, f.createdFrom) : undefined,
    f.createdTo ? (f.createdToExclusive ? lt(orders.createdAt, f.createdTo) : lte(orders.createdAt, f.createdTo)) : undefined,
    f.number ? eq(orders.number, f.number) : undefined,
  ];
}

/**
 * A page of the orders in `scope` matching `filter`, newest first: one page query (parties joined,
 * line count as a correlated subquery) and one count, whatever the page size. Lines are not loaded.
 */
export async function listOrders(db: Db, scope: OrderScope, filter: OrderFilter & { limit: number; offset: number }) {
  const where = and(visible(scope), ...filterSql(filter));
  const [rows, [{ total }]] = await Promise.all([
    selectWithPartiesAndLineCount(db).where(where).orderBy(desc(orders.createdAt), desc(orders.id)).limit(filter.limit).offset(filter.offset),
    db.select({ total: count() }).from(orders).where(where),
  ]);
  return { items: rows.map((r) => ({ ...flatten(r), lineCount: Number(r.lineCount) })), total };
}

/** The supplier of a customer record (for access checks when only its id is known), or undefined. */
export const findCustomerSupplier = async (db: Db, customerId: string): Promise<string | undefined> =>
  (await db.select({ supplierId: customers.supplierId }).from(customers).where(eq(customers.id, customerId)))[0]?.supplierId;

/** One sale of a product: the line with its order and customer. */
export interface ProductSaleRow {
  orderId: string;
  number: string;
  status: OrderStatus;
  createdAt: Date;
  customerId: string | null;
  customerName: string | null;
  quantity: number;
  unitPrice: string;
  lineTotal: string;
  currency: string;
}

/**
 * The lines of `productId` in orders of `supplierId`, newest order first, optionally of one status:
 * one page query (lines → orders → customers) and one count.
 */
export async function listProductSales(db: Db, supplierId: string, productId: string, opts: { status?: OrderStatus; limit: number; offset: number }) {
  const where = and(eq(orderLines.productId, productId), eq(orders.supplierId, supplierId), opts.status ? eq(orders.status, opts.status) : undefined);
  const [rows, [{ total }]] = await Promise.all([
    db
      .select({
        orderId: orders.id,
        number: orders.number,
        status: orders.status,
        createdAt: orders.createdAt,
        customerId: customers.id,
        customerName: customers.name,
        quantity: orderLines.quantity,
        unitPrice: orderLines.unitPrice,
        lineTotal: orderLines.lineTotal,
        currency: orders.currency,
      })
      .from(orderLines)
      .innerJoin(orders, eq(orders.id, orderLines.orderId))
      .leftJoin(customers, eq(customers.id, orders.customerId))
      .where(where)
      .orderBy(desc(orders.createdAt), desc(orders.id), asc(orderLines.id))
      .limit(opts.limit)
      .offset(opts.offset),
    db.select({ total: count() }).from(orderLines).innerJoin(orders, eq(orders.id, orderLines.orderId)).where(where),
  ]);
  return { items: rows as ProductSaleRow[], total };
}

/**
 * Moves an order from `from` to `to` (and its stock state) only if it is still in `from` and
 * `stockFrom` (the row lock serialises
 * concurrent changes; the loser updates nothing). Returns the updated row or undefined.
 */
export async function updateStatusIf(
  db: Db,
  id: string,
  from: OrderStatus,
  to: OrderStatus,
  stockFrom: OrderRow['stockState'],
  stockTo: OrderRow['stockState'],
) {
  const [row] = await db
    .update(orders)
    .set({ status: to, stockState: stockTo, updatedAt: sql`now()` })
    .where(and(eq(orders.id, id), eq(orders.status, from), eq(orders.stockState, stockFrom)))
    .returning();
  return row;
}
