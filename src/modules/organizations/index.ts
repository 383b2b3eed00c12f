import type { FastifyInstance } from 'fastify';
import { organizationsRoutes } from './organizations.routes.js';

export { findOrganization, type OrganizationRow } from './organizations.repo.js';
export { slugify } from './organizations.service.js';
export { organizations, memberships } from './organizations.tables.js';

/** Organizations (suppliers, consumers), memberships, the supplier directory. */
export async function organizationsModule(app: FastifyInstance) {
  await app.register(organizationsRoutes);
}
