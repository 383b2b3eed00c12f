import { Type, type Static } from '@sinclair/typebox';
import { Nullable, Page, PageQuery, Query, Timestamp, Uuid } from '../../infra/schemas.js';

/** One row of the audit log. */
export const AuditEntry = Type.Object(
  {
    id: Uuid,
    organization_id: Type.Union([Uuid, Type.Null()], { description: 'The organization whose object changed; null for platform-level entries (logins)' }),
    entity_type: Type.String({
      description:
        'product, category, stock_level, transfer, location, customer, sales_channel, organization, membership, link, order, import_run, stock_check, user',
    }),
    entity_id: Type.String(),
    action: Type.String({ description: '`<entity>.<verb>`, e.g. product.updated, membership.role_changed, order.status_changed, login.failed' }),
    changes: Type.Record(Type.String(), Type.Unknown(), {
      description: 'The changed fields as `{field: {from, to}}`, or the created or deleted values. Never holds passwords, password hashes, tokens or secrets',
    }),
    actor_id: Type.Union([Uuid, Type.Null()], { description: 'Who did it; null for a failed login or a command-line run' }),
    request_id: Nullable(Type.String()),
    ip: Nullable(Type.String()),
    created_at: Timestamp,
  },
  {
    title: 'AuditEntry',
    examples: [
      {
        id: '01936f6e-8a3b-7c2d-9e4f-5a6b7c8d9e0f',
        organization_id: '01936f6e-8a3b-7c2d-9e4f-5a6b7c8d9e01',
        entity_type: 'product',
        entity_id: '01936f6e-8a3b-7c2d-9e4f-5a6b7c8d9e02',
        action: 'product.updated',
        changes: { price: { from: '10.0000', to: '12.5000' } },
        actor_id: '01936f6e-8a3b-7c2d-9e4f-5a6b7c8d9e03',
        request_id: 'req-1',
        ip: null,
        created_at: '2026-01-15T10:00:00.000Z',
      },
    ],
  },
);
export type AuditEntryDto = Static<typeof AuditEntry>;
export const AuditEntryPage = Page(AuditEntry, 'AuditEntryPage');

export const ListAuditQuery = Query({
  organization_id: Type.Optional(Uuid),
  entity_type: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  entity_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, examples: ['product.updated'] })),
  actor_id: Type.Optional(Uuid),
  from: Type.Optional(Type.String({ maxLength: 40, description: 'Date (YYYY-MM-DD) or ISO 8601 date-time, inclusive' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'Date (the whole UTC day) or ISO 8601 date-time, inclusive' })),
  ...PageQuery,
});
export type ListAuditQueryInput = Static<typeof ListAuditQuery>;
