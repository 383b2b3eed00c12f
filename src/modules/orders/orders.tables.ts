import { sql } from 'drizzle-orm';
import { check, index, integer, numeric, pgSequence, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, money, updatedAt } from '../../infra/db/columns.js';
import { products } from '../catalog/catalog.tables.js';
import { customers } from '../customers/customers.tables.js';
import { users } from '../identity/identity.tables.js';
import { stockLocations } from '../stock/stock.tables.js';
import { organizations } from '../organizations/organizations.tables.js';
import { salesChannels } from '../sales-channels/sales-channels.tables.js';

/** Order statuses: one vocabulary for all five seeds (the lifecycle of orders.rules.ts). */
export const ORDER_STATUSES = [
  'pending',
  'accepted',
  'rejected',
  'in_progress',
  'ready',
  'shipped',
  'delivered',
  'completed',
  'cancelled',
  'refunded',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * What an order holds in stock: `reserved` at placement, then `deducted` (shipped or completed) or
 * `released` (cancelled or rejected); `none` for an imported historical order, which never moved stock.
 */
export const STOCK_STATES = ['reserved', 'deducted', 'released', 'none'] as const;
export type StockState = (typeof STOCK_STATES)[number];

/** How the order reaches the buyer: delivered (a delivery fee may apply) or collected at a location. */
export const FULFILMENT_TYPES = ['delivery', 'pickup'] as const;
export type FulfilmentType = (typeof FULFILMENT_TYPES)[number];

/** Who wrote the order: the buyer themself, supplier staff on a customer's behalf, or an import. */
export const ORDER_SOURCES = ['buyer', 'staff', 'import'] as const;
export type OrderSource = (typeof ORDER_SOURCES)[number];

/**
 * Source of the order numbers Agora generates (`ORD-100001`, …). The form `ORD-<digits>` is reserved
 * for them: an import keeps the source system's numbers only in other forms, so a generated number
 * never collides with an imported one.
 */
export const orderNumberSeq = pgSequence('order_number_seq', { startWith: 100001 });

/**
 * An order placed with one supplier. `placed_by` is the user who wrote it (the buyer, or supplier
 * staff for `source = staff`); the buyer is a consumer organization (`consumer_id`) or a person,
 * and always the supplier's `customer_id` record. Every order has a sales channel. Amounts are in
 * `currency`; `tax_rate` (percent) is the supplier's rate when the order was placed.
 */
export const orders = pgTable(
  'orders',
  {
    id: id(),
    number: text('number').notNull(),
    supplierId: uuid('supplier_id')
      .notNull()
      .references(() => organizations.id),
    consumerId: uuid('consumer_id').references(() => organizations.id),
    placedBy: uuid('placed_by').references(() => users.id, { onDelete: 'set null' }),
    customerId: uuid('customer_id').references(() => customers.id),
    channelId: uuid('channel_id').references(() => salesChannels.id),
    source: text('source', { enum: ORDER_SOURCES }).notNull().default('buyer'),
    locationId: uuid('location_id')
      .notNull()
      .references(() => stockLocations.id),
    status: text('status', { enum: ORDER_STATUSES }).notNull().default('pending'),
    stockState: text('stock_state', { enum: STOCK_STATES }).notNull().default('reserved'),
    fulfilment: text('fulfilment', { enum: FULFILMENT_TYPES }).notNull().default('delivery'),
    shippingAddress: text('shipping_address'),
    billingAddress: text('billing_address'),
    currency: text('currency').notNull(),
    subtotal: money('subtotal').notNull(),
    taxRate: numeric('tax_rate', { precision: 7, scale: 4 }).notNull().default('0'),
    taxTotal: money('tax_total').notNull(),
    shippingTotal: money('shipping_total').notNull(),
    discountTotal: money('discount_total').notNull(),
    total: money('total').notNull(),
    notes: text('notes'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // Numbers are unique per supplier: one tenant's numbers (imported ones included) never block another's orders.
    uniqueIndex('orders_supplier_number_key').on(t.supplierId, t.number),
    index('orders_supplier_created_idx').on(t.supplierId, t.createdAt),
    index('orders_consumer_created_idx').on(t.consumerId, t.createdAt),
    index('orders_placed_by_created_idx').on(t.placedBy, t.createdAt),
    index('orders_customer_created_idx').on(t.customerId, t.createdAt),
    index('orders_channel_created_idx').on(t.channelId, t.createdAt),
    index('orders_supplier_status_created_idx').on(t.supplierId, t.status, t.createdAt),
  ],
);

/** An order line: the product as it was sold (SKU, name, unit price) and the quantity. */
export const orderLines = pgTable(
  'order_lines',
  {
    id: id(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id),
    sku: text('sku').notNull(),
    name: text('name').notNull(),
    unitPrice: money('unit_price').notNull(),
    quantity: integer('quantity').notNull(),
    lineTotal: money('line_total').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('order_lines_order_idx').on(t.orderId),
    index('order_lines_product_idx').on(t.productId),
    check('order_lines_quantity_positive', sql`${t.quantity} > 0`),
  ],
);

/** Every status change of an order, the first (`null → pending`) included. */
export const orderStatusHistory = pgTable(
  'order_status_history',
  {
    id: id(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    note: text('note'),
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('order_status_history_order_idx').on(t.orderId, t.createdAt)],
);
