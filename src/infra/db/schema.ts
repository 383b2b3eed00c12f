/**
 * Every table of every module, for the Drizzle client (the typed `Db`) and drizzle-kit. The one
 * file of infra that imports modules (their `*.tables.ts` only); nothing of infra but
 * `db/client.ts` imports it.
 */
export * from '../../modules/identity/identity.tables.js';
export * from '../../modules/organizations/organizations.tables.js';
export * from '../../modules/links/links.tables.js';
export * from '../../modules/catalog/catalog.tables.js';
export * from '../../modules/stock/stock.tables.js';
export * from '../../modules/orders/orders.tables.js';
export * from '../outbox.tables.js';
export * from '../scheduler.tables.js';
export * from '../idempotency.tables.js';
export * from '../../modules/customers/customers.tables.js';
export * from '../../modules/sales-channels/sales-channels.tables.js';
export * from '../../modules/imports/imports.tables.js';
export * from '../../modules/audit/audit.tables.js';
