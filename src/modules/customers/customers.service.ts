import { trimmedName } from '../../infra/text.js';
import { assertCan } from '../../infra/access.js';
import { inTransaction, type Ctx, type TxCtx } from '../../infra/context.js';
import { isUniqueViolation } from '../../infra/db/errors.js';
import { conflict, notFound, unprocessable } from '../../infra/errors.js';
import { formatMoney } from '../../infra/money.js';
import type { PageResult } from '../../infra/schemas.js';
import { parseSort } from '../../infra/sort.js';
import { diff, recordAudit, snapshot } from '../audit/index.js';
import { resolveSupplier } from '../organizations/index.js';
import * as repo from './customers.repo.js';
import type { CreateCustomerInput, CustomerDto, ListCustomersQueryInput, UpdateCustomerInput } from './customers.schemas.js';

/* ---------- shared rules ---------- */

/** The customer list's `?sort=` keys, in the order a 422 names them. */
const SORT_KEYS = Object.keys(repo.SORT_COLUMNS) as repo.SortKey[];

/** A trimmed optional text: undefined stays undefined (not given), null or blank becomes null (cleared). */
const text = (v: string | null | undefined) => (v === undefined ? undefined : v === null ? null : v.trim() || null);

/** An email as stored: trimmed and lower-cased; null clears it. */
const normalEmail = (v: string | null | undefined) => (v === undefined ? undefined : v === null ? null : v.trim().toLowerCase());

/** The customer fields the audit log records. */
const AUDITED_FIELDS = ['name', 'email', 'phone', 'shippingAddress', 'billingAddress', 'notes'] as const satisfies readonly (keyof repo.CustomerRow)[];

const emailTaken = (email: string) => conflict('CUSTOMER_EMAIL_TAKEN', `Another customer of this supplier has the email ${email}`, { email });

/**
 * API shape of a customer: money with the supplier's currency's minor digits. `total_spent` is the
 * sum of `total` of the customer's orders not cancelled, rejected or refunded; `order_count` counts
 * every order of the customer.
 */
