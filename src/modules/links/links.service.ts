import { assertCan, can, membershipOf, permits, resolveOrganization, type Actor } from '../../infra/access.js';
import { inTransaction, type Ctx } from '../../infra/context.js';
import { conflict, forbidden, invalidTransition, notFound, unauthorized, unprocessable } from '../../infra/errors.js';
import { recordEvent } from '../../infra/outbox.js';
import type { PageResult } from '../../infra/schemas.js';
import { recordAudit } from '../audit/index.js';
import { activeSupplier, findOrganization } from '../organizations/index.js';
import * as repo from './links.repo.js';
import type { CreateLinkRequestInput, LinkDto, ListLinksInput, UpdateLinkStatusInput } from './links.schemas.js';
import type { LinkStatus } from './links.tables.js';

/**
 * The link state machine (seed 000): for each status, the statuses it may go
 * to. The one place the rule lives; anything else (including staying put) is a 409.
 */
export const LINK_TRANSITIONS: Readonly<Record<LinkStatus, readonly LinkStatus[]>> = {
  pending: ['accepted', 'denied'],
  accepted: ['blocked'],
  blocked: ['accepted'],
  denied: ['pending'],
};

/** True when a link may go from `from` to `to` (per `LINK_TRANSITIONS`). */
export function canTransition(from: LinkStatus, to: LinkStatus): boolean {
  return LINK_TRANSITIONS[from].includes(to);
}

/** @throws 409 `INVALID_STATUS_TRANSITION` unless `canTransition(from, to)`. */
export function assertTransition(from: LinkStatus, to: LinkStatus): void {
  if (!canTransition(from, to)) throw invalidTransition('Link', from, to);
}

/** API shape of a link with both organizations' names. */
export function toLinkDto(v: repo.LinkView): LinkDto {
  const l = v.link;
  return {
    id: l.id,
    status: l.status,
    consumer: { id: l.consumerId, name: v.consumerName },
    supplier: { id: l.supplierId, name: v.supplierName },
    requested_by: l.requestedBy,
    decided_by: l.decidedBy,
    created_at: l.createdAt.toISOString(),
    updated_at: l.updatedAt.toISOString(),
  };
}

function requireActor(ctx: Ctx): Actor {
  if (!ctx.actor) throw unauthorized();
  return ctx.actor;
}

/**
 * A consumer organization asks a supplier for a link: `{supplier_id, consumer_id?}` → the new
 * `pending` link, with `requested_by` the caller, and a `link.requested` outbox event (organization:
 * the supplier, who decides), in one transaction. One link per pair, whatever its status.
 * @throws 403 when the caller holds `links:request` in no consumer organization, or lacks it in
 *   `consumer_id`; 404 `Organization` when the caller is not a member of `consumer_id`; 422
 *   `body/consumer_id` when it is ambiguous (several consumer organizations) or not a consumer;
 *   404 `Supplier` when the supplier is missing, not a supplier or inactive; 409 `LINK_EXISTS`.
 */
export async function requestLink(ctx: Ctx, input: CreateLinkRequestInput): Promise<LinkDto> {
  const actor = requireActor(ctx);
  const consumerId = resolveOrganization(actor, 'consumer', 'links:request', input.consumer_id, () =>
    unprocessable([{ path: 'body/consumer_id', message: 'you may request links for several consumer organizations; say which' }]),
  );
  if (input.consumer_id) assertCan(actor, 'links:request', consumerId, 'Organization');
  const [consumer, found] = await Promise.all([findOrganization(ctx, consumerId), findOrganization(ctx, input.supplier_id)]);
  if (!consumer) throw notFound('Organization');
  if (consumer.type !== 'consumer' || !consumer.isActive) {
    throw unprocessable([{ path: 'body/consumer_id', message: 'must be an active consumer organization' }]);
  }
  const supplier = activeSupplier(found);
  const linkExists = (existing: { id: string; status: LinkStatus }) =>
    conflict('LINK_EXISTS', `This consumer already has a link with this supplier (${existing.status})`, { link_id: existing.id, status: existing.status });
  const existing = await repo.findLinkByPair(ctx.db, consumerId, supplier.id);
  if (existing) throw linkExists(existing);
  return inTransaction(ctx, async (tx) => {
    const link = await repo.insertLinkIfAbsent(tx.db, { consumerId, supplierId: supplier.id, requestedBy: actor.userId });
    if (!link) {
      // Lost a race with a concurrent request for the same pair.
      const winner = await repo.findLinkByPair(tx.db, consumerId, supplier.id);
      throw linkExists(winner ?? { id: '', status: 'pending' });
    }
    await recordEvent(tx, {
      type: 'link.requested',
      aggregateType: 'link',
      aggregateId: link.id,
      organizationId: supplier.id,
      payload: { version: 1, consumer_id: consumerId, supplier_id: supplier.id, requested_by: actor.userId },
    });
    return toLinkDto({ link, consumerName: consumer.name, supplierName: supplier.name });
  });
}

