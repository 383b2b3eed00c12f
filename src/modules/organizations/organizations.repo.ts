import { and, asc, count, eq, ilike, sql } from 'drizzle-orm';
import type { Db } from '../../infra/db/client.js';
import { roles, users } from '../identity/identity.tables.js';
import { memberships, organizations } from './organizations.tables.js';

export type OrganizationRow = typeof organizations.$inferSelect;

export const insertOrganization = async (db: Db, values: typeof organizations.$inferInsert) =>
  (await db.insert(organizations).values(values).returning())[0];

export const findOrganization = async (db: Db, id: string) => (await db.select().from(organizations).where(eq(organizations.id, id)))[0];

export const slugExists = async (db: Db, slug: string) =>
  (await db.select({ id: organizations.id }).from(organizations).where(eq(organizations.slug, slug))).length > 0;

/**
 * Locks the organization row for the rest of the transaction (serialises owner changes).
 * `FOR NO KEY UPDATE` does not block the foreign-key checks of orders and links inserted meanwhile.
 */
export const lockOrganization = (db: Db, id: string) => db.execute(sql`select id from organizations where id = ${id} for no key update`);

export const updateOrganization = async (db: Db, id: string, values: Partial<typeof organizations.$inferInsert>) =>
  (await db.update(organizations).set({ ...values, updatedAt: new Date() }).where(eq(organizations.id, id)).returning())[0];

/** The caller's organizations with their role, one query plus a count. */
export async function listForUser(db: Db, userId: string, opts: { type?: 'supplier' | 'consumer'; limit: number; offset: number }) {
  const where = and(eq(memberships.userId, userId), opts.type ? eq(organizations.type, opts.type) : undefined);
  const [items, [{ total }]] = await Promise.all([
    db
      .select({ org: organizations, role: roles.key })
      .from(memberships)
      .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
      .innerJoin(roles, eq(roles.id, memberships.roleId))
      .where(where)
      .orderBy(asc(organizations.name), asc(organizations.id))
      .limit(opts.limit)
      .offset(opts.offset),
    db.select({ total: count() }).from(memberships).innerJoin(organizations, eq(organizations.id, memberships.organizationId)).where(where),
  ]);
  return { items, total };
}

export const insertMembership = async (db: Db, values: typeof memberships.$inferInsert) =>
  (await db.insert(memberships).values(values).returning())[0];

export const findMembership = async (db: Db, organizationId: string, userId: string) =>
  (
    await db
      .select({ id: memberships.id, role: roles.key, roleId: roles.id })
      .from(memberships)
      .innerJoin(roles, eq(roles.id, memberships.roleId))
      .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)))
  )[0];

export const updateMembershipRole = (db: Db, organizationId: string, userId: string, roleId: string) =>
  db.update(memberships).set({ roleId, updatedAt: new Date() }).where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)));

export const deleteMembership = (db: Db, organizationId: string, userId: string) =>
  db.delete(memberships).where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)));

export const countOwners = async (db: Db, organizationId: string) =>
  (
    await db
      .select({ n: count() })
      .from(memberships)
      .innerJoin(roles, eq(roles.id, memberships.roleId))
      .where(and(eq(memberships.organizationId, organizationId), eq(roles.key, 'owner')))
  )[0].n;

/** One member with email, name, role and join time. */
export const findMemberDetail = async (db: Db, organizationId: string, userId: string) =>
  (
    await db
      .select({ userId: users.id, email: users.email, fullName: users.fullName, role: roles.key, joinedAt: memberships.createdAt })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .innerJoin(roles, eq(roles.id, memberships.roleId))
      .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)))
  )[0];

export async function listMembers(db: Db, organizationId: string, opts: { limit: number; offset: number }) {
  const where = eq(memberships.organizationId, organizationId);
  const [items, [{ total }]] = await Promise.all([
    db
      .select({ userId: users.id, email: users.email, fullName: users.fullName, role: roles.key, joinedAt: memberships.createdAt })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .innerJoin(roles, eq(roles.id, memberships.roleId))
      .where(where)
      .orderBy(asc(memberships.createdAt), asc(users.id))
      .limit(opts.limit)
      .offset(opts.offset),
    db.select({ total: count() }).from(memberships).where(where),
  ]);
  return { items, total };
}

/** Active suppliers whose name contains `q` (case-insensitive), by name. */
export async function listSuppliers(db: Db, opts: { q?: string; limit: number; offset: number }) {
  const where = and(
    eq(organizations.type, 'supplier'),
    eq(organizations.isActive, true),
    opts.q ? ilike(organizations.name, `%${opts.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : undefined,
  );
  const [items, [{ total }]] = await Promise.all([
    db.select().from(organizations).where(where).orderBy(asc(organizations.name), asc(organizations.id)).limit(opts.limit).offset(opts.offset),
    db.select({ total: count() }).from(organizations).where(where),
  ]);
  return { items, total };
}
