import { and, eq, isNull, sql } from 'drizzle-orm';
import type { BuiltinRole } from '../../infra/access.js';
import type { Db } from '../../infra/db/client.js';
import { platformRoleAssignments, refreshTokens, roles, users } from './identity.tables.js';

export type UserRow = typeof users.$inferSelect;

/** One user by id, or undefined. */
export const findUserById = async (db: Db, id: string) => (await db.select().from(users).where(eq(users.id, id)))[0];

/** One user by email (compared lower-cased), or undefined. */
export const findUserByEmail = async (db: Db, email: string) => (await db.select().from(users).where(eq(users.email, email.toLowerCase())))[0];

/** One user by username, case-insensitively, or undefined. */
export const findUserByUsername = async (db: Db, username: string) =>
  (
    await db
      .select()
      .from(users)
      .where(sql`lower(${users.username}) = lower(${username})`)
  )[0];

/** Inserts a user. @returns the row. */
export const insertUser = async (db: Db, values: typeof users.$inferInsert) => (await db.insert(users).values(values).returning())[0];

/** Updates a user (and `updated_at`). @returns the row. */
export const updateUser = async (db: Db, id: string, values: Partial<typeof users.$inferInsert>) =>
  (
    await db
      .update(users)
      .set({ ...values, updatedAt: new Date() })
      .where(eq(users.id, id))
      .returning()
  )[0];

/** The keys of the user's platform roles (`admin`). */
export const listPlatformRoleKeys = async (db: Db, userId: string) =>
  (
    await db
      .select({ key: roles.key })
      .from(platformRoleAssignments)
      .innerJoin(roles, eq(roles.id, platformRoleAssignments.roleId))
      .where(eq(platformRoleAssignments.userId, userId))
  ).map((r) => r.key);

/** Stores a refresh token (its hash, family and expiry). */
export const insertRefreshToken = (db: Db, values: typeof refreshTokens.$inferInsert) => db.insert(refreshTokens).values(values);

/**
 * Marks a refresh token used, atomically: returns the row only for the one request that used it
 * while it was unused, unrevoked and unexpired. Null when the token is unknown.
 */
export async function consumeRefreshToken(db: Db, tokenHash: string) {
  const used = await db
    .update(refreshTokens)
    .set({ usedAt: new Date() })
    .where(and(eq(refreshTokens.tokenHash, tokenHash), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt), sql`${refreshTokens.expiresAt} > now()`))
    .returning();
  if (used[0]) return { ok: true as const, row: used[0] };
  const existing = (await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)))[0];
  return { ok: false as const, row: existing };
}

/** Revokes every refresh token of a family not revoked yet. */
export const revokeFamily = (db: Db, familyId: string) =>
  db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));

/** Revokes every refresh token of the user not revoked yet, but those of `exceptFamily`. */
export const revokeAllForUser = (db: Db, userId: string, exceptFamily?: string) =>
  db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(
      and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt), exceptFamily ? sql`${refreshTokens.familyId} <> ${exceptFamily}` : undefined),
    );

/** A refresh token by its hash, whatever its state, or undefined. */
export const findRefreshToken = async (db: Db, tokenHash: string) => (await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)))[0];

/** Upserts the built-in roles (their permission lists follow the code). */
export async function upsertBuiltinRoles(db: Db, list: BuiltinRole[]) {
  for (const r of list) {
    await db
      .insert(roles)
      .values({ key: r.key, scope: r.scope, name: r.name, permissions: r.permissions, isBuiltin: true })
      .onConflictDoUpdate({
        target: [roles.scope, roles.key],
        targetWhere: sql`organization_id is null`,
        set: { name: r.name, permissions: r.permissions, isBuiltin: true },
      });
  }
}

/** Id of a built-in role by scope and key. */
export const findBuiltinRoleId = async (db: Db, scope: 'platform' | 'supplier' | 'consumer', key: string) =>
  (
    await db
      .select({ id: roles.id })
      .from(roles)
      .where(and(eq(roles.scope, scope), eq(roles.key, key), isNull(roles.organizationId)))
  )[0]?.id;

/** Gives the user a platform role (nothing when they hold it already). */
export const assignPlatformRole = (db: Db, userId: string, roleId: string) =>
  db.insert(platformRoleAssignments).values({ userId, roleId }).onConflictDoNothing();