/**
 * The supplier decides on a link: `{status, note?}` → the updated link, `decided_by` the caller,
 * and a `link.status_changed` event `{from, to, note}` (organization: the consumer), in one
 * transaction. The update applies only while the link is still in the status it was read in, so
 * of two concurrent decisions exactly one wins.
 * @throws 404 when the caller is on neither side; 403 when on a side without `links:decide` in the
 *   supplier; 409 `INVALID_STATUS_TRANSITION` for a move `LINK_TRANSITIONS` does not allow (also
 *   when a concurrent decision got there first); 409 `CONCURRENT_UPDATE` when the link changed
 *   meanwhile to a status the move would be valid from (retry).
 */
export async function changeLinkStatus(ctx: Ctx, id: string, input: UpdateLinkStatusInput): Promise<LinkDto> {
  const actor = requireActor(ctx);
  const view = await repo.findLinkView(ctx.db, id);
  if (!view) throw notFound('Link');
  const { link } = view;
  if (!can(actor, 'links:decide', link.supplierId)) {
    if (!membershipOf(actor, link.supplierId) && !membershipOf(actor, link.consumerId)) throw notFound('Link');
    throw forbidden("Only the supplier's owner or manager decides on a link");
  }
  const from = link.status;
  const to = input.status;
  assertTransition(from, to);
  return inTransaction(ctx, async (tx) => {
    const updated = await repo.updateStatusIf(tx.db, id, from, to, actor.userId);
    if (!updated) {
      const now = await repo.findLinkView(tx.db, id);
      if (!now) throw notFound('Link');
      assertTransition(now.link.status, to);
      throw conflict('CONCURRENT_UPDATE', 'The link changed while you decided; read it again and retry');
    }
    await recordAudit(tx, {
      organizationId: link.supplierId,
      entityType: 'link',
      entityId: id,
      action: 'link.status_changed',
      changes: { status: { from, to }, consumer_id: link.consumerId, ...(input.note ? { note: input.note } : {}) },
    });
    await recordEvent(tx, {
      type: 'link.status_changed',
      aggregateType: 'link',
      aggregateId: id,
      organizationId: link.consumerId,
      payload: { version: 1, from, to, note: input.note ?? null, consumer_id: link.consumerId, supplier_id: link.supplierId, decided_by: actor.userId },
    });
    return toLinkDto({ ...view, link: updated });
  });
}

/**
 * One link, for a member holding `links:read` on either side (or a platform admin).
 * @throws 404 for everyone else (the link is invisible to them).
 */
export async function getLink(ctx: Ctx, id: string): Promise<LinkDto> {
  const view = await repo.findLinkView(ctx.db, id);
  if (!view || !(can(ctx.actor, 'links:read', view.link.consumerId) || can(ctx.actor, 'links:read', view.link.supplierId))) {
    throw notFound('Link');
  }
  return toLinkDto(view);
}

/** Ids of the actor's organizations of `type` where its role grants `links:read`. */
function readableOrganizations(actor: Actor, type: 'supplier' | 'consumer'): string[] {
  return actor.memberships.filter((m) => m.organizationType === type && permits(m.permissions, 'links:read')).map((m) => m.organizationId);
}

/**
 * `GET /links`: links of every consumer organization where the caller holds `links:read` (from
 * its memberships), optionally of one status, newest first: `{items, total, limit, offset}`.
 */
export async function listMyLinks(ctx: Ctx, q: ListLinksInput): Promise<PageResult<LinkDto>> {
  return listSide(ctx, 'consumer', q);
}

/**
 * `GET /links/incoming`: links of every supplier organization where the caller holds
 * `links:read` (owner, manager, sales), optionally of one status, newest first.
 */
export async function listIncomingLinks(ctx: Ctx, q: ListLinksInput): Promise<PageResult<LinkDto>> {
  return listSide(ctx, 'supplier', q);
}

async function listSide(ctx: Ctx, side: 'consumer' | 'supplier', q: ListLinksInput): Promise<PageResult<LinkDto>> {
  const actor = requireActor(ctx);
  const { items, total } = await repo.listLinks(ctx.db, {
    side,
    organizationIds: readableOrganizations(actor, side),
    status: q.status,
    limit: q.limit,
    offset: q.offset,
  });
  return { items: items.map(toLinkDto), total, limit: q.limit, offset: q.offset };
}

/* ---------- for other modules (ctx first) ---------- */

/**
 * Every one of `consumerIds` that has an ACCEPTED link with `supplierId`, sorted (none: `[]`, and
 * no query for an empty list). The orders flow uses it to decide whether, and for which consumer
 * organization, a buyer may order from a `linked` supplier.
 */
export const listAcceptedLinkConsumers = (ctx: Ctx, consumerIds: string[], supplierId: string): Promise<string[]> =>
  repo.listAcceptedLinkConsumers(ctx.db, consumerIds, supplierId);
