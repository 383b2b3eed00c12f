import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { identityRoutes } from './identity.routes.js';
import type { MembershipsOf } from './identity.service.js';

export { users, roles } from './identity.tables.js';
/**
 * Start-up (no request context exists yet, so these take the `Db`): `ensureBuiltinRoles(db)`
 * upserts the built-in roles (a start-up hook, `src/startup.ts`); `createPlatformAdmin(db, input)`
 * creates or promotes the platform admin (`npm run create-admin`, ADMIN_EMAIL at start, the demo).
 */
export { createPlatformAdmin, ensureBuiltinRoles } from './identity.service.js';
/** `toUserDto(row)`: the API shape of a user. `findUserByEmail(ctx, email)`, `findBuiltinRoleId(ctx, scope, key)`: ctx first. */
export { findBuiltinRoleId, findUserByEmail, toUserDto } from './identity.service.js';
/** What `/users/me` needs from the organizations module, handed in by the app: `membershipsOf(ctx, userId)`. */
export type { MembershipsOf, UserMembership } from './identity.service.js';

/**
 * Identity: users, authentication (`/auth/*`), refresh tokens, roles, `/users/me`. It imports no
 * other module but audit (logins, registrations and password changes are audited). `membershipsOf` (the organizations module's `listUserMemberships`,
 * passed by the app) lists the memberships `/users/me` shows.
 */
export async function identityModule(app: FastifyInstance, opts: ModuleOptions & { membershipsOf: MembershipsOf }) {
  await app.register(identityRoutes, { authRateLimit: opts.config.rateLimitAuthMax, membershipsOf: opts.membershipsOf });
}
