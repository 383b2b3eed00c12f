import { trimmedName } from '../../infra/text.js';
import { assertCan } from '../../infra/access.js';
import { inTransaction, type Ctx } from '../../infra/context.js';
import { conflict, notFound, unprocessable } from '../../infra/errors.js';
import { isUniqueViolation } from '../../infra/db/errors.js';
import type { PageResult } from '../../infra/schemas.js';
import { diff, recordAudit, snapshot } from '../audit/index.js';
import { lockOrganization, resolveSupplier } from '../organizations/index.js';
import * as repo from './sales-channels.repo.js';
import type { CreateSalesChannelInput, ListSalesChannelsQueryInput, SalesChannelDto, UpdateSalesChannelInput } from './sales-channels.schemas.js';

/** The channel fields the audit log records. */
const AUDITED_FIELDS = ['name', 'kind', 'description', 'isActive', 'isDefault'] as const satisfies readonly (keyof repo.SalesChannelRow)[];

/* ---------- shared rules ---------- */

const text = (v: string | null | undefined) => (v === undefined ? undefined : v === null ? null : v.trim() || null);

/** 409 `CHANNEL_NAME_TAKEN`: another channel of the supplier has the name (case-insensitively). */
const nameTaken = (name: string) => conflict('CHANNEL_NAME_TAKEN', `Another sales channel of this supplier is named "${name}"`, { name });
/** 409 `DEFAULT_CHANNEL_INACTIVE`: the default channel must stay active. */
const defaultInactive = () =>
  conflict('DEFAULT_CHANNEL_INACTIVE', 'The default sales channel must be active: make another channel the default before deactivating this one');
/** 409 `DEFAULT_CHANNEL_REQUIRED`: a supplier keeps one default channel. */
const defaultRequired = () => conflict('DEFAULT_CHANNEL_REQUIRED', 'A supplier always has a default sales channel: make another channel the default instead');

