import { sql } from 'drizzle-orm';
import { index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from '../../infra/db/columns.js';
import { users } from '../identity/identity.tables.js';
import { organizations } from '../organizations/organizations.tables.js';

/**
 * A supplier's record of someone who buys from it (seeds 003, 004): a person (`user_id` when they
 * have an account, or just name/email/phone when staff took the order), or a consumer organization
 * (`consumer_id`). Found or created automatically when a user or consumer organization orders.
 * `email` is stored lower-cased and is unique per supplier; so are `user_id` and `consumer_id`.
 * `order_count` and `total_spent` are computed from orders when read, never stored.
 */
export const customers = pgTable(
  'customers',
  {
    id: id(),
    supplierId: uuid('supplier_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    consumerId: uuid('consumer_id').references(() => organizations.id, { onDelete: 'set null' }),
    name: text('name').notNull(),
    email: text('email'),
    phone: text('phone'),
    shippingAddress: text('shipping_address'),
    billingAddress: text('billing_address'),
    notes: text('notes'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('customers_supplier_email_key')
      .on(t.supplierId, t.email)
      .where(sql`${t.email} is not null`),
    uniqueIndex('customers_supplier_user_key')
      .on(t.supplierId, t.userId)
      .where(sql`${t.userId} is not null`),
    uniqueIndex('customers_supplier_consumer_key')
      .on(t.supplierId, t.consumerId)
      .where(sql`${t.consumerId} is not null`),
    index('customers_supplier_name_idx').on(t.supplierId, t.name),
  ],
);
