import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, money, updatedAt } from '../../infra/db/columns.js';
import { users } from '../identity/identity.tables.js';
import { organizations } from '../organizations/organizations.tables.js';

/** A supplier's product category. `parent_id` makes a tree (deepened in a later issue). */
export const categories = pgTable(
  'categories',
  {
    id: id(),
    supplierId: uuid('supplier_id').notNull().references(() => organizations.id, { onDelete: 'cascade' }),
    parentId: uuid('parent_id'),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    description: text('description'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('categories_supplier_slug_key').on(t.supplierId, t.slug), index('categories_parent_idx').on(t.parentId)],
);

/**
 * A supplier's product. `price` and `cost_price` are in the supplier's currency. Deleting a
 * product archives it (`archived_at`): it leaves every list and can no longer be ordered, but order
 * lines keep pointing at it. The SKU is unique per supplier among products not archived.
 */
export const products = pgTable(
  'products',
  {
    id: id(),
    supplierId: uuid('supplier_id').notNull().references(() => organizations.id, { onDelete: 'cascade' }),
    categoryId: uuid('category_id').references(() => categories.id, { onDelete: 'set null' }),
    sku: text('sku').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    price: money('price').notNull(),
    costPrice: money('cost_price'),
    currency: text('currency').notNull(),
    unit: text('unit').notNull().default('each'),
    imageUrl: text('image_url'),
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default({}),
    isActive: boolean('is_active').notNull().default(true),
    archivedAt: timestamp('archived_at', { withTimezone: true, mode: 'date' }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('products_supplier_sku_key').on(t.supplierId, t.sku).where(sql`${t.archivedAt} is null`),
    index('products_supplier_created_idx').on(t.supplierId, t.createdAt),
    index('products_category_idx').on(t.categoryId),
    // The catalog's default order (newest first, a backward scan) over products buyers may see, whatever the supplier.
    index('products_catalog_created_idx').on(t.createdAt, t.id).where(sql`${t.isActive} and ${t.archivedAt} is null`),
  ],
);