/** API shape of a sales channel. */
export function toSalesChannelDto(c: repo.SalesChannelRow): SalesChannelDto {
  return {
    id: c.id,
    supplier_id: c.supplierId,
    name: c.name,
    kind: c.kind,
    description: c.description,
    is_active: c.isActive,
    is_default: c.isDefault,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

/* ---------- use cases ---------- */

/**
 * Creates a sales channel of the caller's supplier (seed 003's sales channels; owner or manager).
 * `kind` defaults to `online`, `is_active` to true. The channel becomes the supplier's default when
 * `is_default` is true, or, when `is_default` is not given, if the supplier has no default yet and
 * the channel is active; the previous default stops being one in the same transaction. Channel
 * writes of one supplier are serialised by a lock on the supplier's row.
 * @throws 403 without `channels:manage` in any supplier; 404 supplier not the caller's; 422 bad
 *   input or several suppliers and no `supplier_id`; 409 `CHANNEL_NAME_TAKEN` (case-insensitive),
 *   `DEFAULT_CHANNEL_INACTIVE` for an inactive default.
 */
export async function createChannel(ctx: Ctx, input: CreateSalesChannelInput): Promise<SalesChannelDto> {
  const supplierId = await resolveSupplier(ctx, 'channels:manage', input.supplier_id, 'body/supplier_id');
  const name = trimmedName(input.name);
  const isActive = input.is_active ?? true;
  if (input.is_default === true && !isActive) throw defaultInactive();
  return inTransaction(ctx, async (tx) => {
    await lockOrganization(tx, supplierId);
    if (await repo.channelNameTaken(tx.db, supplierId, name)) throw nameTaken(name);
    const current = await repo.findDefault(tx.db, supplierId);
    const makeDefault = input.is_default ?? (!current && isActive);
    if (makeDefault && current) await repo.unsetDefault(tx.db, supplierId);
    const row = await repo.insertChannel(tx.db, {
      supplierId,
      name,
      kind: input.kind ?? 'online',
      description: text(input.description) ?? null,
      isActive,
      isDefault: makeDefault,
    });
    if (row) {
      await recordAudit(tx, {
        organizationId: supplierId,
        entityType: 'sales_channel',
        entityId: row.id,
        action: 'sales_channel.created',
        changes: snapshot(row, AUDITED_FIELDS),
      });
      return toSalesChannelDto(row);
    }
    // Nothing inserted: the orders flow created the "Default" channel meanwhile (it takes no lock).
    if (await repo.channelNameTaken(tx.db, supplierId, name)) throw nameTaken(name);
    throw conflict('CONCURRENT_UPDATE', "The supplier's default channel was created concurrently; retry the request");
  });
}

/**
 * The caller's supplier's channels, the default first, then by name. The default channel is
 * ensured first ("Default", kind online, created when the supplier has none yet), so the list
 * always shows the channel orders without one go to.
 * @throws 403 without `channels:read` in any supplier; 404 supplier not the caller's; 422 several
 *   suppliers and no `supplier_id`.
 */
export async function listChannels(ctx: Ctx, q: ListSalesChannelsQueryInput): Promise<PageResult<SalesChannelDto>> {
  const supplierId = await resolveSupplier(ctx, 'channels:read', q.supplier_id, 'querystring/supplier_id');
  await repo.ensureDefaultChannel(ctx.db, supplierId);
  const { items, total } = await repo.listChannels(ctx.db, supplierId, { isActive: q.is_active, limit: q.limit, offset: q.offset });
  return { items: items.map(toSalesChannelDto), total, limit: q.limit, offset: q.offset };
}

/**
 * One channel. @throws 404 unknown or another supplier's; 403 without `channels:read` there.
 */
export async function getChannel(ctx: Ctx, id: string): Promise<SalesChannelDto> {
  const row = await repo.findChannelById(ctx.db, id);
  if (!row) throw notFound('Sales channel');
  assertCan(ctx.actor, 'channels:read', row.supplierId, 'Sales channel');
  return toSalesChannelDto(row);
}

/**
 * Changes a channel (partial). A new name must be free (case-insensitively). `is_default: true`
 * makes it the default and unsets the previous one in the same transaction; the default cannot be
 * unset directly (`is_default: false`) nor deactivated, and an inactive channel cannot become the
 * default unless the same request activates it.
 * @throws 404 unknown or another supplier's; 403 without `channels:manage`; 422 bad input (nothing
 *   written); 409 `CHANNEL_NAME_TAKEN`, `DEFAULT_CHANNEL_INACTIVE`, `DEFAULT_CHANNEL_REQUIRED`.
 */
export async function updateChannel(ctx: Ctx, id: string, input: UpdateSalesChannelInput): Promise<SalesChannelDto> {
  const found = await repo.findChannelById(ctx.db, id);
  if (!found) throw notFound('Sales channel');
  const supplierId = found.supplierId;
  assertCan(ctx.actor, 'channels:manage', supplierId, 'Sales channel');
  // Unknown fields (supplier_id, …) are dropped by validation: a body of only those changes nothing.
  if (Object.values(input).every((v) => v === undefined)) throw unprocessable([{ path: 'body', message: 'must change at least one field' }]);
  const name = input.name === undefined ? undefined : trimmedName(input.name);
  const description = text(input.description);
  try {
    return await inTransaction(ctx, async (tx) => {
      await lockOrganization(tx, supplierId);
      const current = await repo.findChannel(tx.db, supplierId, id);
      if (!current) throw notFound('Sales channel');
      if (name !== undefined && (await repo.channelNameTaken(tx.db, supplierId, name, id))) throw nameTaken(name);
      if (current.isDefault && input.is_default === false) throw defaultRequired();
      const isActive = input.is_active ?? current.isActive;
      const isDefault = input.is_default ?? current.isDefault;
      if (isDefault && !isActive) throw defaultInactive();
      if (isDefault && !current.isDefault) await repo.unsetDefault(tx.db, supplierId);
      const row = await repo.updateChannel(tx.db, supplierId, id, {
        ...(name !== undefined && { name }),
        ...(input.kind !== undefined && { kind: input.kind }),
        ...(description !== undefined && { description }),
        isActive,
        isDefault,
      });
      if (!row) throw notFound('Sales channel');
      const changes = diff(current, row, AUDITED_FIELDS);
      if (Object.keys(changes).length > 0) {
        await recordAudit(tx, { organizationId: supplierId, entityType: 'sales_channel', entityId: id, action: 'sales_channel.updated', changes });
      }
      return toSalesChannelDto(row);
    });
  } catch (err) {
    if (name !== undefined && isUniqueViolation(err, 'sales_channels_supplier_name_key')) throw nameTaken(name);
    throw err;
  }
}

/* ---------- for other modules (ctx first) ---------- */

/** One channel of the supplier (undefined for another supplier's channel or an unknown id). */
export const findChannel = (ctx: Ctx, supplierId: string, id: string): Promise<repo.SalesChannelRow | undefined> => repo.findChannel(ctx.db, supplierId, id);

/** The supplier's channel with this name (case-insensitively), or undefined. */
export const findChannelByName = (ctx: Ctx, supplierId: string, name: string): Promise<repo.SalesChannelRow | undefined> =>
  repo.findChannelByName(ctx.db, supplierId, name);

/**
 * The supplier's default sales channel, created on first use ("Default", kind `online`),
 * concurrency-safe (`ensureDefaultChannel` of sales-channels.repo.ts). Inside the caller's
 * transaction when there is one (the orders flow, imports); `GET /sales-channels` calls it without.
 */
export const ensureDefaultChannel = (ctx: Ctx, supplierId: string): Promise<repo.SalesChannelRow> => repo.ensureDefaultChannel(ctx.db, supplierId);
