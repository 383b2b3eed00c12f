import { sql } from 'drizzle-orm';
import { boolean, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from '../../infra/db/columns.js';
import { organizations } from '../organizations/organizations.tables.js';

/** Kinds of sales channel (seed 003): where an order came from. */
export const CHANNEL_KINDS = ['online', 'retail', 'phone', 'marketplace', 'wholesale', 'other'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/**
 * A supplier's sales channel (seed 003: online store, shop counter, phone…). Every order has one;
 * each supplier has exactly one default (created on first use, partial unique index), used when an
 * order names none. Names are unique per supplier, case-insensitively.
 */
export const salesChannels = pgTable(
  'sales_channels',
  {
    id: id(),
    supplierId: uuid('supplier_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    kind: text('kind', { enum: CHANNEL_KINDS }).notNull().default('online'),
    description: text('description'),
    isDefault: boolean('is_default').notNull().default(false),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('sales_channels_supplier_name_key').on(t.supplierId, sql`lower(${t.name})`),
    uniqueIndex('sales_channels_one_default_key')
      .on(t.supplierId)
      .where(sql`${t.isDefault}`),
  ],
);
