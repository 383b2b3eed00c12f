/**
 * The outbox dispatcher (docs/architecture.md, "Events"): fans committed events out to one
 * delivery per consumer, then runs each consumer's due deliveries, each consumer on its own loop,
 * so a failing or slow consumer holds no other back. Several processes dispatch side by side:
 * work is claimed with `FOR UPDATE SKIP LOCKED`, and a claimed delivery carries a lease (its
 * `next_attempt_at` moved forward) so a try that dies with its process is tried again after it.
 */
import { and, asc, eq, gte, inArray, isNull, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import { queryRows, type Database } from './db/client.js';
import { consumerNamed, registeredConsumers, wants, type DomainEvent, type EventConsumer } from './outbox.js';
import { outboxConsumers, outboxDeliveries, outboxEvents } from './outbox.tables.js';

export interface DispatcherOptions {
  /** How often each loop looks for work, in ms (default 500). */
  intervalMs?: number;
  /** Events fanned out, or deliveries claimed per consumer, per pass (default 100). */
  batchSize?: number;
  /** Tries before a delivery is parked (default 8). */
  maxAttempts?: number;
  /** Backoff after the first failure, doubled after each next one, in ms (default 1000). */
  retryBaseMs?: number;
  /** The longest backoff, in ms (default 300 000: five minutes). */
  retryMaxMs?: number;
  /** How long a claimed delivery is kept from other dispatchers, in ms (default 60 000). */
  leaseMs?: number;
  /** A handler still running after this fails its try, in ms (default 30 000; under the lease). */
  handlerTimeoutMs?: number;
  /** Consumers not seen by any dispatcher for this long get no new deliveries, in ms (default 7 days). */
  consumerTtlMs?: number;
}

/** The backoff after the `attempts`-th failed try: base · 2^(attempts−1), capped. */
export const backoffMs = (attempts: number, baseMs: number, maxMs: number) => Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));

interface ClaimedRow {
  delivery_id: string;
  attempts: number;
  id: string;
  type: string;
  version: number;
  aggregate_type: string;
  aggregate_id: string;
  organization_id: string | null;
  payload: Record<string, unknown>;
  created_at: string | Date;
}

