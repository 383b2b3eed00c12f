/**
 * Historical orders file: one row per order line, grouped by `order_number`. Order-level columns
 * may be repeated on every row of the order or given once; any value given must be the same.
 */
import { v7 as uuidv7 } from 'uuid';
import type { TxCtx } from '../../infra/context.js';
import { Decimal } from '../../infra/money.js';
import { findOrCreateCustomer } from '../customers/index.js';
import { computeTotals, ORDER_STATUSES, type OrderStatus } from '../orders/index.js';
import { ensureDefaultChannel } from '../sales-channels/index.js';
import { ensureDefaultLocation } from '../stock/index.js';
import { readHeader, RowReader, type AmountCache } from './imports.csv.js';
import { widthMatches, type ImportHandler } from './imports.job.js';
import * as repo from './imports.repo.js';
import * as orderRepo from './imports.orders.repo.js';

/** The columns that describe the whole order (given on any of its rows, the same on every row that gives them). */
const ORDER_LEVEL = [
  'created_at',
  'status',
  'channel',
  'customer_name',
  'customer_email',
  'customer_phone',
  'shipping_address',
  'billing_address',
  'notes',
  'tax_total',
  'shipping_total',
  'discount_total',
] as const;
/** Every column of an orders file: the number, the order-level columns, then the line's. */
export const ORDER_COLUMNS = ['order_number', ...ORDER_LEVEL, 'sku', 'quantity', 'unit_price'] as const;
const REQUIRED = ['order_number', 'created_at', 'status', 'sku', 'quantity', 'unit_price'] as const;
type OrderLevelColumn = (typeof ORDER_LEVEL)[number];
type OrderLevelValue = string | Date | Decimal;

interface OrderLine {
  line: number;
  sku: string;
  quantity: number;
  unitPrice: Decimal;
}

interface OrderDraft {
  number: string;
  firstLine: number;
  /** Each order-level value given, with the line it was first given on. */
  fields: Map<OrderLevelColumn, { value: OrderLevelValue; line: number }>;
  /** Order-level columns with a bad value on some row (already reported). */
  invalid: Set<OrderLevelColumn>;
  /** SKU → the line it is on (every SKU named, even on rows with other problems). */
  skus: Map<string, number>;
  /** The valid lines. */
  lines: OrderLine[];
}

const sameValue = (a: OrderLevelValue, b: OrderLevelValue) =>
  a instanceof Date ? a.getTime() === (b as Date).getTime() : a instanceof Decimal ? a.equals(b as Decimal) : a === b;
const show = (v: OrderLevelValue) => (v instanceof Date ? v.toISOString() : v.toString());

/** The form of the numbers Agora generates (`ORD-100001`): reserved for them, refused in an import. */
const GENERATED_NUMBER = /^ORD-\d+$/i;

/**
 * Imports historical orders (see `ImportHandler`): source `import`, stock state `none` (they never
 * move stock), status and created_at from the file, the number as given. Customers come from
 * `findOrCreateCustomer`, channels by name (created when missing, kind `other`) or the default
 * channel, the location is the supplier's default; totals are exact: lines plus tax and shipping
 * minus discount. One status history row per order (null → status, at created_at).
 * Problems: bad values, disagreeing order-level values, missing status/created_at, a SKU twice in
 * one order, an unknown SKU, an order number already taken by the supplier or of the generated
 * form `ORD-<digits>`, a
 * discount above the order amount.
 * Summary: `orders_created`, `order_lines_created`, `customers_created`, `channels_created`.
 */
