import { and, count, desc, eq, inArray } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../../infra/db/client.js';
import { organizations } from '../organizations/index.js';
import { links, type LinkStatus } from './links.tables.js';

export type LinkRow = typeof links.$inferSelect;

/** A link with the names of both organizations, as one joined query returns it. */
export interface LinkView {
  link: LinkRow;
  consumerName: string;
  supplierName: string;
}

const consumerOrg = alias(organizations, 'consumer_org');
const supplierOrg = alias(organizations, 'supplier_org');

/** `select … from links join organizations (twice)`: the link and both organization names. */
const selectViews = (db: Db) =>
  db
    .select({ link: links, consumerName: consumerOrg.name, supplierName: supplierOrg.name })
    .from(links)
    .innerJoin(consumerOrg, eq(consumerOrg.id, links.consumerId))
    .innerJoin(supplierOrg, eq(supplierOrg.id, links.supplierId));

/** One link with both organization names, or undefined. */
export const findLinkView = async (db: Db, id: string): Promise<LinkView | undefined> => (await selectViews(db).where(eq(links.id, id)))[0];

/** The link of a (consumer, supplier) pair, whatever its status. */
export const findLinkByPair = async (db: Db, consumerId: string, supplierId: string): Promise<LinkRow | undefined> =>
  (
    await db
      .select()
      .from(links)
      .where(and(eq(links.consumerId, consumerId), eq(links.supplierId, supplierId)))
  )[0];

/**
 * Inserts a pending link unless the pair already has one (`on conflict do nothing`), so two
 * concurrent requests cannot both create it. Returns the new row, or undefined on a duplicate.
 */
export const insertLinkIfAbsent = async (db: Db, values: { consumerId: string; supplierId: string; requestedBy: string }) =>
  (
    await db
      .insert(links)
      .values({ ...values, status: 'pending' })
      .onConflictDoNothing({ target: [links.consumerId, links.supplierId] })
      .returning()
  )[0] as LinkRow | undefined;

/**
 * `UPDATE links SET status = $to … WHERE id = $id AND status = $from RETURNING *`: applies only
 * while the link is still in `from`, so of two concurrent decisions one wins. Undefined otherwise.
 */
export const updateStatusIf = async (db: Db, id: string, from: LinkStatus, to: LinkStatus, decidedBy: string) =>
  (
    await db
      .update(links)
      .set({ status: to, decidedBy, updatedAt: new Date() })
      .where(and(eq(links.id, id), eq(links.status, from)))
      .returning()
  )[0] as LinkRow | undefined;

/**
 * A page of links on one side (`consumer` or `supplier`) among `organizationIds`, newest first,
 * with both organization names: one page query and one count. An empty id list matches nothing.
 */
export async function listLinks(
  db: Db,
  opts: { side: 'consumer' | 'supplier'; organizationIds: string[]; status?: LinkStatus; limit: number; offset: number },
): Promise<{ items: LinkView[]; total: number }> {
  if (opts.organizationIds.length === 0) return { items: [], total: 0 };
  const column = opts.side === 'consumer' ? links.consumerId : links.supplierId;
  const where = and(inArray(column, opts.organizationIds), opts.status ? eq(links.status, opts.status) : undefined);
  const [items, [{ total }]] = await Promise.all([
    selectViews(db).where(where).orderBy(desc(links.createdAt), desc(links.id)).limit(opts.limit).offset(opts.offset),
    db.select({ total: count() }).from(links).where(where),
  ]);
  return { items, total };
}

/**
 * Every one of `consumerIds` that has an ACCEPTED link with `supplierId`, sorted (none: `[]`, and
 * no query for an empty list). The orders flow uses it to decide whether, and for which consumer
 * organization, a buyer may order from a `linked` supplier.
 */
export async function listAcceptedLinkConsumers(db: Db, consumerIds: string[], supplierId: string): Promise<string[]> {
  if (consumerIds.length === 0) return [];
  const rows = await db
    .select({ consumerId: links.consumerId })
    .from(links)
    .where(and(eq(links.supplierId, supplierId), eq(links.status, 'accepted'), inArray(links.consumerId, consumerIds)));
  return rows.map((r) => r.consumerId).sort();
}
