import { EventEmitter } from 'node:events';
import { asc, inArray, isNull } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { TxCtx } from './context.js';
import type { Database } from './db/client.js';
import { outboxEvents } from './outbox.tables.js';

/** An event as subscribers receive it. `type` is `<aggregate>.<happened>`, e.g. `order.placed`. */
export interface DomainEvent {
  id: string;
  type: string;
  aggregateType: string;
  aggregateId: string;
  organizationId: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/**
 * Records an event in the outbox, in the caller's transaction (`tx`, the transaction that makes
 * the change): the event exists if and only if the change commits.
 */
export async function recordEvent(
  tx: TxCtx,
  event: { type: string; aggregateType: string; aggregateId: string; organizationId?: string | null; payload: Record<string, unknown> },
): Promise<void> {
  await tx.db.insert(outboxEvents).values({ ...event, organizationId: event.organizationId ?? null });
}

/** In-process subscribers of committed events (notifications, live streams, analytics). */
export const eventBus = new EventEmitter();
eventBus.setMaxListeners(100);

/**
 * Delivers committed outbox events at least once: reads undelivered rows oldest first, emits each
 * on `eventBus` (by type and on `*`), then stamps `delivered_at`. Subscribers must be idempotent.
 * @returns a stop function.
 */
export function startOutboxDispatcher(database: Database, log: FastifyBaseLogger, intervalSeconds = 0.5): () => Promise<void> {
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = () =>
    database.db.transaction(async (tx) => {
      // SKIP LOCKED: several API processes dispatch side by side without taking the same rows.
      const batch = await tx
        .select()
        .from(outboxEvents)
        .where(isNull(outboxEvents.deliveredAt))
        .orderBy(asc(outboxEvents.createdAt))
        .limit(100)
        .for('update', { skipLocked: true });
      if (batch.length === 0) return;
      for (const e of batch) {
        try {
          eventBus.emit(e.type, e);
          eventBus.emit('*', e);
        } catch (err) {
          log.error({ err, eventId: e.id }, 'event subscriber failed');
        }
      }
      await tx
        .update(outboxEvents)
        .set({ deliveredAt: new Date() })
        .where(
          inArray(
            outboxEvents.id,
            batch.map((e) => e.id),
          ),
        );
    });
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = tick()
      .catch((err) => log.warn({ err }, 'outbox dispatch failed; will retry'))
      .finally(() => (running = null));
  }, intervalSeconds * 1000);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
