import { and, count, desc, eq, gte, inArray, lt, lte, type SQL } from 'drizzle-orm';
import type { Db } from '../../infra/db/client.js';
import type { TimeRange } from '../../infra/time-range.js';
import { auditLog } from './audit.tables.js';

export type AuditRow = typeof auditLog.$inferSelect;

export const insertAuditEntry = async (db: Db, values: typeof auditLog.$inferInsert) => {
  await db.insert(auditLog).values(values);
};

export interface AuditFilter {
  /** The organizations visible to the caller; undefined: all rows (a platform admin). */
  organizationIds?: string[];
  entityType?: string;
  entityId?: string;
  action?: string;
  actorId?: string;
  range: TimeRange;
  limit: number;
  offset: number;
}

/**
 * A page of audit rows, newest first (the id, time-ordered, breaks ties), and the total: two
 * queries. Each filter combination is served by one of the table's indexes.
 */
export async function listAuditEntries(db: Db, f: AuditFilter) {
  const { from, to, toExclusive } = f.range;
  const conditions: (SQL | undefined)[] = [
    f.organizationIds === undefined
      ? undefined
      : f.organizationIds.length === 1
        ? eq(auditLog.organizationId, f.organizationIds[0])
        : inArray(auditLog.organizationId, f.organizationIds),
    f.entityType !== undefined ? eq(auditLog.entityType, f.entityType) : undefined,
    f.entityId !== undefined ? eq(auditLog.entityId, f.entityId) : undefined,
    f.action !== undefined ? eq(auditLog.action, f.action) : undefined,
    f.actorId !== undefined ? eq(auditLog.actorId, f.actorId) : undefined,
    from ? gte(auditLog.createdAt, from) : undefined,
    to ? (toExclusive ? lt(auditLog.createdAt, to) : lte(auditLog.createdAt, to)) : undefined,
  ];
  const where = and(...conditions);
  const [items, [{ total }]] = await Promise.all([
    db.select().from(auditLog).where(where).orderBy(desc(auditLog.createdAt), desc(auditLog.id)).limit(f.limit).offset(f.offset),
    db.select({ total: count() }).from(auditLog).where(where),
  ]);
  return { items, total };
}
