import type { FastifyInstance } from 'fastify';
import { organizationsRoutes } from './organizations.routes.js';

export { findOrganization, type OrganizationRow } from './organizations.repo.js';
/**
 * `lockOrganization(db, id)`: locks the organization row (`FOR NO KEY UPDATE`) until the end of the
 * caller's transaction, to serialise changes of one organization's settings-like rows (owners,
 * default sales channel). Does not block foreign-key checks of rows inserted meanwhile.
 */
export { lockOrganization } from './organizations.repo.js';
export { slugify } from './organizations.service.js';
/** `resolveSupplier(ctx, permission, explicitId, path)`: the supplier a supplier-side request acts for (checked). */
export { resolveSupplier } from './organizations.service.js';
/**
 * `formatTaxRate(rate)`: a stored tax rate (percent) as the API shows it, 2 to 4 decimals ("17.00",
 * "7.125"); `parseTaxRate(value, path)`: an input rate parsed exactly (0..100, ≤ 4 decimals; 422 otherwise).
 */
export { formatTaxRate, parseTaxRate } from './organizations.service.js';
export { organizations, memberships } from './organizations.tables.js';

/** Organizations (suppliers, consumers), memberships, the supplier directory. */
export async function organizationsModule(app: FastifyInstance) {
  await app.register(organizationsRoutes);
}
