/**
 * Stock locations: a supplier's warehouses, branches and stores (seed 002's branches, seed 004's
 * "Main Warehouse"). Rules: names are unique per supplier case-insensitively; a supplier that has
 * locations has exactly one default, always active; changes of one supplier's locations are
 * serialised by a transaction-scoped advisory lock.
 */
import { trimmedName } from '../../infra/text.js';
import { assertCan } from '../../infra/access.js';
import { inTransaction, type Ctx } from '../../infra/context.js';
import { conflict, notFound, unprocessable } from '../../infra/errors.js';
import type { PageResult } from '../../infra/schemas.js';
import { diff, recordAudit, snapshot } from '../audit/index.js';
import { findActiveSupplier, resolveSupplier } from '../organizations/index.js';
import { findDefaultLocation, lockSupplierLocations } from '../stock/index.js';
import * as repo from './inventory.repo.js';
import type { CreateLocationInput, ListLocationsQueryInput, LocationDto, UpdateLocationInput } from './inventory.schemas.js';

/** The location fields the audit log records. */
const LOCATION_FIELDS = ['name', 'address', 'kind', 'isActive', 'isDefault'] as const satisfies readonly (keyof repo.LocationRow)[];

/** The API shape of a location row. */
export const toLocationDto = (l: repo.LocationRow): LocationDto => ({
  id: l.id,
  supplier_id: l.supplierId,
  name: l.name,
  address: l.address,
  kind: l.kind,
  is_active: l.isActive,
  is_default: l.isDefault,
  created_at: l.createdAt.toISOString(),
  updated_at: l.updatedAt.toISOString(),
});

/** 409 `LOCATION_NAME_TAKEN`: another location of the supplier has this name (case-insensitively). */
const nameTaken = (name: string) => conflict('LOCATION_NAME_TAKEN', `The supplier already has a location named "${name}"`, { name });

const trimmedAddress = (a: string | null | undefined) => (a == null ? a : a.trim() || null);

/**
 * Creates a stock location `{name, address?, kind? (warehouse), is_active? (true), is_default?}` for
 * the caller's supplier (`supplier_id` needed only when it manages several). The supplier's first
 * location is always its default; `is_default: true` moves the default here, unsetting the
 * previous one in the same transaction.
 * @throws 403 without `locations:manage`; 404 supplier not the caller's; 422 blank name, several
 *   suppliers without `supplier_id`, or an inactive default; 409 `LOCATION_NAME_TAKEN` (details
 *   `{name}`) when the name is taken case-insensitively. Nothing is written when it throws.
 */
export async function createLocation(ctx: Ctx, input: CreateLocationInput): Promise<LocationDto> {
  const supplierId = await resolveSupplier(ctx, 'locations:manage', input.supplier_id, 'body/supplier_id');
  const name = trimmedName(input.name);
  const isActive = input.is_active ?? true;
  if (input.is_default === true && !isActive) throw unprocessable([{ path: 'body/is_default', message: 'the default location must be active' }]);
  await findActiveSupplier(ctx, supplierId);
  return inTransaction(ctx, async (tx) => {
    await lockSupplierLocations(tx, supplierId);
    if (await repo.locationNameTaken(tx.db, supplierId, name)) throw nameTaken(name);
    const current = await findDefaultLocation(tx, supplierId);
    const makeDefault = input.is_default === true || !current;
    if (makeDefault && !isActive)
      throw unprocessable([{ path: 'body/is_active', message: "the supplier's first location becomes its default and must be active" }]);
    if (makeDefault && current) await repo.unsetDefaultLocation(tx.db, supplierId);
    const row = await repo.insertLocation(tx.db, {
      supplierId,
      name,
      address: trimmedAddress(input.address) ?? null,
      kind: input.kind ?? 'warehouse',
      isActive,
      isDefault: makeDefault,
    });
    // Every writer of the supplier's locations holds the lock, so a clash means data changed outside the API.
    if (!row) throw conflict('CONCURRENT_UPDATE', "The supplier's locations changed concurrently; retry the request");
    await recordAudit(tx, {
      organizationId: supplierId,
      entityType: 'location',
      entityId: row.id,
      action: 'location.created',
      changes: snapshot(row, LOCATION_FIELDS),
    });
    return toLocationDto(row);
  });
}

