import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../infra/db/client.js';
import { customers } from './customers.tables.js';

export type CustomerRow = typeof customers.$inferSelect;

/** One customer of one supplier (undefined for another supplier's customer). */
export const findCustomer = async (db: Db, supplierId: string, id: string): Promise<CustomerRow | undefined> =>
  (await db.select().from(customers).where(and(eq(customers.id, id), eq(customers.supplierId, supplierId))))[0];

const findBy = async (db: Db, supplierId: string, where: ReturnType<typeof eq>) =>
  (await db.select().from(customers).where(and(eq(customers.supplierId, supplierId), where)))[0];

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
 * The supplier's customer record for a buyer, created when missing, safe under concurrency (the
 * insert is `ON CONFLICT DO NOTHING` on the partial unique indexes, then the row is read back):
 * - a consumer organization: the record keyed by (supplier, consumer_id);
 * - a user: the record keyed by (supplier, user_id); else a record with the user's email and no
 *   user yet (staff created it) is linked to the user; else a new one;
 * - neither (staff order for a person): the record with that email, else a new one; without an
 *   email always a new record (a walk-in).
 * Existing records are returned as they are (their name and addresses are not overwritten).
 * `db` should be the caller's transaction.
 */
export async function findOrCreateCustomer(db: Db, who: CustomerIdentity): Promise<CustomerRow> {
  const email = who.email ? who.email.trim().toLowerCase() : null;
  const values = {
    supplierId: who.supplierId,
    consumerId: who.consumerId ?? null,
    userId: who.userId ?? null,
    name: who.name,
    email: who.consumerId ? null : email,
    phone: who.phone ?? null,
    shippingAddress: who.shippingAddress ?? null,
    billingAddress: who.billingAddress ?? null,
  };
  const lookup = async (): Promise<CustomerRow | undefined> => {
    if (who.consumerId) return findBy(db, who.supplierId, eq(customers.consumerId, who.consumerId));
    if (who.userId) {
      const byUser = await findBy(db, who.supplierId, eq(customers.userId, who.userId));
      if (byUser || !email) return byUser;
      // A record staff made for this email before the person had an account: link it.
      const [linked] = await db
        .update(customers)
        .set({ userId: who.userId, updatedAt: new Date() })
        .where(and(eq(customers.supplierId, who.supplierId), eq(customers.email, email), isNull(customers.userId)))
        .returning();
      return linked;
    }
    return email ? findBy(db, who.supplierId, eq(customers.email, email)) : undefined;
  };
  const existing = await lookup();
  if (existing) return existing;
  const [created] = await db.insert(customers).values(values).onConflictDoNothing().returning();
  if (created) return created;
  const raced = await lookup();
  if (!raced) throw new Error(`customer of ${who.supplierId} is missing after a conflicting insert`);
  return raced;
}
