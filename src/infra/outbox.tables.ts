import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id } from './db/columns.js';

/**
 * The transactional outbox (docs/architecture.md, "Events"; docs/events.md): a state change others
 * react to writes a row here in the same transaction. The dispatcher fans each committed row out to
 * the registered consumers (one `outbox_deliveries` row each) and stamps `dispatched_at`;
 * `delivered_at` is stamped once every delivery of the event is delivered (rows delivered by the
 * dispatcher before per-consumer deliveries have it set and no `dispatched_at`: never fanned out).
 */
export const outboxEvents = pgTable(
  'outbox_events',
  {
    id: id(),
    type: text('type').notNull(),
    /** The version of the event type's payload shape (docs/events.md). */
    version: integer('version').notNull().default(1),
    aggregateType: text('aggregate_type').notNull(),
    aggregateId: uuid('aggregate_id').notNull(),
    organizationId: uuid('organization_id'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    dispatchedAt: timestamp('dispatched_at', { withTimezone: true, mode: 'date' }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    index('outbox_events_undelivered_idx')
      .on(t.createdAt)
      .where(sql`${t.deliveredAt} is null`),
    index('outbox_events_undispatched_idx')
      .on(t.createdAt)
      .where(sql`${t.dispatchedAt} is null and ${t.deliveredAt} is null`),
  ],
);

/** A delivery's state: `pending` (to try, at `next_attempt_at`), `delivered`, or `parked` (dead letter, until redelivered). */
export type DeliveryState = 'pending' | 'delivered' | 'parked';

/**
 * One event for one consumer (the NATS publisher, an in-process subscriber, webhooks later): each
 * consumer progresses, retries (exponential backoff) and parks on its own.
 */
export const outboxDeliveries = pgTable(
  'outbox_deliveries',
  {
    id: id(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => outboxEvents.id, { onDelete: 'cascade' }),
    consumer: text('consumer').notNull(),
    state: text('state').$type<DeliveryState>().notNull().default('pending'),
    /** Tries started: counted when a dispatcher claims the delivery, so a try that crashed the process counts too. */
    attempts: integer('attempts').notNull().default(0),
    /** When it may be tried (again); a claim moves it forward by the lease, so a crashed try is retried after it. */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastError: text('last_error'),
    createdAt: createdAt(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('outbox_deliveries_event_consumer_key').on(t.eventId, t.consumer),
    index('outbox_deliveries_due_idx')
      .on(t.consumer, t.nextAttemptAt)
      .where(sql`${t.state} = 'pending'`),
    index('outbox_deliveries_parked_idx')
      .on(t.createdAt)
      .where(sql`${t.state} = 'parked'`),
  ],
);

/**
 * The consumers any dispatching process has registered, with when one last ran: the fan-out gives
 * an event a delivery for every consumer seen recently, whichever process registered it, so API
 * processes with different registries (a rolling deploy adding a consumer) lose nothing.
 */
export const outboxConsumers = pgTable('outbox_consumers', {
  name: text('name').primaryKey(),
  /** The event types it wants; null for all. */
  types: jsonb('types').$type<string[] | null>(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
