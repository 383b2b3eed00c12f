/**
 * The transactional outbox and its consumers (docs/events.md): `recordEvent` writes an event in
 * the caller's transaction; consumers registered here by name (in-process subscribers, the NATS
 * publisher, webhooks later) each receive every committed event of the types they want, at least
 * once, through the dispatcher (`outbox.dispatcher.ts`), which tracks one delivery per consumer.
 */
import type { TxCtx } from './context.js';
import { outboxEvents } from './outbox.tables.js';

/** An event as consumers receive it. `type` is `<aggregate>.<happened>`, e.g. `order.placed`. */
export interface DomainEvent<T extends string = string> {
  id: string;
  type: T;
  /** The version of the type's payload shape (docs/events.md). */
  version: number;
  aggregateType: string;
  aggregateId: string;
  organizationId: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/**
 * Records an event in the outbox, in the caller's transaction (`tx`, the transaction that makes
 * the change): the event exists if and only if the change commits. The event's `version` is the payload's `version` (docs/events.md), else 1.
 */
export async function recordEvent(
  tx: TxCtx,
  event: { type: string; version?: number; aggregateType: string; aggregateId: string; organizationId?: string | null; payload: Record<string, unknown> },
): Promise<void> {
  await tx.db.insert(outboxEvents).values({
    ...event,
    version: event.version ?? (typeof event.payload.version === 'number' ? event.payload.version : 1),
    organizationId: event.organizationId ?? null,
  });
}

/**
 * A named consumer of committed events. `handle` must be idempotent (delivery is at least once:
 * a try that crashed, timed out or was not recorded is tried again) and throws to fail the try,
 * which is retried with backoff and parked after the configured number of tries.
 */
export interface EventConsumer {
  /** Unique, stable (deliveries are recorded under it): lower case letters, digits, `.`, `_`, `-`, `:`. */
  name: string;
  /** The event types it wants, or `'*'` for all. */
  types: readonly string[] | '*';
  handle(event: DomainEvent): Promise<void> | void;
}

const NAME_RE = /^[a-z0-9][a-z0-9._:-]{0,99}$/;
const consumers = new Map<string, EventConsumer>();

/**
 * Adds a consumer to this process's registry; the dispatcher gives it a delivery of every event of
 * its types committed from now on. @returns a function that removes it (its pending deliveries wait).
 * @throws Error when the name is invalid or taken.
 */
export function registerConsumer(consumer: EventConsumer): () => void {
  if (!NAME_RE.test(consumer.name)) throw new Error(`invalid event consumer name "${consumer.name}"`);
  if (consumers.has(consumer.name)) throw new Error(`event consumer "${consumer.name}" is already registered`);
  const entry = { ...consumer, types: consumer.types === '*' ? '*' : [...consumer.types] } as const;
  consumers.set(consumer.name, entry);
  return () => {
    if (consumers.get(consumer.name) === entry) consumers.delete(consumer.name);
  };
}

/**
 * In-process subscription (notifications, live streams, analytics): `handler` receives each
 * committed event of `types`, at least once, as the consumer `name`.
 * @returns a function that unsubscribes.
 */
export function subscribe<T extends string>(name: string, types: readonly T[] | '*', handler: (event: DomainEvent<T>) => Promise<void> | void): () => void {
  return registerConsumer({ name, types, handle: (event) => handler(event as DomainEvent<T>) });
}

/** The consumers registered in this process. */
export function registeredConsumers(): EventConsumer[] {
  return [...consumers.values()];
}

/** The registered consumer called `name`, if any. */
export function consumerNamed(name: string): EventConsumer | undefined {
  return consumers.get(name);
}

/** True when a consumer of `types` wants events of `type`. */
export const wants = (types: readonly string[] | '*' | null, type: string) => types === null || types === '*' || types.includes(type);
