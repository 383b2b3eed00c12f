import { index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id } from '../../infra/db/columns.js';

/**
 * The audit log: one row per change made by staff or an admin, and per login attempt, written in
 * the transaction of the change (docs/decisions.md). No foreign keys: a row outlives the entity,
 * the organization and the user it names. `changes` holds only the changed fields
 * (`{field: {from, to}}`), or the created/deleted values; secrets are stripped before writing.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: id(),
    /** The organization whose object changed; null for platform-level entries (logins). */
    organizationId: uuid('organization_id'),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id').notNull(),
    action: text('action').notNull(),
    changes: jsonb('changes').$type<Record<string, unknown>>().notNull().default({}),
    /** Who did it; null for a failed login or a command-line run. */
    actorId: uuid('actor_id'),
    requestId: text('request_id'),
    ip: text('ip'),
    createdAt: createdAt(),
  },
  (t) => [
    // DESC NULLS FIRST with the id: the exact order of the list (`created_at desc, id desc`), so a
    // page is read off the index in order, without a sort (docs/decisions.md 36).
    index('audit_log_org_created_idx').on(t.organizationId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('audit_log_org_entity_created_idx').on(t.organizationId, t.entityType, t.entityId, t.createdAt),
    index('audit_log_actor_created_idx').on(t.actorId, t.createdAt),
    index('audit_log_org_action_created_idx').on(t.organizationId, t.action, t.createdAt),
    index('audit_log_created_idx').on(t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
  ],
);
