import { trimmedName } from '../../infra/text.js';
import { v7 as uuidv7 } from 'uuid';
import { BUILTIN_ROLES } from '../../infra/access.js';
import { inTransaction, type Ctx } from '../../infra/context.js';
import type { Db } from '../../infra/db/client.js';
import { AppError, conflict, forbidden, unauthorized, unprocessable } from '../../infra/errors.js';
import { dummyPasswordHash, hashPassword, passwordProblems, verifyPassword } from '../../infra/passwords.js';
import { hashOpaqueToken, newOpaqueToken } from '../../infra/tokens.js';
import { recordAudit } from '../audit/index.js';
import * as repo from './identity.repo.js';
import type { AuthResponseDto, LoginInput, RegisterInput, UpdateMeInput, UserDto } from './identity.schemas.js';

/** One membership of a user as `/users/me` shows it. */
export interface UserMembership {
  organizationId: string;
  organizationType: 'supplier' | 'consumer';
  organizationName: string;
  role: string;
}

/**
 * A user's memberships for `/users/me`. Memberships are the organizations module's, which sits
 * above identity: the app hands its `listUserMemberships` in (`identityModule`'s `membershipsOf`).
 */
export type MembershipsOf = (ctx: Ctx, userId: string) => Promise<UserMembership[]>;

/** API shape of a user row. */
export function toUserDto(u: repo.UserRow): UserDto {
  return {
    id: u.id,
    email: u.email,
    username: u.username,
    full_name: u.fullName,
    phone: u.phone,
    is_active: u.isActive,
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
  };
}

function assertPassword(password: string, path: string) {
  const problems = passwordProblems(password);
  if (problems.length)
    throw unprocessable(
      problems.map((message) => ({ path, message })),
      `The password ${problems.join(', ')}`,
    );
}

/** Issues an access token and a refresh token of `familyId` (a new family when omitted). */
async function issueTokens(ctx: Ctx, user: repo.UserRow, familyId: string = uuidv7()): Promise<AuthResponseDto> {
  const { token, hash } = newOpaqueToken();
  await repo.insertRefreshToken(ctx.db, {
    userId: user.id,
    familyId,
    tokenHash: hash,
    expiresAt: new Date(Date.now() + ctx.config.refreshTokenTtlSeconds * 1000),
  });
  return {
    user: toUserDto(user),
    access_token: ctx.tokens.sign(user.id),
    refresh_token: token,
    token_type: 'bearer',
    expires_in: ctx.tokens.ttlSeconds,
  };
}

/**
 * Registers a user and logs them in. The body never chooses a role (seeds 000 and 001 let anyone
 * register as admin; Agora does not).
 * @throws 422 password policy; 409 `EMAIL_TAKEN` / `USERNAME_TAKEN`.
 */
export async function register(ctx: Ctx, input: RegisterInput): Promise<AuthResponseDto> {
  assertPassword(input.password, 'body/password');
  const email = input.email.trim().toLowerCase();
  if (await repo.findUserByEmail(ctx.db, email)) throw conflict('EMAIL_TAKEN', 'This email is already registered');
  if (input.username && (await repo.findUserByUsername(ctx.db, input.username))) throw conflict('USERNAME_TAKEN', 'This username is taken');
  const passwordHash = await hashPassword(input.password);
  const fullName = trimmedName(input.full_name, 'body/full_name');
  return inTransaction(ctx, async (tx) => {
    const user = await repo.insertUser(tx.db, { email, username: input.username ?? null, passwordHash, fullName, phone: input.phone ?? null });
    await recordAudit(tx, {
      entityType: 'user',
      entityId: user.id,
      action: 'user.registered',
      actorId: user.id,
      changes: { email, username: user.username, full_name: fullName },
    });
    return issueTokens(tx, user);
  });
}

/**
 * Records a refused login in a transaction of its own (the request writes nothing else): the
 * attempted email or username and why, never the password; no actor.
 */
async function recordFailedLogin(ctx: Ctx, login: string, userId: string | undefined, reason: string, ip: string | undefined) {
  await inTransaction(ctx, (tx) =>
    recordAudit(tx, { entityType: 'user', entityId: userId ?? login, action: 'login.failed', actorId: null, ip, changes: { login, reason } }),
  );
}

/**
 * Logs in with email or username and password.
 * @throws 401 `INVALID_CREDENTIALS` (same answer whether or not the user exists); 403
 *   `USER_INACTIVE`; 422 when neither email nor username is given.
 */
