import { assertCan, can, isPlatformAllowed, type Actor } from '../../infra/access.js';
import type { Ctx, TxCtx } from '../../infra/context.js';
import { unauthorized } from '../../infra/errors.js';
import type { PageResult } from '../../infra/schemas.js';
import { parseTimeRange } from '../../infra/time-range.js';
import * as repo from './audit.repo.js';
import type { AuditEntryDto, ListAuditQueryInput } from './audit.schemas.js';

/**
 * Keys never written to the audit log, whatever the entity: compared lower-cased, with `-` and `_`
 * ignored, at any depth of `changes` (`passwordHash`, `password_hash` and `new_password` all match).
 * The one place the deny-list lives.
 */
const SECRET_KEYS = ['password', 'passwordhash', 'currentpassword', 'newpassword', 'token', 'accesstoken', 'refreshtoken', 'tokenhash', 'secret', 'apikey'];
const normalKey = (k: string) => k.toLowerCase().replace(/[-_]/g, '');
/** True when `key` names a secret (the deny-list, or any key ending in password, token, secret or hash of one). */
export const isSecretKey = (key: string) => {
  const k = normalKey(key);
  return SECRET_KEYS.includes(k) || /(password|token|secret)(hash)?$/.test(k);
};

/** `value` with every secret key removed, at any depth. Dates become ISO strings. */
export function redact(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (!isSecretKey(k) && v !== undefined) out[k] = redact(v);
    return out;
  }
  return value;
}

/** A field's change: `{from, to}`. */
export type FieldChange = { from: unknown; to: unknown };

/** `costPrice` → `cost_price`: the audit log names fields as the API does. */
const snakeCase = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const comparable = (v: unknown) => JSON.stringify(v instanceof Date ? v.toISOString() : (v ?? null));

/**
 * The fields of `fields` whose value differs between `before` and `after`, as `{field: {from, to}}`
 * with snake_case field names (compared as JSON; dates as ISO strings; undefined as null). Secret
 * fields never appear. Pure.
 */
export function diff<T extends object>(before: T, after: T, fields: readonly (keyof T & string)[]): Record<string, FieldChange> {
  const out: Record<string, FieldChange> = {};
  for (const f of fields) {
    if (isSecretKey(f)) continue;
    const from = before[f] as unknown;
    const to = after[f] as unknown;
    if (comparable(from) !== comparable(to)) out[snakeCase(f)] = { from: redact(from ?? null), to: redact(to ?? null) };
  }
  return out;
}

/** The values of `fields` of `row` with snake_case names: what a created or deleted entity held. Secret fields never appear. Pure. */
export function snapshot<T extends object>(row: T, fields: readonly (keyof T & string)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (!isSecretKey(f)) out[snakeCase(f)] = redact((row[f] as unknown) ?? null);
  return out;
}

/** What one audit row says. */
export interface AuditEntry {
  /** The organization whose object changed; null or omitted for platform-level entries (logins). */
  organizationId?: string | null;
  entityType: string;
  entityId: string;
  /** `<entity>.<verb>`: `product.updated`, `membership.removed`, `login.failed`. */
  action: string;
  /** The changed fields (`diff`), or the created or deleted values. Secrets are stripped here. */
  changes?: Record<string, unknown>;
  /** Who did it, when not the context's actor (a login: the user who logged in; null for a failure). */
  actorId?: string | null;
  ip?: string | null;
}

/**
 * Writes one audit row in the caller's transaction (it commits or rolls back with the change),
 * with the context's actor and request id. Secret keys of `changes` are removed (`redact`).
 */
export async function recordAudit(tx: TxCtx, entry: AuditEntry): Promise<void> {
  await repo.insertAuditEntry(tx.db, {
    organizationId: entry.organizationId ?? null,
    entityType: entry.entityType,
    entityId: entry.entityId,
    action: entry.action,
    changes: (redact(entry.changes ?? {}) as Record<string, unknown>) ?? {},
    actorId: entry.actorId !== undefined ? entry.actorId : (tx.actor?.userId ?? null),
    requestId: tx.requestId,
    ip: entry.ip ?? null,
  });
}

function toDto(r: repo.AuditRow): AuditEntryDto {
  return {
    id: r.id,
    organization_id: r.organizationId,
    entity_type: r.entityType,
    entity_id: r.entityId,
    action: r.action,
    changes: r.changes,
    actor_id: r.actorId,
    request_id: r.requestId,
    ip: r.ip,
    created_at: r.createdAt.toISOString(),
  };
}

/** The organizations whose audit log the actor may read (platform admins: undefined, meaning all). */
function visibleOrganizations(actor: Actor, organizationId: string | undefined): string[] | undefined {
  if (isPlatformAllowed(actor, 'audit:read')) return organizationId ? [organizationId] : undefined;
  if (organizationId) {
    assertCan(actor, 'audit:read', organizationId, 'Organization');
    return [organizationId];
  }
  return actor.memberships.filter((m) => can(actor, 'audit:read', m.organizationId)).map((m) => m.organizationId);
}

/**
 * A page of the audit log, newest first: two queries (page and count), the visibility rule in the SQL.
 * Members see the rows of the organizations where they hold `audit:read` (never platform-level rows);
 * platform admins see every row and may filter by `organization_id`.
 * @throws 404 `organization_id` of an organization the caller is not a member of; 403 a member
 *   without `audit:read` there; 422 a bad time range.
 */
export async function listAuditEntries(ctx: Ctx, q: ListAuditQueryInput): Promise<PageResult<AuditEntryDto>> {
  if (!ctx.actor) throw unauthorized();
  const range = parseTimeRange(q.from, q.to, { from: 'querystring/from', to: 'querystring/to' });
  const organizationIds = visibleOrganizations(ctx.actor, q.organization_id);
  const { items, total } = await repo.listAuditEntries(ctx.db, {
    organizationIds,
    entityType: q.entity_type,
    entityId: q.entity_id,
    action: q.action,
    actorId: q.actor_id,
    range,
    limit: q.limit,
    offset: q.offset,
  });
  return { items: items.map(toDto), total, limit: q.limit, offset: q.offset };
}