/**
 * A page of the supplier's locations, default first then by name; filters `is_active`, `kind`.
 * Two queries.
 * @throws 403 without `locations:read`; 404 supplier not the caller's; 422 several suppliers without `supplier_id`.
 */
export async function listLocations(ctx: Ctx, q: ListLocationsQueryInput): Promise<PageResult<LocationDto>> {
  const supplierId = await resolveSupplier(ctx, 'locations:read', q.supplier_id, 'querystring/supplier_id');
  const { items, total } = await repo.listLocations(ctx.db, supplierId, { isActive: q.is_active, kind: q.kind, limit: q.limit, offset: q.offset });
  return { items: items.map(toLocationDto), total, limit: q.limit, offset: q.offset };
}

/** The location of `id` when the caller holds `permission` in its supplier. @throws 404, 403. */
async function locationFor(ctx: Ctx, id: string, permission: 'locations:read' | 'locations:manage') {
  const location = await repo.findLocationById(ctx.db, id);
  if (!location) throw notFound('Location');
  assertCan(ctx.actor, permission, location.supplierId, 'Location');
  return location;
}

/**
 * One location. @throws 404 missing or another tenant's; 403 without `locations:read`.
 */
export async function getLocation(ctx: Ctx, id: string): Promise<LocationDto> {
  return toLocationDto(await locationFor(ctx, id, 'locations:read'));
}

/**
 * Changes a location (partial: name, address (`null` clears), kind, is_active, is_default). With
 * `is_default: true` it becomes the default and the previous default stops being one, in the same
 * transaction. Deactivating a location keeps its stock: it can no longer be adjusted or
 * transferred until the location is active again.
 * @throws 404 missing or another tenant's; 403 without `locations:manage`; 422 blank name;
 *   409 `LOCATION_NAME_TAKEN`; 409 `DEFAULT_LOCATION_REQUIRED` for `is_default: false` on the default
 *   (make another location the default instead); 409 `DEFAULT_LOCATION_INACTIVE` when the default
 *   would be inactive (deactivating the default, or making an inactive location the default without
 *   `is_active: true`). Nothing is written when it throws.
 */
export async function updateLocation(ctx: Ctx, id: string, input: UpdateLocationInput): Promise<LocationDto> {
  const name = input.name === undefined ? undefined : trimmedName(input.name);
  const found = await locationFor(ctx, id, 'locations:manage');
  return inTransaction(ctx, async (tx) => {
    await lockSupplierLocations(tx, found.supplierId);
    // Read again under the lock: the default flag may have moved since.
    const current = (await repo.findLocationById(tx.db, id)) ?? found;
    if (input.is_default === false && current.isDefault) {
      throw conflict('DEFAULT_LOCATION_REQUIRED', 'A supplier always has a default location: make another location the default instead');
    }
    const isActive = input.is_active ?? current.isActive;
    const isDefault = input.is_default ?? current.isDefault;
    if (isDefault && !isActive) {
      throw conflict(
        'DEFAULT_LOCATION_INACTIVE',
        current.isDefault
          ? 'The default location cannot be deactivated: make another location the default first'
          : 'An inactive location cannot become the default: activate it in the same request (is_active: true)',
      );
    }
    if (name !== undefined && (await repo.locationNameTaken(tx.db, current.supplierId, name, id))) throw nameTaken(name);
    if (input.is_default === true && !current.isDefault) await repo.unsetDefaultLocation(tx.db, current.supplierId, id);
    const row = await repo.updateLocation(tx.db, id, {
      ...(name !== undefined ? { name } : {}),
      ...(input.address !== undefined ? { address: trimmedAddress(input.address) ?? null } : {}),
      ...(input.kind !== undefined ? { kind: input.kind } : {}),
      isActive,
      isDefault,
    });
    if (!row) throw notFound('Location');
    const changes = diff(current, row, LOCATION_FIELDS);
    if (Object.keys(changes).length > 0) {
      await recordAudit(tx, { organizationId: current.supplierId, entityType: 'location', entityId: id, action: 'location.updated', changes });
    }
    return toLocationDto(row);
  });
}
