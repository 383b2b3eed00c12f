import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from '../../infra/db/columns.js';

/** People who log in. `email` is stored lower-cased; `username` is optional and unique when set. */
export const users = pgTable(
  'users',
  {
    id: id(),
    email: text('email').notNull(),
    username: text('username'),
    passwordHash: text('password_hash').notNull(),
    fullName: text('full_name').notNull(),
    phone: text('phone'),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('users_email_key').on(t.email), uniqueIndex('users_username_key').on(sql`lower(${t.username})`)],
);

/**
 * Opaque refresh tokens, stored as SHA-256 hashes. Each is single use; a family is one login's
 * chain of rotations, revoked whole when a used token is presented again.
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    familyId: uuid('family_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('refresh_tokens_hash_key').on(t.tokenHash),
    index('refresh_tokens_family_idx').on(t.familyId),
    index('refresh_tokens_user_idx').on(t.userId),
  ],
);

/**
 * Roles: named permission sets (`resource:action`, wildcards allowed). `scope` says where the
 * role applies: `platform` (assigned to a user), `supplier` or `consumer` (held through a
 * membership). Built-in roles have `organization_id` null; custom roles may belong to one.
 */
export const roles = pgTable(
  'roles',
  {
    id: id(),
    key: text('key').notNull(),
    scope: text('scope', { enum: ['platform', 'supplier', 'consumer'] }).notNull(),
    name: text('name').notNull(),
    permissions: jsonb('permissions').$type<string[]>().notNull(),
    isBuiltin: boolean('is_builtin').notNull().default(false),
    organizationId: uuid('organization_id'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('roles_builtin_key')
      .on(t.scope, t.key)
      .where(sql`${t.organizationId} is null`),
    uniqueIndex('roles_custom_key')
      .on(t.organizationId, t.key)
      .where(sql`${t.organizationId} is not null`),
  ],
);

/** A platform role held by a user (e.g. `admin`). */
export const platformRoleAssignments = pgTable(
  'platform_role_assignments',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    roleId: uuid('role_id')
      .notNull()
      .references(() => roles.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('platform_role_assignments_user_role_key').on(t.userId, t.roleId)],
);