export async function login(ctx: Ctx, input: LoginInput, ip?: string): Promise<AuthResponseDto> {
  const login = (input.email ?? input.username ?? '').trim();
  if (!login) throw unprocessable([{ path: 'body/email', message: 'email or username is required' }]);
  const user = login.includes('@') ? await repo.findUserByEmail(ctx.db, login) : await repo.findUserByUsername(ctx.db, login);
  const attempted = login.includes('@') ? login.toLowerCase() : login;
  if (!user) {
    await verifyPassword(await dummyPasswordHash(), input.password);
    await recordFailedLogin(ctx, attempted, undefined, 'invalid_credentials', ip);
    throw unauthorized('Incorrect email, username or password', 'INVALID_CREDENTIALS');
  }
  const { ok, needsRehash } = await verifyPassword(user.passwordHash, input.password);
  if (!ok) {
    await recordFailedLogin(ctx, attempted, user.id, 'invalid_credentials', ip);
    throw unauthorized('Incorrect email, username or password', 'INVALID_CREDENTIALS');
  }
  if (!user.isActive) {
    await recordFailedLogin(ctx, attempted, user.id, 'user_inactive', ip);
    throw forbidden('This user account is inactive', 'USER_INACTIVE');
  }
  const rehashed = needsRehash ? await hashPassword(input.password) : undefined;
  return inTransaction(ctx, async (tx) => {
    if (rehashed) await repo.updateUser(tx.db, user.id, { passwordHash: rehashed });
    await recordAudit(tx, { entityType: 'user', entityId: user.id, action: 'login.succeeded', actorId: user.id, ip, changes: { login: attempted } });
    return issueTokens(tx, user);
  });
}

/**
 * Rotates a refresh token: the presented one is used up, a new pair is returned in the same family.
 * Presenting a token that was already used revokes its whole family (a stolen token was replayed).
 * @throws 401 `INVALID_REFRESH_TOKEN` (unknown, used, revoked or expired); 403 `USER_INACTIVE`.
 */
export async function refresh(ctx: Ctx, refreshToken: string): Promise<AuthResponseDto> {
  const hash = hashOpaqueToken(refreshToken);
  // Using up the old token and storing the new one commit together: a concurrent replay waits on
  // the row lock, then finds the token used and revokes the family, the new token included.
  const outcome = await inTransaction(ctx, async (tx) => {
    const result = await repo.consumeRefreshToken(tx.db, hash);
    if (!result.ok) return { replayedFamily: result.row?.usedAt ? result.row.familyId : undefined };
    const user = await repo.findUserById(tx.db, result.row.userId);
    if (!user) return {};
    if (!user.isActive) throw forbidden('This user account is inactive', 'USER_INACTIVE');
    return { tokens: await issueTokens(tx, user, result.row.familyId) };
  });
  if (outcome.tokens) return outcome.tokens;
  // The revocation commits on its own: the 401 must not roll it back.
  if (outcome.replayedFamily) await repo.revokeFamily(ctx.db, outcome.replayedFamily);
  throw unauthorized('The refresh token is invalid, expired or already used', 'INVALID_REFRESH_TOKEN');
}

/**
 * Logs out: revokes the family of the given refresh token (it must be the caller's), or every
 * refresh token of the caller with `all`. Access tokens stay valid until they expire.
 */
export async function logout(ctx: Ctx, input: { refresh_token?: string; all?: boolean }): Promise<void> {
  const userId = ctx.actor!.userId;
  if (input.all) {
    await repo.revokeAllForUser(ctx.db, userId);
    return;
  }
  if (input.refresh_token) {
    const row = await repo.findRefreshToken(ctx.db, hashOpaqueToken(input.refresh_token));
    if (row && row.userId === userId) await repo.revokeFamily(ctx.db, row.familyId);
  }
}

/**
 * Changes the caller's password and revokes all their refresh tokens (every other session must log
 * in again); returns a fresh pair for this session.
 * @throws 401 `INVALID_CREDENTIALS` for a wrong current password; 422 password policy.
 */
export async function changePassword(ctx: Ctx, input: { current_password: string; new_password: string }): Promise<AuthResponseDto> {
  const user = await repo.findUserById(ctx.db, ctx.actor!.userId);
  if (!user) throw unauthorized();
  const { ok } = await verifyPassword(user.passwordHash, input.current_password);
  if (!ok) throw unauthorized('The current password is incorrect', 'INVALID_CREDENTIALS');
  assertPassword(input.new_password, 'body/new_password');
  if (input.current_password === input.new_password) {
    throw unprocessable([{ path: 'body/new_password', message: 'must differ from the current password' }]);
  }
  const passwordHash = await hashPassword(input.new_password);
  return inTransaction(ctx, async (tx) => {
    const updated = await repo.updateUser(tx.db, user.id, { passwordHash });
    await repo.revokeAllForUser(tx.db, user.id);
    await recordAudit(tx, { entityType: 'user', entityId: user.id, action: 'user.password_changed', changes: {} });
    return issueTokens(tx, updated);
  });
}

