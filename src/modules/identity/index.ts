import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { identityRoutes } from './identity.routes.js';

export { createPlatformAdmin, ensureBuiltinRoles, toUserDto } from './identity.service.js';
export { findBuiltinRoleId, findUserByEmail } from './identity.repo.js';

/** Identity: users, authentication (`/auth/*`), refresh tokens, roles, `/users/me`. */
export async function identityModule(app: FastifyInstance, opts: ModuleOptions) {
  await app.register(identityRoutes, { authRateLimit: opts.config.rateLimitAuthMax });
}