const errorText = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 2000);

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`handler did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts dispatching: one loop fans events out, one loop per registered consumer (consumers
 * registered later join at the next pass). On PGlite (one connection) the same loops run in this
 * process; no transaction stays open while a handler runs, so handlers may query the database.
 * @returns a stop function: no new pass starts, running ones finish.
 */
export function startOutboxDispatcher(database: Database, log: FastifyBaseLogger, options: DispatcherOptions = {}): () => Promise<void> {
  const o = {
    intervalMs: options.intervalMs ?? 500,
    batchSize: options.batchSize ?? 100,
    maxAttempts: options.maxAttempts ?? 8,
    retryBaseMs: options.retryBaseMs ?? 1000,
    retryMaxMs: options.retryMaxMs ?? 300_000,
    leaseMs: options.leaseMs ?? 60_000,
    handlerTimeoutMs: options.handlerTimeoutMs ?? 30_000,
    consumerTtlMs: options.consumerTtlMs ?? 7 * 86_400_000,
  };
  const { db } = database;
  const running = new Map<string, Promise<void>>();
  const announced = new Map<string, number>();
  let stopped = false;

  /** Records this process's consumers (and that they are alive) in `outbox_consumers`, at most once a minute each. */
  async function announce(list: EventConsumer[]) {
    const now = Date.now();
    const due = list.filter((c) => (announced.get(c.name) ?? 0) < now - 60_000);
    if (due.length === 0) return;
    await db
      .insert(outboxConsumers)
      .values(due.map((c) => ({ name: c.name, types: c.types === '*' ? null : [...c.types] })))
      .onConflictDoUpdate({ target: outboxConsumers.name, set: { types: sql`excluded.types`, lastSeenAt: sql`now()` } });
    for (const c of due) announced.set(c.name, now);
  }

  /** Gives a batch of undispatched events a delivery per consumer seen recently; @returns how many events. */
  const fanOut = () =>
    db.transaction(async (tx) => {
      const batch = await tx
        .select({ id: outboxEvents.id, type: outboxEvents.type })
        .from(outboxEvents)
        .where(and(isNull(outboxEvents.dispatchedAt), isNull(outboxEvents.deliveredAt)))
        .orderBy(asc(outboxEvents.createdAt))
        .limit(o.batchSize)
        .for('update', { skipLocked: true });
      if (batch.length === 0) return 0;
      const known = await tx
        .select({ name: outboxConsumers.name, types: outboxConsumers.types })
        .from(outboxConsumers)
        .where(gte(outboxConsumers.lastSeenAt, new Date(Date.now() - o.consumerTtlMs)));
      const rows = batch.flatMap((e) => known.filter((c) => wants(c.types, e.type)).map((c) => ({ id: uuidv7(), eventId: e.id, consumer: c.name })));
      if (rows.length > 0) await tx.insert(outboxDeliveries).values(rows).onConflictDoNothing();
      const served = new Set(rows.map((r) => r.eventId));
      const now = new Date();
      const toConsumers = batch.filter((e) => served.has(e.id)).map((e) => e.id);
      const toNobody = batch.filter((e) => !served.has(e.id)).map((e) => e.id);
      if (toConsumers.length) await tx.update(outboxEvents).set({ dispatchedAt: now }).where(inArray(outboxEvents.id, toConsumers));
      // No consumer wants it: delivered to everyone who does.
      if (toNobody.length) await tx.update(outboxEvents).set({ dispatchedAt: now, deliveredAt: now }).where(inArray(outboxEvents.id, toNobody));
      return batch.length;
    });

  /** Claims a batch of the consumer's due deliveries (one statement) and counts the try. */
  const claim = (name: string) =>
    queryRows<ClaimedRow>(
      db,
      sql`update outbox_deliveries d
             set attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => ${o.leaseMs / 1000})
            from outbox_events e
           where e.id = d.event_id
             and d.id in (select id from outbox_deliveries
                           where consumer = ${name} and state = 'pending' and next_attempt_at <= now()
                           order by next_attempt_at, id limit ${o.batchSize} for update skip locked)
       returning d.id as delivery_id, d.attempts, e.id, e.type, e.version, e.aggregate_type, e.aggregate_id, e.organization_id, e.payload, e.created_at`,
    );

  /** Records a success (and stamps the event delivered when it was its last delivery to make). Conditional on the claim. */
  const succeeded = (row: ClaimedRow) =>
    db.execute(sql`
      with done as (
        update outbox_deliveries set state = 'delivered', delivered_at = now()
         where id = ${row.delivery_id} and attempts = ${row.attempts} and state = 'pending' returning event_id)
      update outbox_events e set delivered_at = now()
       where e.id in (select event_id from done) and e.delivered_at is null
         and not exists (select 1 from outbox_deliveries d where d.event_id = e.id and d.id <> ${row.delivery_id} and d.state <> 'delivered')`);

  /** Records a failure: retried after the backoff, or parked after the last try. Conditional on the claim. */
  const failed = (row: ClaimedRow, err: unknown) => {
    const park = row.attempts >= o.maxAttempts;
    const delay = backoffMs(row.attempts, o.retryBaseMs, o.retryMaxMs);
    return db
      .update(outboxDeliveries)
      .set({
        state: park ? 'parked' : 'pending',
        lastError: errorText(err),
        nextAttemptAt: sql`now() + make_interval(secs => ${delay / 1000})`,
      })
      .where(and(eq(outboxDeliveries.id, row.delivery_id), eq(outboxDeliveries.attempts, row.attempts), eq(outboxDeliveries.state, 'pending')))
      .then(() => park);
  };

  /** Hands claimed deliveries back untried (conditional on each claim). */
  const release = async (rows: ClaimedRow[]) => {
    for (const row of rows) {
      await db
        .update(outboxDeliveries)
        .set({ attempts: sql`${outboxDeliveries.attempts} - 1`, nextAttemptAt: sql`now()` })
        .where(and(eq(outboxDeliveries.id, row.delivery_id), eq(outboxDeliveries.attempts, row.attempts), eq(outboxDeliveries.state, 'pending')));
    }
  };

  /** One pass of a consumer: its due deliveries, oldest event first, one at a time. */
  async function runConsumer(name: string) {
    const rows = await claim(name);
    rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)); // UUID v7: creation order
    for (const [i, row] of rows.entries()) {
      const consumer = consumerNamed(name);
      if (!consumer || stopped) {
        // Unregistered or stopping: the rest of the batch is due again at once, its claims not counted.
        await release(rows.slice(i));
        break;
      }
      const event: DomainEvent = {
        id: row.id,
        type: row.type,
        version: row.version,
        aggregateType: row.aggregate_type,
        aggregateId: row.aggregate_id,
        organizationId: row.organization_id,
        payload: row.payload,
        createdAt: new Date(row.created_at),
      };
      try {
        await withTimeout(
          Promise.resolve().then(() => consumer.handle(event)),
          o.handlerTimeoutMs,
        );
        await succeeded(row);
      } catch (err) {
        const parked = await failed(row, err);
        const fields = { err, eventId: row.id, eventType: row.type, consumer: name, attempts: row.attempts };
        if (parked) log.error(fields, 'event delivery parked after its last try');
        else log.warn(fields, 'event delivery failed; will retry');
      }
    }
  }

  /** Starts `work` under `key` unless a pass of it is running. */
  function launch(key: string, work: () => Promise<unknown>) {
    if (running.has(key)) return;
    const pass = work()
      .then(() => undefined)
      .catch((err) => log.warn({ err, loop: key }, 'outbox dispatch failed; will retry'))
      .finally(() => running.delete(key));
    running.set(key, pass);
  }

  const tick = () => {
    if (stopped) return;
    const list = registeredConsumers();
    launch('fan-out', async () => {
      await announce(list);
      while (!stopped && (await fanOut()) === o.batchSize);
    });
    for (const c of list) launch(`consumer:${c.name}`, () => runConsumer(c.name));
  };
  const timer = setInterval(tick, o.intervalMs);
  timer.unref();
  tick();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await Promise.all(running.values());
  };
}
