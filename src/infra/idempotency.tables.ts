import { sql } from 'drizzle-orm';
import { check, index, integer, json, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id } from './db/columns.js';

/**
 * Idempotency keys of unsafe requests (`Idempotency-Key`, src/infra/idempotency.ts): one row per
 * caller, route and key. `in_progress` while the first request runs (its `lock_token` and
 * `locked_at`, the lease), `completed` with the stored answer (`response_status`, `response_body`;
 * `json`, not `jsonb`, so a replay keeps the original key order). Expired after 24 hours (at lookup,
 * and deleted by `purgeExpiredIdempotencyKeys`). No foreign key to `users`: infra imports no
 * module's tables, and the rows live a day.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    id: id(),
    userId: uuid('user_id').notNull(),
    /** Method and route template: `POST /api/v1/orders`. */
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    /** SHA-256 (hex) of the canonical JSON of the validated body. */
    requestHash: text('request_hash').notNull(),
    state: text('state', { enum: ['in_progress', 'completed'] }).notNull(),
    /** Who holds the claim: changes at each takeover, and every write of the answer is conditional on it. */
    lockToken: uuid('lock_token').notNull(),
    lockedAt: timestamp('locked_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    responseStatus: integer('response_status'),
    responseBody: json('response_body'),
    createdAt: createdAt(),
    completedAt: timestamp('completed_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('idempotency_keys_user_scope_key_uq').on(t.userId, t.scope, t.key),
    index('idempotency_keys_created_at_idx').on(t.createdAt),
    check('idempotency_keys_state_ck', sql`${t.state} in ('in_progress', 'completed')`),
    check('idempotency_keys_completed_ck', sql`${t.state} <> 'completed' or ${t.responseStatus} is not null`),
  ],
);
