import type { FastifyInstance } from 'fastify';
import { organizationsRoutes } from './organizations.routes.js';

export { organizations, memberships } from './organizations.tables.js';
export type { OrganizationRow } from './organizations.repo.js';
/**
 * For other modules and flows, `ctx` first: `findOrganization(ctx, id)` (any type and state);
 * `activeSupplier(org)` / `findActiveSupplier(ctx, id)` / `resolveActiveSupplier(ctx, permission,
 * explicitId, path)`: the one "active supplier or 404 `Supplier`" rule; `lockOrganization(tx, id)`:
 * the organization row locked until the caller's transaction ends (owners, default sales channel).
 */
export { activeSupplier, findActiveSupplier, findOrganization, lockOrganization, resolveActiveSupplier } from './organizations.service.js';
/** `resolveSupplier(ctx, permission, explicitId, path)`: the supplier a supplier-side request acts for (checked). */
export { resolveSupplier } from './organizations.service.js';
/**
 * Handed in by the app to the layers below, which may not import this module: `loadActor(ctx,
 * userId)`, the actor of a verified access token, for the auth hook (`infra/auth.ts`);
 * `listUserMemberships(ctx, userId)`, a user's memberships, for identity's `/users/me`.
 */
export { listUserMemberships, loadActor } from './organizations.service.js';
export { slugify } from './organizations.service.js';
/**
 * `formatTaxRate(rate)`: a stored tax rate (percent) as the API shows it, 2 to 4 decimals ("17.00",
 * "7.125"); `parseTaxRate(value, path)`: an input rate parsed exactly (0..100, ≤ 4 decimals; 422 otherwise).
 */
export { formatTaxRate, parseTaxRate } from './organizations.service.js';

/** Organizations (suppliers, consumers), memberships, the supplier directory. */
export async function organizationsModule(app: FastifyInstance) {
  await app.register(organizationsRoutes);
}
