import { boolean, index, numeric, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, money, updatedAt } from '../../infra/db/columns.js';
import { roles, users } from '../identity/identity.tables.js';

/**
 * An organization: a `supplier` (sells) or a `consumer` (buys as a business).
 * `catalog_visibility` applies to suppliers: `linked` (default) or `public`.
 * `currency` is ISO 4217; every product and order of a supplier uses it.
 * `tax_rate`, `delivery_fee` and `free_delivery_threshold` are a supplier's order-total settings
 * (seed 002: a fee of 30 ILS below 150 ILS).
 */
export const organizations = pgTable(
  'organizations',
  {
    id: id(),
    type: text('type', { enum: ['supplier', 'consumer'] }).notNull(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    catalogVisibility: text('catalog_visibility', { enum: ['linked', 'public'] })
      .notNull()
      .default('linked'),
    currency: text('currency').notNull().default('KZT'),
    /** Supplier setting: tax in percent of the order subtotal (e.g. `17.0000`); 0 = no tax. */
    taxRate: numeric('tax_rate', { precision: 7, scale: 4 }).notNull().default('0'),
    /** Supplier setting: fee added to a delivery order, in `currency`; 0 = free delivery. */
    deliveryFee: money('delivery_fee').notNull().default('0'),
    /** Supplier setting: a delivery order whose subtotal reaches this pays no fee; null = always the fee. */
    freeDeliveryThreshold: money('free_delivery_threshold'),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('organizations_slug_key').on(t.slug), index('organizations_type_name_idx').on(t.type, t.name)],
);

/** A user's place in an organization, with one role of the organization's scope. */
export const memberships = pgTable(
  'memberships',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    roleId: uuid('role_id')
      .notNull()
      .references(() => roles.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('memberships_user_org_key').on(t.userId, t.organizationId), index('memberships_org_idx').on(t.organizationId)],
);
