import { and, asc, count, eq, ilike, sql } from 'drizzle-orm';
import type { ActorMembership } from '../../infra/access.js';
import type { Db } from '../../infra/db/client.js';
import { containsPattern } from '../../infra/db/like.js';
import { prepared } from '../../infra/db/prepared.js';
import { roles, users } from '../identity/index.js';
import { memberships, organizations } from './organizations.tables.js';

export type OrganizationRow = typeof organizations.$inferSelect;

/** Inserts an organization. @returns the row. */
export const insertOrganization = async (db: Db, values: typeof organizations.$inferInsert) => (await db.insert(organizations).values(values).returning())[0];

/** One organization by id, any type and state, or undefined. */
export const findOrganization = async (db: Db, id: string) => (await db.select().from(organizations).where(eq(organizations.id, id)))[0];

/** True when an organization has this slug. */
export const slugExists = async (db: Db, slug: string) =>
  (await db.select({ id: organizations.id }).from(organizations).where(eq(organizations.slug, slug))).length > 0;

/**
 * Locks the organization row for the rest of the transaction (serialises owner changes).
 * `FOR NO KEY UPDATE` does not block the foreign-key checks of orders and links inserted meanwhile.
 */
export const lockOrganization = (db: Db, id: string) => db.execute(sql`select id from organizations where id = ${id} for no key update`);

/** Updates an organization (and `updated_at`). @returns the row. */
export const updateOrganization = async (db: Db, id: string, values: Partial<typeof organizations.$inferInsert>) =>
  (
    await db
      .update(organizations)
      .set({ ...values, updatedAt: new Date() })
      .where(eq(organizations.id, id))
      .returning()
  )[0];

/**
 * The user's memberships (every organization, active or not) with the organization's type and
 * name and the role key, by organization name: one query.
 */
export const listUserMemberships = (db: Db, userId: string) =>
  db
    .select({ organizationId: organizations.id, organizationType: organizations.type, organizationName: organizations.name, role: roles.key })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
    .innerJoin(roles, eq(roles.id, memberships.roleId))
    .where(eq(memberships.userId, userId))
    .orderBy(organizations.name);

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

/** Adds a membership (user, organization, role). @returns the row. */
export const insertMembership = async (db: Db, values: typeof memberships.$inferInsert) => (await db.insert(memberships).values(values).returning())[0];

/** The user's membership in the organization with its role key and id, or undefined. */
export const findMembership = async (db: Db, organizationId: string, userId: string) =>
  (
    await db
      .select({ id: memberships.id, role: roles.key, roleId: roles.id })
      .from(memberships)
      .innerJoin(roles, eq(roles.id, memberships.roleId))
      .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)))
  )[0];

/** Gives a member another role. */
export const updateMembershipRole = (db: Db, organizationId: string, userId: string, roleId: string) =>
  db
    .update(memberships)
    .set({ roleId, updatedAt: new Date() })
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)));

/** Removes a membership. */
export const deleteMembership = (db: Db, organizationId: string, userId: string) =>
  db.delete(memberships).where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)));

/** How many members of the organization hold the `owner` role. */
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

/** A page of the organization's members (email, name, role, join time), oldest first, and the total. */
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
    opts.q ? ilike(organizations.name, containsPattern(opts.q)) : undefined,
  );
  const [items, [{ total }]] = await Promise.all([
    db.select().from(organizations).where(where).orderBy(asc(organizations.name), asc(organizations.id)).limit(opts.limit).offset(opts.offset),
    db.select({ total: count() }).from(organizations).where(where),
  ]);
  return { items, total };
}

/** What `findActorRow` reads: the user's state, memberships (with role permissions) and platform permission lists. */
export interface ActorRow {
  id: string;
  email: string;
  isActive: boolean;
  memberships: ActorMembership[] | null;
  platform: string[][] | null;
}

/**
 * The user with every membership in an active organization (its type, role key and permissions,
 * oldest first) and the permission lists of their platform roles, in one prepared query: it runs
 * on every authenticated request.
 */
export async function findActorRow(db: Db, userId: string): Promise<ActorRow | undefined> {
  // Columns of the outer row are written table-qualified: inside the subqueries a bare "id" would
  // bind to the inner tables.
  const query = prepared(db, 'auth_load_actor', (d, name) =>
    d
      .select({
        id: users.id,
        email: users.email,
        isActive: users.isActive,
        memberships: sql<ActorMembership[] | null>`(select json_agg(json_build_object('organizationId', m.organization_id, 'organizationType', o.type,
                                         'role', r.key, 'permissions', r.permissions) order by m.created_at, m.id)
         from memberships m join roles r on r.id = m.role_id join organizations o on o.id = m.organization_id
        where m.user_id = "users"."id" and o.is_active)`,
        platform: sql<string[][] | null>`(select json_agg(r.permissions) from platform_role_assignments pa join roles r on r.id = pa.role_id
        where pa.user_id = "users"."id")`,
      })
      .from(users)
      .where(eq(users.id, sql.placeholder('id')))
      .prepare(name),
  );
  return (await query.execute({ id: userId }))[0];
}
