import { index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from '../../infra/db/columns.js';
import { users } from '../identity/identity.tables.js';
import { organizations } from '../organizations/organizations.tables.js';

/** Link statuses (seed 000). The transition table lives in links.service.ts. */
export const LINK_STATUSES = ['pending', 'accepted', 'denied', 'blocked'] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];

/** A consumer organization's link to a supplier; one per pair, whatever its status. */
export const links = pgTable(
  'links',
  {
    id: id(),
    consumerId: uuid('consumer_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    supplierId: uuid('supplier_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    status: text('status', { enum: LINK_STATUSES }).notNull().default('pending'),
    requestedBy: uuid('requested_by').references(() => users.id, { onDelete: 'set null' }),
    decidedBy: uuid('decided_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('links_consumer_supplier_key').on(t.consumerId, t.supplierId), index('links_supplier_status_idx').on(t.supplierId, t.status)],
);
