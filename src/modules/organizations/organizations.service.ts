import { trimmedName } from '../../infra/text.js';
import { randomBytes } from 'node:crypto';
import { assertCan, isPlatformAllowed, membershipOf, ORG_ROLE_KEYS, resolveOrganization, type Actor, type Permission } from '../../infra/access.js';
import { inTransaction, type Ctx, type TxCtx } from '../../infra/context.js';
import { AppError, conflict, forbidden, notFound, unauthorized, unprocessable } from '../../infra/errors.js';
import { Decimal, formatMoney, isCurrency, parseMoney } from '../../infra/money.js';
import type { PageResult } from '../../infra/schemas.js';
import { diff, recordAudit, snapshot } from '../audit/index.js';
import { findBuiltinRoleId, findUserByEmail, type UserMembership } from '../identity/index.js';
import * as repo from './organizations.repo.js';
import type { CreateOrganizationInput, OrganizationDto, UpdateOrganizationInput } from './organizations.schemas.js';

/** Most decimals a tax rate may have (the column is `numeric(7,4)`). */
export const TAX_RATE_DECIMALS = 4;

/**
 * A stored tax rate (numeric text, percent) as the API shows it: at least 2 and at most 4
 * decimals, trailing zeros beyond the second dropped (`17` → "17.00", `17.5` → "17.50",
 * `7.125` → "7.125"). Exact: no rounding is ever needed since rates are stored with ≤ 4 decimals.
 */
export function formatTaxRate(value: string | Decimal): string {
  const d = new Decimal(value);
  return d.toFixed(Math.max(2, Math.min(TAX_RATE_DECIMALS, d.decimalPlaces())));
}

/**
 * Parses a tax rate input (percent, string or number) exactly.
 * @throws 422 at `path` when it is not a decimal, is below 0 or above 100, or has more than 4 decimals.
 */
export function parseTaxRate(value: string | number, path: string): Decimal {
  let d: Decimal;
  try {
    d = new Decimal(typeof value === 'number' ? value.toString() : value.trim());
  } catch {
    throw unprocessable([{ path, message: 'must be a decimal percentage' }]);
  }
  if (!d.isFinite()) throw unprocessable([{ path, message: 'must be a decimal percentage' }]);
  if (d.isNegative() || d.greaterThan(100)) throw unprocessable([{ path, message: 'must be between 0 and 100 (percent)' }]);
  if (d.decimalPlaces() > TAX_RATE_DECIMALS) throw unprocessable([{ path, message: `must have at most ${TAX_RATE_DECIMALS} decimals` }]);
  return d;
}

/* ---------- for other modules (ctx first) ---------- */

/** One organization by id, of any type and state, or undefined (callers check access). */
export const findOrganization = (ctx: Ctx, id: string): Promise<repo.OrganizationRow | undefined> => repo.findOrganization(ctx.db, id);

/**
 * Locks the organization row (`FOR NO KEY UPDATE`) until the caller's transaction ends, to
 * serialise changes of one organization's settings-like rows (owners, the default sales channel).
 * Does not block the foreign-key checks of rows inserted meanwhile.
 */
export async function lockOrganization(tx: TxCtx, id: string): Promise<void> {
  await repo.lockOrganization(tx.db, id);
}

/**
 * The one rule of "an active supplier or 404": `org` when it is a supplier and active.
 * @throws 404 `Supplier` when it is missing, a consumer, or deactivated.
 */
export function activeSupplier(org: repo.OrganizationRow | undefined): repo.OrganizationRow {
  if (!org || org.type !== 'supplier' || !org.isActive) throw notFound('Supplier');
  return org;
}

/** The supplier `id` loaded (its currency, settings). @throws 404 `Supplier` unless an active supplier (`activeSupplier`). */
export async function findActiveSupplier(ctx: Ctx, id: string): Promise<repo.OrganizationRow> {
  return activeSupplier(await repo.findOrganization(ctx.db, id));
}

