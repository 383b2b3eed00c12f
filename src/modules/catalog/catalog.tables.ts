import { sql, type SQL } from 'drizzle-orm';
import { boolean, customType, foreignKey, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, money, updatedAt } from '../../infra/db/columns.js';
import { users } from '../identity/identity.tables.js';
import { organizations } from '../organizations/organizations.tables.js';

/** PostgreSQL `tsvector` (full-text search document). */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * A supplier's product category (seed 003's category tree). `parent_id` points at a category of
 * the same supplier; the service refuses cycles (409) and deleting a category that still has
 * children or products (409); the foreign key is the backstop. `slug` is unique per supplier.
 */
export const categories = pgTable(
  'categories',
  {
    id: id(),
    supplierId: uuid('supplier_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    parentId: uuid('parent_id'),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    description: text('description'),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('categories_supplier_slug_key').on(t.supplierId, t.slug),
    // Lists and trees are read by supplier in name order.
    index('categories_supplier_name_idx').on(t.supplierId, t.name),
    index('categories_parent_idx').on(t.parentId),
    foreignKey({ columns: [t.parentId], foreignColumns: [t.id], name: 'categories_parent_id_fk' }).onDelete('restrict'),
  ],
);

/**
 * Characters that separate words in the search document: ASCII punctuation and the common Unicode
 * dashes, quotes and Hebrew punctuation (maqaf, geresh, gershayim). They become spaces before
 * `to_tsvector`, so "FR-001" is the words "fr" and "001" and "DA_100%" is "da" and "100": the
 * same words the query side (`prefixQuery` in catalog.products.repo.ts) cuts user text into, runs of letters
 * and digits. Without it the parser keeps "-001" as a signed number no prefix query reaches.
 */
const SEARCH_SEPARATORS = '[!-/:-@[-`{-~\u2010-\u2015\u00ab\u00bb\u2018\u2019\u201a\u201c\u201d\u201e\u05be\u05f3\u05f4\u00b7\u2022\u2026]+';

/** `text` with separators made spaces, as SQL (immutable, so usable in a generated column). */
const words = (column: string): SQL => sql.raw(`regexp_replace(coalesce(${column}, ''), '${SEARCH_SEPARATORS}', ' ', 'g')`);

/**
 * The text a product is found by: name and SKU weigh A, description B. The `simple` configuration
 * (no stemming, no stop words) because catalogs mix languages (Hebrew, Russian, English) and SKUs.
 */
const productSearchDocument = (): SQL =>
  sql`setweight(to_tsvector('simple'::regconfig, ${words('name')} || ' ' || ${words('sku')}), 'A') || setweight(to_tsvector('simple'::regconfig, ${words('description')}), 'B')`;

/**
 * A supplier's product. `price` and `cost_price` are in the supplier's currency. Deleting a
 * product archives it (`archived_at`): it leaves every list and can no longer be ordered, but order
 * lines keep pointing at it. The SKU is unique per supplier among products not archived.
 */
export const products = pgTable(
  'products',
  {
    id: id(),
    supplierId: uuid('supplier_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    categoryId: uuid('category_id').references(() => categories.id, { onDelete: 'set null' }),
    sku: text('sku').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    price: money('price').notNull(),
    costPrice: money('cost_price'),
    /** The former price shown struck through ("was 12.90"); null when not on offer. */
    compareAtPrice: money('compare_at_price'),
    currency: text('currency').notNull(),
    unit: text('unit').notNull().default('each'),
    imageUrl: text('image_url'),
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default({}),
    isActive: boolean('is_active').notNull().default(true),
    archivedAt: timestamp('archived_at', { withTimezone: true, mode: 'date' }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    /** Generated from name, SKU and description; searched with a prefix `tsquery` (GIN index). */
    searchVector: tsvector('search_vector').notNull().generatedAlwaysAs(productSearchDocument),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('products_supplier_sku_key')
      .on(t.supplierId, t.sku)
      .where(sql`${t.archivedAt} is null`),
    index('products_supplier_created_idx').on(t.supplierId, t.createdAt),
    index('products_category_idx').on(t.categoryId),
    index('products_supplier_price_idx').on(t.supplierId, t.price),
    index('products_supplier_name_idx').on(t.supplierId, t.name),
    index('products_created_by_idx').on(t.createdBy),
    index('products_search_idx').using('gin', t.searchVector),
    // The catalog's default order (newest first, a backward scan) over products buyers may see, whatever the supplier.
    index('products_catalog_created_idx')
      .on(t.createdAt, t.id)
      .where(sql`${t.isActive} and ${t.archivedAt} is null`),
    // The catalog sorted by price, whatever the supplier.
    index('products_catalog_price_idx')
      .on(t.price, t.id)
      .where(sql`${t.isActive} and ${t.archivedAt} is null`),
  ],
);