export const importOrders: ImportHandler = async (tx: TxCtx, job) => {
  const header = readHeader(job.header, { columns: ORDER_COLUMNS, required: REQUIRED }, job.problems);
  if (!header) return null;
  const drafts = new Map<string, OrderDraft>();
  const amounts: AmountCache = new Map();
  for (const record of job.records) {
    if (!widthMatches(job, record, header.width)) continue;
    const r = new RowReader(record, header, job.problems, amounts);
    let number = r.text('order_number', { required: true, max: 64 });
    if (number && GENERATED_NUMBER.test(number)) {
      r.fail(
        'order_number',
        `"${number}" has the form ORD-<digits>, which is reserved for the numbers Agora generates; keep the source system's number in another form (e.g. with its own prefix)`,
      );
      number = null;
    }
    const given: Partial<Record<OrderLevelColumn, OrderLevelValue | null | undefined>> = {
      created_at: r.timestamp('created_at', { now: job.now }),
      status: r.text('status', { max: 40 }),
      channel: r.text('channel', { max: 100 }),
      customer_name: r.text('customer_name', { max: 200 }),
      customer_email: r.email('customer_email')?.toLowerCase(),
      customer_phone: r.text('customer_phone', { max: 50 }),
      shipping_address: r.text('shipping_address', { max: 1000, multiline: true }),
      billing_address: r.text('billing_address', { max: 1000, multiline: true }),
      notes: r.text('notes', { max: 2000, multiline: true }),
      tax_total: r.money('tax_total', job.currency),
      shipping_total: r.money('shipping_total', job.currency),
      discount_total: r.money('discount_total', job.currency),
    };
    if (typeof given.status === 'string' && !ORDER_STATUSES.includes(given.status as OrderStatus)) {
      r.fail('status', `must be one of ${ORDER_STATUSES.join(', ')}`);
      given.status = null;
    }
    const sku = r.text('sku', { required: true, max: 100 });
    const quantity = r.int('quantity', { required: true, min: 1, max: 1_000_000 });
    const unitPrice = r.money('unit_price', job.currency, { required: true });
    if (!number) continue;
    let draft = drafts.get(number);
    if (!draft) {
      draft = { number, firstLine: r.line, fields: new Map(), invalid: new Set(), skus: new Map(), lines: [] };
      drafts.set(number, draft);
    }
    for (const column of ORDER_LEVEL) {
      const value = given[column];
      if (value === null || value === undefined) {
        if (r.raw(column)) draft.invalid.add(column);
        continue;
      }
      const before = draft.fields.get(column);
      if (!before) draft.fields.set(column, { value, line: r.line });
      else if (!sameValue(before.value, value)) {
        r.fail(column, `"${show(value)}" differs from "${show(before.value)}" given for order ${number} on line ${before.line}`);
      }
    }
    if (sku) {
      const twice = draft.skus.get(sku);
      if (twice !== undefined) r.fail('sku', `order ${number} already has "${sku}" on line ${twice}; put the whole quantity on one row`);
      else {
        draft.skus.set(sku, r.line);
        if (quantity && unitPrice) draft.lines.push({ line: r.line, sku, quantity, unitPrice });
      }
    }
  }

  for (const d of drafts.values()) {
    for (const column of ['created_at', 'status'] as const) {
      if (!d.fields.has(column) && !d.invalid.has(column)) job.problems.add(d.firstLine, column, `order ${d.number} needs a ${column} (on any of its rows)`);
    }
    if ((d.fields.has('customer_email') || d.fields.has('customer_phone')) && !d.fields.has('customer_name') && !d.invalid.has('customer_name')) {
      job.problems.add(d.firstLine, 'customer_name', `order ${d.number} has a customer email or phone but no customer_name`);
    }
    const subtotal = d.lines.reduce((s, l) => s.plus(l.unitPrice.times(l.quantity)), new Decimal(0));
    const amount = (c: OrderLevelColumn) => (d.fields.get(c)?.value as Decimal | undefined) ?? new Decimal(0);
    const discount = d.fields.get('discount_total');
    if (discount && amount('discount_total').greaterThan(subtotal.plus(amount('tax_total')).plus(amount('shipping_total')))) {
      job.problems.add(discount.line, 'discount_total', `the discount exceeds the amount of order ${d.number}`);
    }
  }

  // Against the database: numbers free, SKUs known.
  const taken = await orderRepo.findTakenOrderNumbers(tx.db, job.supplierId, [...drafts.keys()]);
  for (const d of drafts.values()) {
    if (taken.has(d.number)) job.problems.add(d.firstLine, 'order_number', `order number "${d.number}" is already taken by another order of this supplier`);
  }
  const skus = [...new Set([...drafts.values()].flatMap((d) => [...d.skus.keys()]))];
  const products = new Map((await repo.findProductsBySku(tx.db, job.supplierId, skus)).map((p) => [p.sku, p]));
  for (const d of drafts.values()) {
    for (const [sku, line] of d.skus)
      if (!products.has(sku)) job.problems.add(line, 'sku', `the supplier has no product with SKU "${sku}" (archived products do not count)`);
  }
  if (job.problems.count > 0) return null;

  // Channels by name, created when missing; the default channel for orders that name none.
  const text = (d: OrderDraft, c: OrderLevelColumn) => (d.fields.get(c)?.value as string | undefined) ?? null;
  const channelIds = new Map((await orderRepo.listChannels(tx.db, job.supplierId)).map((c) => [c.name.toLowerCase(), c.id]));
  const newChannels = new Map<string, string>();
  for (const d of drafts.values()) {
    const name = text(d, 'channel');
    if (name && !channelIds.has(name.toLowerCase()) && !newChannels.has(name.toLowerCase())) newChannels.set(name.toLowerCase(), name);
  }
  if (newChannels.size > 0) {
    for (const c of await orderRepo.insertChannels(tx.db, job.supplierId, [...newChannels.values()])) channelIds.set(c.name.toLowerCase(), c.id);
  }
  const needsDefault = [...drafts.values()].some((d) => !text(d, 'channel'));
  const defaultChannelId = needsDefault ? (await ensureDefaultChannel(tx, job.supplierId)).id : null;
  const location = await ensureDefaultLocation(tx, job.supplierId);

  // Customers: one record per email (found or created), a new one for each order without email.
  const emails = [...new Set([...drafts.values()].map((d) => text(d, 'customer_email')).filter((e): e is string => e !== null))];
  const knownEmails = await orderRepo.findCustomerEmails(tx.db, job.supplierId, emails);
  const customerOfEmail = new Map<string, string>();
  let customersCreated = 0;
  const customerFor = async (d: OrderDraft): Promise<string | null> => {
    const name = text(d, 'customer_name');
    if (!name) return null;
    const email = text(d, 'customer_email');
    if (email && customerOfEmail.has(email)) return customerOfEmail.get(email)!;
    const row = await findOrCreateCustomer(tx, {
      supplierId: job.supplierId,
      name,
      email,
      phone: text(d, 'customer_phone'),
      shippingAddress: text(d, 'shipping_address'),
      billingAddress: text(d, 'billing_address'),
    });
    if (!email || !knownEmails.has(email)) customersCreated++;
    if (email) customerOfEmail.set(email, row.id);
    return row.id;
  };

  const orderRows: orderRepo.OrderWrite[] = [];
  const lineRows: orderRepo.OrderLineWrite[] = [];
  const historyRows: Parameters<typeof orderRepo.insertStatusHistory>[1] = [];
  for (const d of drafts.values()) {
    const id = uuidv7();
    const createdAt = d.fields.get('created_at')!.value as Date;
    const status = d.fields.get('status')!.value as OrderStatus;
    const amount = (c: OrderLevelColumn) => (d.fields.get(c)?.value as Decimal | undefined)?.toFixed();
    const totals = computeTotals(
      d.lines.map((l) => ({ unitPrice: l.unitPrice.toFixed(), quantity: l.quantity })),
      { tax: amount('tax_total'), shipping: amount('shipping_total'), discount: amount('discount_total') },
    );
    const channel = text(d, 'channel');
    orderRows.push({
      id,
      number: d.number,
      supplierId: job.supplierId,
      placedBy: job.userId,
      customerId: await customerFor(d),
      channelId: channel ? channelIds.get(channel.toLowerCase())! : defaultChannelId!,
      locationId: location.id,
      status,
      shippingAddress: text(d, 'shipping_address'),
      billingAddress: text(d, 'billing_address'),
      currency: job.currency,
      subtotal: totals.subtotal,
      taxTotal: totals.taxTotal,
      shippingTotal: totals.shippingTotal,
      discountTotal: totals.discountTotal,
      total: totals.total,
      notes: text(d, 'notes'),
      createdAt,
    });
    d.lines.forEach((l, i) => {
      const product = products.get(l.sku)!;
      lineRows.push({
        orderId: id,
        productId: product.id,
        sku: product.sku,
        name: product.name,
        unitPrice: l.unitPrice.toFixed(),
        quantity: l.quantity,
        lineTotal: totals.lineTotals[i],
        createdAt,
      });
    });
    historyRows.push({ orderId: id, toStatus: status, note: `import ${job.runId}`, actorId: job.userId, createdAt });
  }
  await orderRepo.insertOrders(tx.db, orderRows);
  await orderRepo.insertOrderLines(tx.db, lineRows);
  await orderRepo.insertStatusHistory(tx.db, historyRows);
  return {
    orders_created: orderRows.length,
    order_lines_created: lineRows.length,
    customers_created: customersCreated,
    channels_created: newChannels.size,
  };
};
