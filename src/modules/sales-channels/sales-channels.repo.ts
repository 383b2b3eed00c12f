import { and, asc, count, desc, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '../../infra/db/client.js';
import { salesChannels } from './sales-channels.tables.js';

export type SalesChannelRow = typeof salesChannels.$inferSelect;

/** The name of the default channel created on first use. */
export const DEFAULT_CHANNEL_NAME = 'Default';

/** One channel of one supplier (undefined for another supplier's channel). */
export const findChannel = async (db: Db, supplierId: string, id: string): Promise<SalesChannelRow | undefined> =>
  (
    await db
      .select()
      .from(salesChannels)
      .where(and(eq(salesChannels.id, id), eq(salesChannels.supplierId, supplierId)))
  )[0];

/** A channel of the supplier by name, case-insensitively. */
export const findChannelByName = async (db: Db, supplierId: string, name: string): Promise<SalesChannelRow | undefined> =>
  (
    await db
      .select()
      .from(salesChannels)
      .where(and(eq(salesChannels.supplierId, supplierId), sql`lower(${salesChannels.name}) = lower(${name})`))
  )[0];

/** The supplier's default channel, if it has one yet. */
export const findDefault = async (db: Db, supplierId: string): Promise<SalesChannelRow | undefined> =>
  (
    await db
      .select()
      .from(salesChannels)
      .where(and(eq(salesChannels.supplierId, supplierId), eq(salesChannels.isDefault, true)))
  )[0];

/** One channel by id, whatever its supplier (callers check access). */
export const findChannelById = async (db: Db, id: string): Promise<SalesChannelRow | undefined> =>
  (await db.select().from(salesChannels).where(eq(salesChannels.id, id)))[0];

/** True when another channel of the supplier (not `exceptId`) has this name, case-insensitively. */
export const channelNameTaken = async (db: Db, supplierId: string, name: string, exceptId?: string) =>
  (
    await db
      .select({ id: salesChannels.id })
      .from(salesChannels)
      .where(
        and(
          eq(salesChannels.supplierId, supplierId),
          sql`lower(${salesChannels.name}) = lower(${name})`,
          exceptId ? ne(salesChannels.id, exceptId) : undefined,
        ),
      )
  ).length > 0;

/** Inserts a channel; undefined when a unique index (name, or the one default) already holds the values. */
export const insertChannel = async (db: Db, values: typeof salesChannels.$inferInsert): Promise<SalesChannelRow | undefined> =>
  (await db.insert(salesChannels).values(values).onConflictDoNothing().returning())[0];

/** Changes one channel of one supplier; undefined when there is none. */
export const updateChannel = async (db: Db, supplierId: string, id: string, values: Partial<typeof salesChannels.$inferInsert>) =>
  (
    await db
      .update(salesChannels)
      .set({ ...values, updatedAt: new Date() })
      .where(and(eq(salesChannels.id, id), eq(salesChannels.supplierId, supplierId)))
      .returning()
  )[0] as SalesChannelRow | undefined;

/** Clears the supplier's default flag (before another channel takes it, in the same transaction). */
export const unsetDefault = (db: Db, supplierId: string) =>
  db
    .update(salesChannels)
    .set({ isDefault: false, updatedAt: new Date() })
    .where(and(eq(salesChannels.supplierId, supplierId), eq(salesChannels.isDefault, true)));

/** A page of the supplier's channels (the default first, then by name) and the total: two queries. */
export async function listChannels(db: Db, supplierId: string, opts: { isActive?: boolean; limit: number; offset: number }) {
  const where = and(eq(salesChannels.supplierId, supplierId), opts.isActive === undefined ? undefined : eq(salesChannels.isActive, opts.isActive));
  const [items, [{ total }]] = await Promise.all([
    db
      .select()
      .from(salesChannels)
      .where(where)
      .orderBy(desc(salesChannels.isDefault), asc(sql`lower(${salesChannels.name})`), asc(salesChannels.id))
      .limit(opts.limit)
      .offset(opts.offset),
    db.select({ total: count() }).from(salesChannels).where(where),
  ]);
  return { items, total };
}

/**
 * The supplier's default sales channel, created on first use ("Default", kind `online`). Safe under
 * concurrency: the insert is `ON CONFLICT DO NOTHING` (partial unique index
 * `sales_channels_one_default_key`, and the name index), then the row is read back. When a channel
 * named "Default" already exists but is not the default, it becomes the default (and active: the
 * default is always active). Called by the orders flow when an order names no channel and by
 * `GET /sales-channels`; `db` should be the caller's transaction when there is one.
 */
export async function ensureDefaultChannel(db: Db, supplierId: string): Promise<SalesChannelRow> {
  const existing = await findDefault(db, supplierId);
  if (existing) return existing;
  const [created] = await db
    .insert(salesChannels)
    .values({ supplierId, name: DEFAULT_CHANNEL_NAME, kind: 'online', isDefault: true })
    .onConflictDoNothing()
    .returning();
  if (created) return created;
  const raced = await findDefault(db, supplierId);
  if (raced) return raced;
  const [promoted] = await db
    .update(salesChannels)
    .set({ isDefault: true, isActive: true, updatedAt: new Date() })
    .where(and(eq(salesChannels.supplierId, supplierId), sql`lower(${salesChannels.name}) = lower(${DEFAULT_CHANNEL_NAME})`))
    .returning();
  if (!promoted) throw new Error(`default sales channel of ${supplierId} is missing after insert`);
  return promoted;
}
