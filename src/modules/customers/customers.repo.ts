import { and, asc, count, desc, eq, ilike, ne, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../../infra/db/client.js';
import { containsPattern } from '../../infra/db/like.js';
import type { SortTerm as Term } from '../../infra/sort.js';
import { organizations } from '../organizations/index.js';
import { customers } from './customers.tables.js';

export type CustomerRow = typeof customers.$inferSelect;

/**
 * Order statuses whose `total` does not count in a customer's `total_spent`: the money was never
 * taken (cancelled, rejected) or was given back (refunded). Every other status counts, `pending`
 * included (the order is a commitment to buy until it is cancelled or rejected).
 */
export const NOT_SPENT_STATUSES = ['cancelled', 'rejected', 'refunded'] as const;

const consumerOrg = alias(organizations, 'consumer_org');
const supplierOrg = alias(organizations, 'supplier_org');

/*
 * The orders module's tables import this module's table, so importing the orders module here would
 * be a cycle: the figures read the `orders` table by name (columns customer_id, supplier_id,
 * status, total) in correlated subqueries, served by the index orders_customer_created_idx.
 */
const orderCount = sql<number>`(select count(*)::int from orders o where o.customer_id = ${customers.id} and o.supplier_id = ${customers.supplierId})`.mapWith(
  Number,
);
const totalSpent = sql<string>`(select coalesce(sum(o.total), 0)::text from orders o where o.customer_id = ${customers.id} and o.supplier_id = ${customers.supplierId} and o.status not in (${sql.join(
  NOT_SPENT_STATUSES.map((s) => sql`${s}`),
  sql`, `,
)}))`;

/** A customer with its consumer's name, the supplier's currency and the figures computed from orders. */
export interface CustomerDetail {
  customer: CustomerRow;
  consumerName: string | null;
  currency: string;
  orderCount: number;
  /** Decimal string (numeric text) in `currency`. */
  totalSpent: string;
}

const detailQuery = (db: Db) =>
  db
    .select({ customer: customers, consumerName: consumerOrg.name, currency: supplierOrg.currency, orderCount, totalSpent })
    .from(customers)
    .innerJoin(supplierOrg, eq(supplierOrg.id, customers.supplierId))
    .leftJoin(consumerOrg, eq(consumerOrg.id, customers.consumerId));

/** One customer by id, whatever its supplier (the caller checks access), with its figures: one query. */
export const findCustomerDetail = async (db: Db, id: string): Promise<CustomerDetail | undefined> => (await detailQuery(db).where(eq(customers.id, id)))[0];

/** Allowed `?sort=` keys of the customer list and their columns (the id breaks ties). */
export const SORT_COLUMNS = { name: customers.name, created_at: customers.createdAt } as const;
export type SortKey = keyof typeof SORT_COLUMNS;
export type SortTerm = Term<SortKey>;

/**
 * A page of the supplier's customers with their figures, and the total: two queries whatever the
 * page size (the figures are correlated subqueries of the page query).
 */
export async function listCustomers(db: Db, supplierId: string, opts: { q?: string; sort: SortTerm[]; limit: number; offset: number }) {
  const where = and(
    eq(customers.supplierId, supplierId),
    opts.q ? or(ilike(customers.name, containsPattern(opts.q)), ilike(customers.email, containsPattern(opts.q))) : undefined,
  );
  const order: SQL[] = opts.sort.map((s) => (s.desc ? desc(SORT_COLUMNS[s.key]) : asc(SORT_COLUMNS[s.key])));
  order.push(opts.sort[0]?.desc ? desc(customers.id) : asc(customers.id));
  const [items, [{ total }]] = await Promise.all([
    detailQuery(db)
      .where(where)
      .orderBy(...order)
      .limit(opts.limit)
      .offset(opts.offset),
    db.select({ total: count() }).from(customers).where(where),
  ]);
  return { items: items as CustomerDetail[], total };
}

/** Inserts a customer; undefined when a unique index (the supplier's email) already holds the values. */
export const insertCustomer = async (db: Db, values: typeof customers.$inferInsert): Promise<CustomerRow | undefined> =>
  (await db.insert(customers).values(values).onConflictDoNothing().returning())[0];

/** Changes one customer of one supplier; undefined when there is none. */
export const updateCustomer = async (db: Db, supplierId: string, id: string, values: Partial<typeof customers.$inferInsert>) =>
  (
    await db
      .update(customers)
      .set({ ...values, updatedAt: new Date() })
      .where(and(eq(customers.id, id), eq(customers.supplierId, supplierId)))
      .returning()
  )[0] as CustomerRow | undefined;

/** True when another customer of the supplier (not `exceptId`) has this (lower-cased) email. */
export const emailTaken = async (db: Db, supplierId: string, email: string, exceptId?: string) =>
  (
    await db
      .select({ id: customers.id })
      .from(customers)
      .where(and(eq(customers.supplierId, supplierId), eq(customers.email, email), exceptId ? ne(customers.id, exceptId) : undefined))
  ).length > 0;

/**
 * One customer of one supplier (undefined for another supplier's customer or an unknown id). The
 * orders flow uses it to check a `customer_id` given by staff.
 */
export const findCustomer = async (db: Db, supplierId: string, id: string): Promise<CustomerRow | undefined> =>
  (
    await db
      .select()
      .from(customers)
      .where(and(eq(customers.id, id), eq(customers.supplierId, supplierId)))
  )[0];

const findBy = async (db: Db, supplierId: string, where: SQL) =>
  (
    await db
      .select()
      .from(customers)
      .where(and(eq(customers.supplierId, supplierId), where))
  )[0];

/** Who the customer record is for. `email` is lower-cased here. */
export interface CustomerIdentity {
  supplierId: string;
  /** A consumer organization buying (B2B). */
  consumerId?: string | null;
  /** A user buying for themselves. */
  userId?: string | null;
  name: string;
  email?: string | null;
  phone?: string | null;
  shippingAddress?: string | null;
  billingAddress?: string | null;
}

/**
 * The supplier's customer record for a buyer, created when missing (seeds 003 and 004: orders
 * carry their customer), safe under concurrency: inserts are `ON CONFLICT DO NOTHING` on the
 * partial unique indexes (supplier+email, supplier+user_id, supplier+consumer_id), then the row is
 * read back, so two concurrent first orders make one record.
 * - a consumer organization: the record keyed by (supplier, consumer_id); it gets no email;
 * - a user: the record keyed by (supplier, user_id); else a new one with the user's email, or
 *   without it when another record of the supplier already holds that email (one staff made for a
 *   phoned-in order, another account's). A record is never linked to an account through an e-mail
 *   address the account has not proven it owns, so nobody inherits another person's name,
 *   addresses or order history by registering their address;
 * - neither (staff order for a person): the record with that email, else a new one; without an
 *   email always a new record (a walk-in).
 * Existing records are returned as they are (their name and addresses are not overwritten).
 * `db` is the caller's transaction. Never throws for a conflict; throws only on database errors.
 */
export async function findOrCreateCustomer(db: Db, who: CustomerIdentity): Promise<CustomerRow> {
  const email = who.email ? who.email.trim().toLowerCase() || null : null;
  const values = {
    supplierId: who.supplierId,
    consumerId: who.consumerId ?? null,
    userId: who.consumerId ? null : (who.userId ?? null),
    name: who.name.trim() || email || 'Customer',
    email: who.consumerId ? null : email,
    phone: who.phone ?? null,
    shippingAddress: who.shippingAddress ?? null,
    billingAddress: who.billingAddress ?? null,
  };
  const lookup = async (): Promise<CustomerRow | undefined> => {
    if (who.consumerId) return findBy(db, who.supplierId, eq(customers.consumerId, who.consumerId));
    // A user's record is keyed by their account only. A record that staff made for the same e-mail
    // is never taken over: nothing proves the account owns that address (anyone can register it),
    // and the record's name, addresses and orders are someone else's until the e-mail is verified.
    if (who.userId) return findBy(db, who.supplierId, eq(customers.userId, who.userId));
    return email ? findBy(db, who.supplierId, eq(customers.email, email)) : undefined;
  };
  const existing = await lookup();
  if (existing) return existing;
  const created = await insertCustomer(db, values);
  if (created) return created;
  const raced = await lookup();
  if (raced) return raced;
  if (who.userId && !who.consumerId && values.email) {
    // The email belongs to a record we may not take over (staff-made, another user's).
    const withoutEmail = await insertCustomer(db, { ...values, email: null });
    if (withoutEmail) return withoutEmail;
    const again = await lookup();
    if (again) return again;
  }
  throw new Error(`customer of ${who.supplierId} is missing after a conflicting insert`);
}