/**
 * `resolveSupplier`, then the supplier loaded and checked to be active (`findActiveSupplier`): for
 * writes that need the supplier's row (its currency prices the input).
 * @throws as `resolveSupplier`; 404 `Supplier` when it is deactivated.
 */
export async function resolveActiveSupplier(ctx: Ctx, permission: Permission, explicitId: string | undefined, path: string): Promise<repo.OrganizationRow> {
  return findActiveSupplier(ctx, await resolveSupplier(ctx, permission, explicitId, path));
}

/**
 * The user's memberships, every organization (active or not), by organization name, each
 * `{organizationId, organizationType, organizationName, role}`: one query. For `/users/me`
 * (identity's `membershipsOf`, handed in by the app).
 */
export const listUserMemberships = (ctx: Ctx, userId: string): Promise<UserMembership[]> => repo.listUserMemberships(ctx.db, userId);

/**
 * The actor of `userId` (the auth hook's `loadActor`): the user, their memberships in active
 * organizations with their roles' permissions, and their platform roles' permissions, in one
 * query. @returns null when the user is missing.
 * @throws 403 `USER_INACTIVE` when the user is deactivated.
 */
export async function loadActor(ctx: Ctx, userId: string): Promise<Actor | null> {
  const row = await repo.findActorRow(ctx.db, userId);
  if (!row) return null;
  if (!row.isActive) throw forbidden('This user account is inactive', 'USER_INACTIVE');
  return {
    userId: row.id,
    email: row.email,
    memberships: row.memberships ?? [],
    platformPermissions: (row.platform ?? []).flat(),
  };
}

/**
 * The supplier a request acts for, for every supplier-side route whose input may omit it:
 * `explicitId` when given, else the one supplier where the caller holds `permission`. Checked in
 * that supplier (`assertCan`: non-members 404, members without the permission 403). A consumer's
 * owner holds every permission in the consumer, but that organization is still no supplier (404);
 * a platform admin (no membership) must name an existing supplier (one query, only then).
 * @returns the supplier's id.
 * @throws 401 without an actor; 403 when the caller holds `permission` in no supplier; 404
 *   `Supplier` as above; 422 at `path` when the caller belongs to several suppliers and gave no id.
 */
export async function resolveSupplier(ctx: Ctx, permission: Permission, explicitId: string | undefined, path: string): Promise<string> {
  if (!ctx.actor) throw unauthorized();
  const supplierId = resolveOrganization(ctx.actor, 'supplier', permission, explicitId, () =>
    unprocessable([{ path, message: 'you belong to several suppliers: say which one' }]),
  );
  assertCan(ctx.actor, permission, supplierId, 'Supplier');
  const m = membershipOf(ctx.actor, supplierId);
  if (m && m.organizationType !== 'supplier') throw notFound('Supplier');
  if (!m) {
    const org = await repo.findOrganization(ctx.db, supplierId);
    if (!org || org.type !== 'supplier') throw notFound('Supplier');
  }
  return supplierId;
}

/**
 * API shape of an organization, with the caller's role in it. A supplier's order-total settings
 * are decimal strings (money with the currency's minor digits, the tax rate with 2 to 4 decimals);
 * they are null for a consumer, to which they do not apply.
 */
export function toOrganizationDto(o: repo.OrganizationRow, myRole: string | null): OrganizationDto {
  const supplier = o.type === 'supplier';
  return {
    id: o.id,
    type: o.type,
    name: o.name,
    slug: o.slug,
    catalog_visibility: o.catalogVisibility,
    currency: o.currency,
    is_active: o.isActive,
    tax_rate: supplier ? formatTaxRate(o.taxRate) : null,
    delivery_fee: supplier ? formatMoney(o.deliveryFee, o.currency) : null,
    free_delivery_threshold: supplier && o.freeDeliveryThreshold !== null ? formatMoney(o.freeDeliveryThreshold, o.currency) : null,
    created_at: o.createdAt.toISOString(),
    updated_at: o.updatedAt.toISOString(),
    my_role: myRole,
  };
}

