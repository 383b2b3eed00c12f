/** SQL of the orders import: what an orders file is checked against, and its multi-row writes. */
import { and, eq, inArray } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Db } from '../../infra/db/client.js';
import { customers } from '../customers/index.js';
import { orders } from '../orders/index.js';
import { salesChannels } from '../sales-channels/index.js';
import { chunks } from './imports.csv.js';
import { insertRecords, LOOKUP_CHUNK } from './imports.repo.js';

/** The order numbers among `numbers` that an order of the supplier already has (numbers are unique per supplier). */
export async function findTakenOrderNumbers(db: Db, supplierId: string, numbers: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunks(numbers, LOOKUP_CHUNK)) {
    const rows = await db
      .select({ number: orders.number })
      .from(orders)
      .where(and(eq(orders.supplierId, supplierId), inArray(orders.number, part)));
    for (const r of rows) out.add(r.number);
  }
  return out;
}

/** The supplier's channels (id, name). */
export const listChannels = (db: Db, supplierId: string) =>
  db.select({ id: salesChannels.id, name: salesChannels.name }).from(salesChannels).where(eq(salesChannels.supplierId, supplierId));

/** Creates channels of kind `other`. @returns them (id, name). */
export const insertChannels = (db: Db, supplierId: string, names: string[]) =>
  db
    .insert(salesChannels)
    .values(names.map((name) => ({ supplierId, name, kind: 'other' as const })))
    .returning({ id: salesChannels.id, name: salesChannels.name });

/** The (lower-cased) emails among `emails` the supplier has customer records for. */
export async function findCustomerEmails(db: Db, supplierId: string, emails: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunks(emails, LOOKUP_CHUNK)) {
    const rows = await db
      .select({ email: customers.email })
      .from(customers)
      .where(and(eq(customers.supplierId, supplierId), inArray(customers.email, part)));
    for (const r of rows) if (r.email) out.add(r.email);
  }
  return out;
}

/** One historical order as the import writes it (amounts are decimal strings in `currency`). */
export interface OrderWrite {
  id: string;
  number: string;
  supplierId: string;
  placedBy: string | null;
  customerId: string | null;
  channelId: string;
  locationId: string;
  status: string;
  shippingAddress: string | null;
  billingAddress: string | null;
  currency: string;
  subtotal: string;
  taxTotal: string;
  shippingTotal: string;
  discountTotal: string;
  total: string;
  notes: string | null;
  createdAt: Date;
}

/** Inserts historical orders: source `import`, stock state `none`, updated_at = created_at. */
export const insertOrders = (db: Db, rows: OrderWrite[]) =>
  insertRecords(
    db,
    'orders',
    {
      id: 'uuid',
      number: 'text',
      supplier_id: 'uuid',
      placed_by: 'uuid',
      customer_id: 'uuid',
      channel_id: 'uuid',
      source: 'text',
      location_id: 'uuid',
      status: 'text',
      stock_state: 'text',
      shipping_address: 'text',
      billing_address: 'text',
      currency: 'text',
      subtotal: 'numeric',
      tax_total: 'numeric',
      shipping_total: 'numeric',
      discount_total: 'numeric',
      total: 'numeric',
      notes: 'text',
      created_at: 'timestamptz',
      updated_at: 'timestamptz',
    },
    rows.map((o) => ({
      id: o.id,
      number: o.number,
      supplier_id: o.supplierId,
      placed_by: o.placedBy,
      customer_id: o.customerId,
      channel_id: o.channelId,
      source: 'import',
      location_id: o.locationId,
      status: o.status,
      stock_state: 'none',
      shipping_address: o.shippingAddress,
      billing_address: o.billingAddress,
      currency: o.currency,
      subtotal: o.subtotal,
      tax_total: o.taxTotal,
      shipping_total: o.shippingTotal,
      discount_total: o.discountTotal,
      total: o.total,
      notes: o.notes,
      created_at: o.createdAt,
      updated_at: o.createdAt,
    })),
  );

/** One line of a historical order. */
export interface OrderLineWrite {
  orderId: string;
  productId: string;
  sku: string;
  name: string;
  unitPrice: string;
  quantity: number;
  lineTotal: string;
  createdAt: Date;
}

/** Inserts the lines of historical orders (new ids). */
export const insertOrderLines = (db: Db, rows: OrderLineWrite[]) =>
  insertRecords(
    db,
    'order_lines',
    {
      id: 'uuid',
      order_id: 'uuid',
      product_id: 'uuid',
      sku: 'text',
      name: 'text',
      unit_price: 'numeric',
      quantity: 'int',
      line_total: 'numeric',
      created_at: 'timestamptz',
    },
    rows.map((l) => ({
      id: uuidv7(),
      order_id: l.orderId,
      product_id: l.productId,
      sku: l.sku,
      name: l.name,
      unit_price: l.unitPrice,
      quantity: l.quantity,
      line_total: l.lineTotal,
      created_at: l.createdAt,
    })),
  );

/** Inserts the history rows of historical orders (`null → status`, with the import's note). */
export const insertStatusHistory = (db: Db, rows: { orderId: string; toStatus: string; note: string; actorId: string | null; createdAt: Date }[]) =>
  insertRecords(
    db,
    'order_status_history',
    { id: 'uuid', order_id: 'uuid', from_status: 'text', to_status: 'text', note: 'text', actor_id: 'uuid', created_at: 'timestamptz' },
    rows.map((h) => ({
      id: uuidv7(),
      order_id: h.orderId,
      from_status: null,
      to_status: h.toStatus,
      note: h.note,
      actor_id: h.actorId,
      created_at: h.createdAt,
    })),
  );