export function toCustomerDto(d: repo.CustomerDetail): CustomerDto {
  const c = d.customer;
  return {
    id: c.id,
    supplier_id: c.supplierId,
    name: c.name,
    email: c.email,
    phone: c.phone,
    shipping_address: c.shippingAddress,
    billing_address: c.billingAddress,
    notes: c.notes,
    user_id: c.userId,
    consumer: c.consumerId ? { id: c.consumerId, name: d.consumerName ?? '' } : null,
    order_count: Number(d.orderCount),
    total_spent: formatMoney(d.totalSpent ?? '0', d.currency),
    currency: d.currency,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

/* ---------- use cases ---------- */

/**
 * Creates a customer record of the caller's supplier (seeds 003, 004: staff record who buys; seed
 * 004's duplicate email → here 409). The name is trimmed (not blank), the email trimmed and
 * lower-cased; `user_id` and `consumer` are not set here (they are set when a user or a consumer
 * organization orders, by `findOrCreateCustomer`).
 * @throws 403 without `customers:manage` in any supplier; 404 `supplier_id` not the caller's or not a
 *   supplier; 422 bad input or several suppliers and no `supplier_id`; 409 `CUSTOMER_EMAIL_TAKEN`
 *   when another customer of the supplier has the email (checked again by the unique index under
 *   concurrency).
 */
export async function createCustomer(ctx: Ctx, input: CreateCustomerInput): Promise<CustomerDto> {
  const supplierId = await resolveSupplier(ctx, 'customers:manage', input.supplier_id, 'body/supplier_id');
  const name = trimmedName(input.name);
  const email = normalEmail(input.email) ?? null;
  if (email && (await repo.emailTaken(ctx.db, supplierId, email))) throw emailTaken(email);
  const row = await inTransaction(ctx, async (tx) => {
    const inserted = await repo.insertCustomer(tx.db, {
      supplierId,
      name,
      email,
      phone: text(input.phone) ?? null,
      shippingAddress: text(input.shipping_address) ?? null,
      billingAddress: text(input.billing_address) ?? null,
      notes: text(input.notes) ?? null,
    });
    // Nothing inserted: a concurrent request took the email between the check and the insert.
    if (!inserted) throw emailTaken(email ?? '');
    await recordAudit(tx, {
      organizationId: supplierId,
      entityType: 'customer',
      entityId: inserted.id,
      action: 'customer.created',
      changes: snapshot(inserted, AUDITED_FIELDS),
    });
    return inserted;
  });
  return getCustomerDetail(ctx, row.id);
}

async function getCustomerDetail(ctx: Ctx, id: string): Promise<CustomerDto> {
  const d = await repo.findCustomerDetail(ctx.db, id);
  if (!d) throw notFound('Customer');
  return toCustomerDto(d);
}

/**
 * One customer with `order_count` and `total_spent` (decimal string in `currency`, the supplier's),
 * computed from the orders when read. One query.
 * @throws 404 unknown, or a customer of a supplier the caller is not a member of; 403 without
 *   `customers:read` there.
 */
export async function getCustomer(ctx: Ctx, id: string): Promise<CustomerDto> {
  const d = await repo.findCustomerDetail(ctx.db, id);
  if (!d) throw notFound('Customer');
  assertCan(ctx.actor, 'customers:read', d.customer.supplierId, 'Customer');
  return toCustomerDto(d);
}

/**
 * The caller's supplier's customers, each with its figures: `q` matches name or email
 * case-insensitively (wildcards escaped), `sort` among name and created_at (default name). Two
 * queries whatever the page size.
 * @throws 403 without `customers:read` in any supplier; 404 `supplier_id` not the caller's; 422 bad
 *   sort, or several suppliers and no `supplier_id`.
 */
export async function listCustomers(ctx: Ctx, q: ListCustomersQueryInput): Promise<PageResult<CustomerDto>> {
  // `?sort=` among name and created_at, each optionally prefixed with `-`; default `name`.
  const sort = parseSort(q.sort, SORT_KEYS, [{ key: 'name', desc: false }]);
  const supplierId = await resolveSupplier(ctx, 'customers:read', q.supplier_id, 'querystring/supplier_id');
  const { items, total } = await repo.listCustomers(ctx.db, supplierId, { q: q.q?.trim() || undefined, sort, limit: q.limit, offset: q.offset });
  return { items: items.map(toCustomerDto), total, limit: q.limit, offset: q.offset };
}

/**
 * Changes a customer (partial; `null` clears email, phone, addresses and notes). A new email is
 * lower-cased and must be free among the supplier's customers. `user_id` and `consumer` cannot be
 * changed. There is no delete: orders point at their customer.
 * @throws 404 unknown or another supplier's customer; 403 without `customers:manage`; 422 bad input
 *   (nothing written); 409 `CUSTOMER_EMAIL_TAKEN`.
 */
export async function updateCustomer(ctx: Ctx, id: string, input: UpdateCustomerInput): Promise<CustomerDto> {
  const current = await repo.findCustomerDetail(ctx.db, id);
  if (!current) throw notFound('Customer');
  const supplierId = current.customer.supplierId;
  assertCan(ctx.actor, 'customers:manage', supplierId, 'Customer');
  // Unknown fields (user_id, consumer, …) are dropped by validation: a body of only those changes nothing.
  if (Object.values(input).every((v) => v === undefined)) throw unprocessable([{ path: 'body', message: 'must change at least one field' }]);
  const name = input.name === undefined ? undefined : trimmedName(input.name);
  const email = normalEmail(input.email);
  if (email && email !== current.customer.email && (await repo.emailTaken(ctx.db, supplierId, email, id))) throw emailTaken(email);
  const phone = text(input.phone);
  const shippingAddress = text(input.shipping_address);
  const billingAddress = text(input.billing_address);
  const notes = text(input.notes);
  try {
    await inTransaction(ctx, async (tx) => {
      const updated = await repo.updateCustomer(tx.db, supplierId, id, {
        ...(name !== undefined && { name }),
        ...(email !== undefined && { email }),
        ...(phone !== undefined && { phone }),
        ...(shippingAddress !== undefined && { shippingAddress }),
        ...(billingAddress !== undefined && { billingAddress }),
        ...(notes !== undefined && { notes }),
      });
      const changes = updated && diff(current.customer, updated, AUDITED_FIELDS);
      if (changes && Object.keys(changes).length > 0)
        await recordAudit(tx, { organizationId: supplierId, entityType: 'customer', entityId: id, action: 'customer.updated', changes });
    });
  } catch (err) {
    // Another request took the email between the check and the update.
    if (email && isUniqueViolation(err, 'customers_supplier_email_key')) throw emailTaken(email);
    throw err;
  }
  return getCustomerDetail(ctx, id);
}

/* ---------- for other modules (ctx first) ---------- */

/**
 * One customer of one supplier, or undefined (another supplier's customer, an unknown id). The
 * orders flow uses it to check a `customer_id` given by staff.
 */
export const findCustomer = (ctx: Ctx, supplierId: string, id: string): Promise<repo.CustomerRow | undefined> => repo.findCustomer(ctx.db, supplierId, id);

/**
 * The supplier's customer record for a buyer, created when missing, in the caller's transaction
 * (the order or import that needs it): see `findOrCreateCustomer` in customers.repo.ts for who is
 * matched to which record. Never throws for a conflict.
 */
export const findOrCreateCustomer = (tx: TxCtx, who: repo.CustomerIdentity): Promise<repo.CustomerRow> => repo.findOrCreateCustomer(tx.db, who);
