import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../infra/db/client.js';
import { salesChannels } from './sales-channels.tables.js';

export type SalesChannelRow = typeof salesChannels.$inferSelect;

/** The name of the default channel created on first use. */
export const DEFAULT_CHANNEL_NAME = 'Default';

/** One channel of one supplier (undefined for another supplier's channel). */
export const findChannel = async (db: Db, supplierId: string, id: string): Promise<SalesChannelRow | undefined> =>
  (await db.select().from(salesChannels).where(and(eq(salesChannels.id, id), eq(salesChannels.supplierId, supplierId))))[0];

/** A channel of the supplier by name, case-insensitively. */
export const findChannelByName = async (db: Db, supplierId: string, name: string): Promise<SalesChannelRow | undefined> =>
  (await db.select().from(salesChannels).where(and(eq(salesChannels.supplierId, supplierId), sql`lower(${salesChannels.name}) = lower(${name})`)))[0];

const findDefault = async (db: Db, supplierId: string) =>
  (await db.select().from(salesChannels).where(and(eq(salesChannels.supplierId, supplierId), eq(salesChannels.isDefault, true))))[0];

/**
 * The supplier's default sales channel, created on first use ("Default", kind `online`). Safe under
 * concurrency: the insert is `ON CONFLICT DO NOTHING` (partial unique index
 * `sales_channels_one_default_key`, and the name index), then the row is read back. When a channel
 * named "Default" already exists but is not the default, it becomes the default.
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
    .set({ isDefault: true, updatedAt: new Date() })
    .where(and(eq(salesChannels.supplierId, supplierId), sql`lower(${salesChannels.name}) = lower(${DEFAULT_CHANNEL_NAME})`))
    .returning();
  if (!promoted) throw new Error(`default sales channel of ${supplierId} is missing after insert`);
  return promoted;
}