/** The caller with their platform roles and memberships (listed by `membershipsOf`, handed in by the app). */
export async function getMe(ctx: Ctx, membershipsOf: MembershipsOf) {
  const user = await repo.findUserById(ctx.db, ctx.actor!.userId);
  if (!user) throw unauthorized();
  const [memberships, platformRoles] = await Promise.all([membershipsOf(ctx, user.id), repo.listPlatformRoleKeys(ctx.db, user.id)]);
  return {
    ...toUserDto(user),
    platform_roles: platformRoles,
    memberships: memberships.map((m) => ({
      organization_id: m.organizationId,
      organization_type: m.organizationType,
      organization_name: m.organizationName,
      role: m.role,
    })),
  };
}

/**
 * Updates the caller's profile (not email, password, roles or activity) and answers it as `getMe`.
 * @throws 409 `USERNAME_TAKEN`.
 */
export async function updateMe(ctx: Ctx, input: UpdateMeInput, membershipsOf: MembershipsOf) {
  const userId = ctx.actor!.userId;
  if (input.username) {
    const other = await repo.findUserByUsername(ctx.db, input.username);
    if (other && other.id !== userId) throw conflict('USERNAME_TAKEN', 'This username is taken');
  }
  await repo.updateUser(ctx.db, userId, {
    ...(input.full_name !== undefined && { fullName: trimmedName(input.full_name, 'body/full_name') }),
    ...(input.username !== undefined && { username: input.username }),
    ...(input.phone !== undefined && { phone: input.phone }),
  });
  return getMe(ctx, membershipsOf);
}

/* ---------- for other modules (ctx first) ---------- */

/** The user with this email (compared lower-cased), or undefined. */
export const findUserByEmail = (ctx: Ctx, email: string): Promise<repo.UserRow | undefined> => repo.findUserByEmail(ctx.db, email);

/** The id of the built-in role `key` of `scope`, or undefined when the built-in roles are missing. */
export const findBuiltinRoleId = (ctx: Ctx, scope: 'platform' | 'supplier' | 'consumer', key: string): Promise<string | undefined> =>
  repo.findBuiltinRoleId(ctx.db, scope, key);

/* ---------- start-up ---------- */

/** Upserts the built-in roles; run at every start (idempotent), as a start-up hook (`src/startup.ts`). */
export const ensureBuiltinRoles = (db: Db) => repo.upsertBuiltinRoles(db, BUILTIN_ROLES);

/**
 * Creates the platform admin `email` (or promotes an existing user), never through the public API:
 * called by `npm run create-admin` (an operator's explicit act: promotes) and at start when
 * ADMIN_EMAIL and ADMIN_PASSWORD are set (`promoteExisting: false`: an existing account is left as
 * it is, since anyone may have registered that email first).
 * @returns `created` (a new user), `promoted` (the user is an admin now).
 */
export async function createPlatformAdmin(
  db: Db,
  input: { email: string; password: string; fullName?: string; promoteExisting?: boolean },
): Promise<{ created: boolean; userId: string; promoted: boolean }> {
  const problems = passwordProblems(input.password);
  if (problems.length) throw new AppError(422, 'VALIDATION_FAILED', `The admin password ${problems.join(', ')}`);
  const roleId = await repo.findBuiltinRoleId(db, 'platform', 'admin');
  if (!roleId) throw new Error('built-in roles are missing: run ensureBuiltinRoles first');
  let user = await repo.findUserByEmail(db, input.email);
  const created = !user;
  if (user && input.promoteExisting === false) {
    const isAdmin = (await repo.listPlatformRoleKeys(db, user.id)).includes('admin');
    return { created: false, userId: user.id, promoted: isAdmin };
  }
  if (!user) {
    user = await repo.insertUser(db, {
      email: input.email.toLowerCase(),
      passwordHash: await hashPassword(input.password),
      fullName: input.fullName ?? 'Platform Admin',
    });
  }
  await repo.assignPlatformRole(db, user.id, roleId);
  return { created, userId: user.id, promoted: true };
}