/** A URL-safe slug of a name: lower case, ASCII letters, digits and dashes. */
export function slugify(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return s || 'org';
}

async function uniqueSlug(ctx: Ctx, name: string): Promise<string> {
  const base = slugify(name);
  if (!(await repo.slugExists(ctx.db, base))) return base;
  return `${base}-${randomBytes(3).toString('hex')}`;
}

async function roleId(ctx: Ctx, type: 'supplier' | 'consumer', key: string, path = 'body/role'): Promise<string> {
  if (!ORG_ROLE_KEYS[type].includes(key)) {
    throw unprocessable([{ path, message: `must be one of ${ORG_ROLE_KEYS[type].join(', ')} for a ${type}` }]);
  }
  const id = await findBuiltinRoleId(ctx, type, key);
  if (!id) throw new Error(`built-in role ${type}/${key} is missing`);
  return id;
}

/** The organization fields (its settings) the audit log records. */
const ORG_AUDITED_FIELDS = [
  'type',
  'name',
  'slug',
  'catalogVisibility',
  'currency',
  'taxRate',
  'deliveryFee',
  'freeDeliveryThreshold',
  'isActive',
] as const satisfies readonly (keyof repo.OrganizationRow)[];

/**
 * Creates an organization and makes the caller its `owner`, in one transaction.
 * @throws 422 for an unknown currency.
 */
export async function createOrganization(ctx: Ctx, input: CreateOrganizationInput): Promise<OrganizationDto> {
  const currency = input.currency ?? 'KZT';
  if (!isCurrency(currency)) throw unprocessable([{ path: 'body/currency', message: 'must be an ISO 4217 currency code' }]);
  if (input.type === 'consumer' && input.catalog_visibility) {
    throw unprocessable([{ path: 'body/catalog_visibility', message: 'applies to suppliers only' }]);
  }
  return inTransaction(ctx, async (tx) => {
    const org = await repo.insertOrganization(tx.db, {
      type: input.type,
      name: trimmedName(input.name),
      slug: await uniqueSlug(tx, input.name),
      catalogVisibility: input.catalog_visibility ?? 'linked',
      currency,
    });
    await repo.insertMembership(tx.db, { userId: ctx.actor!.userId, organizationId: org.id, roleId: await roleId(tx, input.type, 'owner') });
    await recordAudit(tx, {
      organizationId: org.id,
      entityType: 'organization',
      entityId: org.id,
      action: 'organization.created',
      changes: snapshot(org, ORG_AUDITED_FIELDS),
    });
    return toOrganizationDto(org, 'owner');
  });
}

/** The caller's organizations with their role in each. */
export async function listMyOrganizations(
  ctx: Ctx,
  q: { type?: 'supplier' | 'consumer'; limit: number; offset: number },
): Promise<PageResult<OrganizationDto>> {
  const { items, total } = await repo.listForUser(ctx.db, ctx.actor!.userId, q);
  return { items: items.map((r) => toOrganizationDto(r.org, r.role)), total, limit: q.limit, offset: q.offset };
}

/** An organization the caller belongs to (or any, for a platform admin). @throws 404 otherwise. */
export async function getOrganization(ctx: Ctx, id: string): Promise<OrganizationDto> {
  assertCan(ctx.actor, 'organizations:read', id, 'Organization');
  const org = await repo.findOrganization(ctx.db, id);
  if (!org) throw notFound('Organization');
  return toOrganizationDto(org, membershipOf(ctx.actor, id)?.role ?? null);
}

/**
 * Renames an organization, changes its catalog visibility, or, for a supplier, its order-total
 * settings (seed 002's delivery fee of 30 ILS below 150 ILS is `delivery_fee: 30,
 * free_delivery_threshold: 150`):
 * - `tax_rate`: percent of the subtotal, 0..100, at most 4 decimals, string or number, exact;
 * - `delivery_fee`: money ≥ 0 in the organization's currency (at most its minor digits);
 * - `free_delivery_threshold`: money ≥ 0, or null for none.
 * Every field is checked before anything is written; all errors are reported together.
 * @throws 404 not a member; 403 without `organizations:update`; 422 bad values, or supplier-only
 *   fields (catalog_visibility and the settings) on a consumer.
 */
export async function updateOrganization(ctx: Ctx, id: string, input: UpdateOrganizationInput): Promise<OrganizationDto> {
  assertCan(ctx.actor, 'organizations:update', id, 'Organization');
  const org = await repo.findOrganization(ctx.db, id);
  if (!org) throw notFound('Organization');
  if (org.type !== 'supplier') {
    const supplierOnly = (['catalog_visibility', 'tax_rate', 'delivery_fee', 'free_delivery_threshold'] as const).filter((k) => input[k] !== undefined);
    if (supplierOnly.length) throw unprocessable(supplierOnly.map((k) => ({ path: `body/${k}`, message: 'applies to suppliers only' })));
  }
  const errors: { path: string; message: string }[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof AppError && err.extra.errors) errors.push(...err.extra.errors);
      else throw err;
      return undefined;
    }
  };
  const taxRate = input.tax_rate === undefined ? undefined : attempt(() => parseTaxRate(input.tax_rate!, 'body/tax_rate'));
  const deliveryFee = input.delivery_fee === undefined ? undefined : attempt(() => parseMoney(input.delivery_fee!, org.currency, 'body/delivery_fee'));
  const threshold =
    input.free_delivery_threshold == null
      ? input.free_delivery_threshold
      : attempt(() => parseMoney(input.free_delivery_threshold!, org.currency, 'body/free_delivery_threshold'));
  if (errors.length) throw unprocessable(errors);
  const updated = await inTransaction(ctx, async (tx) => {
    const row = await repo.updateOrganization(tx.db, id, {
      ...(input.name !== undefined && { name: trimmedName(input.name) }),
      ...(input.catalog_visibility !== undefined && { catalogVisibility: input.catalog_visibility }),
      ...(taxRate !== undefined && { taxRate: taxRate.toFixed() }),
      ...(deliveryFee !== undefined && { deliveryFee: deliveryFee.toFixed() }),
      ...(threshold !== undefined && { freeDeliveryThreshold: threshold === null ? null : threshold.toFixed() }),
    });
    const changes = diff(org, row, ORG_AUDITED_FIELDS);
    if (Object.keys(changes).length > 0)
      await recordAudit(tx, { organizationId: id, entityType: 'organization', entityId: id, action: 'organization.updated', changes });
    return row;
  });
  return toOrganizationDto(updated, membershipOf(ctx.actor, id)?.role ?? null);
}

const memberDto = (m: { userId: string; email: string; fullName: string; role: string; joinedAt: Date }) => ({
  user_id: m.userId,
  email: m.email,
  full_name: m.fullName,
  role: m.role,
  joined_at: m.joinedAt.toISOString(),
});

/** Members of an organization. @throws 404 for non-members. */
export async function listMembers(ctx: Ctx, organizationId: string, q: { limit: number; offset: number }) {
  assertCan(ctx.actor, 'members:read', organizationId, 'Organization');
  const { items, total } = await repo.listMembers(ctx.db, organizationId, q);
  return { items: items.map(memberDto), total, limit: q.limit, offset: q.offset };
}

/** Only an owner (or a platform admin) may grant, change or remove the `owner` role. */
function assertMayTouchOwner(ctx: Ctx, organizationId: string) {
  if (isPlatformAllowed(ctx.actor!, 'members:manage')) return;
  if (membershipOf(ctx.actor, organizationId)?.role !== 'owner') throw forbidden('Only an owner can grant or remove the owner role');
}

/**
 * Adds an existing user to the organization with a role of its type.
 * @throws 404 organization (non-members) or user; 409 `ALREADY_MEMBER`; 422 role; 403 owner role by a non-owner.
 */
export async function addMember(ctx: Ctx, organizationId: string, input: { email: string; role: string }) {
  assertCan(ctx.actor, 'members:manage', organizationId, 'Organization');
  const org = await repo.findOrganization(ctx.db, organizationId);
  if (!org) throw notFound('Organization');
  const rid = await roleId(ctx, org.type, input.role);
  if (input.role === 'owner') assertMayTouchOwner(ctx, organizationId);
  const user = await findUserByEmail(ctx, input.email);
  if (!user) throw notFound('User');
  if (await repo.findMembership(ctx.db, organizationId, user.id)) throw conflict('ALREADY_MEMBER', 'This user is already a member');
  const m = await inTransaction(ctx, async (tx) => {
    const row = await repo.insertMembership(tx.db, { userId: user.id, organizationId, roleId: rid });
    await recordAudit(tx, {
      organizationId,
      entityType: 'membership',
      entityId: user.id,
      action: 'membership.added',
      changes: { email: user.email, role: input.role },
    });
    return row;
  });
  return memberDto({ userId: user.id, email: user.email, fullName: user.fullName, role: input.role, joinedAt: m.createdAt });
}

/**
 * Changes a member's role. The organization keeps at least one owner.
 * @throws 404 organization or member; 409 `LAST_OWNER`; 422 role; 403 owner role by a non-owner.
 */
export async function changeMemberRole(ctx: Ctx, organizationId: string, userId: string, role: string) {
  assertCan(ctx.actor, 'members:manage', organizationId, 'Organization');
  return inTransaction(ctx, async (tx) => {
    await repo.lockOrganization(tx.db, organizationId);
    const org = await repo.findOrganization(tx.db, organizationId);
    if (!org) throw notFound('Organization');
    const rid = await roleId(tx, org.type, role);
    const current = await repo.findMembership(tx.db, organizationId, userId);
    if (!current) throw notFound('Member');
    if (role === 'owner' || current.role === 'owner') assertMayTouchOwner(tx, organizationId);
    if (current.role === 'owner' && role !== 'owner' && (await repo.countOwners(tx.db, organizationId)) <= 1) {
      throw conflict('LAST_OWNER', 'An organization keeps at least one owner');
    }
    await repo.updateMembershipRole(tx.db, organizationId, userId, rid);
    if (current.role !== role) {
      await recordAudit(tx, {
        organizationId,
        entityType: 'membership',
        entityId: userId,
        action: 'membership.role_changed',
        changes: { role: { from: current.role, to: role } },
      });
    }
    return memberDto(await repo.findMemberDetail(tx.db, organizationId, userId));
  });
}

/**
 * Removes a member (members may also remove themselves). The organization keeps at least one owner.
 * @throws 404 organization or member; 409 `LAST_OWNER`; 403.
 */
export async function removeMember(ctx: Ctx, organizationId: string, userId: string): Promise<void> {
  const self = ctx.actor?.userId === userId && membershipOf(ctx.actor, organizationId);
  if (!self) assertCan(ctx.actor, 'members:manage', organizationId, 'Organization');
  await inTransaction(ctx, async (tx) => {
    await repo.lockOrganization(tx.db, organizationId);
    const current = await repo.findMembership(tx.db, organizationId, userId);
    if (!current) throw notFound('Member');
    if (current.role === 'owner') {
      if (!self) assertMayTouchOwner(tx, organizationId);
      if ((await repo.countOwners(tx.db, organizationId)) <= 1) throw conflict('LAST_OWNER', 'An organization keeps at least one owner');
    }
    await repo.deleteMembership(tx.db, organizationId, userId);
    await recordAudit(tx, { organizationId, entityType: 'membership', entityId: userId, action: 'membership.removed', changes: { role: current.role } });
  });
}

/** Active suppliers, optionally matching `q`, so consumers can find whom to ask for a link. */
export async function listSuppliers(ctx: Ctx, q: { q?: string; limit: number; offset: number }) {
  const { items, total } = await repo.listSuppliers(ctx.db, q);
  return {
    items: items.map((o) => ({ id: o.id, name: o.name, slug: o.slug, catalog_visibility: o.catalogVisibility, currency: o.currency })),
    total,
    limit: q.limit,
    offset: q.offset,
  };
}
