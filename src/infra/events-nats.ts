/**
 * The NATS JetStream publisher (docs/events.md): a consumer of the outbox registry that publishes
 * each event to `agora.<organization id or "platform">.<event type>` in the stream `AGORA_EVENTS`
 * (subjects `agora.>`), with the event id as the message id (`Nats-Msg-Id`), so JetStream drops a
 * second copy published within its duplicate window (a redelivery after a crash between the publish
 * and the stamp). A failed publish fails the delivery, which the dispatcher retries and parks like
 * any other. NATS down is never fatal: the publisher connects (again) at the next try.
 */
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect, headers, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { FastifyBaseLogger } from 'fastify';
import { registerConsumer, type DomainEvent } from './outbox.js';

export interface NatsPublisherOptions {
  url: string;
  log: FastifyBaseLogger;
  /** The consumer name its deliveries are recorded under (default `nats`). */
  consumerName?: string;
  /** Default `AGORA_EVENTS`. */
  stream?: string;
  /** JetStream's duplicate window, in ms (default one hour: longer than the dispatcher's retries of one publish). */
  duplicateWindowMs?: number;
  /** How long a connection attempt and a publish wait, in ms (default 5000 each). */
  timeoutMs?: number;
}

export interface NatsPublisher {
  /** True while connected with the stream in place. */
  connected(): boolean;
  /** Leaves the registry and closes the connection (flushing what it has). */
  close(): Promise<void>;
}

/** The subject of an event: `agora.<organization id or "platform">.<type>`. */
export const subjectOf = (event: Pick<DomainEvent, 'organizationId' | 'type'>) => `agora.${event.organizationId ?? 'platform'}.${event.type}`;

/** The message body: the event as JSON, snake_case like the API. */
export const envelopeOf = (e: DomainEvent) => ({
  id: e.id,
  type: e.type,
  version: e.version,
  aggregate_type: e.aggregateType,
  aggregate_id: e.aggregateId,
  organization_id: e.organizationId,
  occurred_at: e.createdAt.toISOString(),
  payload: e.payload,
});

/**
 * Registers the publisher as an outbox consumer and connects, creating or updating the stream. A
 * NATS server that cannot be reached now is a warning, not an error: each delivery tries again.
 */
export async function startNatsPublisher(opts: NatsPublisherOptions): Promise<NatsPublisher> {
  const { log } = opts;
  const stream = opts.stream ?? 'AGORA_EVENTS';
  const timeout = opts.timeoutMs ?? 5000;
  let nc: NatsConnection | null = null;
  let js: JetStreamClient | null = null;
  let connecting: Promise<JetStreamClient> | null = null;
  let closed = false;

  async function open(): Promise<JetStreamClient> {
    // Reconnects by itself once connected (forever); a first connection that fails is retried by the next delivery.
    const conn = await connect({ servers: opts.url, timeout, maxReconnectAttempts: -1, reconnectTimeWait: 500, name: 'agora-outbox' });
    try {
      const jsm = await jetstreamManager(conn, { timeout });
      const config = { subjects: ['agora.>'], duplicate_window: nanos(opts.duplicateWindowMs ?? 3_600_000) };
      try {
        await jsm.streams.info(stream);
        await jsm.streams.update(stream, config);
      } catch (err) {
        if (!/not found/i.test(String((err as Error).message))) throw err;
        await jsm.streams.add({ name: stream, ...config });
      }
    } catch (err) {
      await conn.close().catch(() => undefined);
      throw err;
    }
    void conn.closed().then(() => {
      if (nc === conn) [nc, js] = [null, null];
    });
    (async () => {
      for await (const s of conn.status()) {
        if (s.type === 'disconnect') log.warn({ server: opts.url }, 'NATS disconnected; publishing resumes when it is back');
        else if (s.type === 'reconnect') log.info({ server: opts.url }, 'NATS reconnected');
      }
    })().catch(() => undefined);
    nc = conn;
    js = jetstream(conn, { timeout });
    log.info({ server: opts.url, stream }, 'NATS JetStream publisher connected');
    return js;
  }

  const client = (): Promise<JetStreamClient> => {
    if (js) return Promise.resolve(js);
    if (closed) return Promise.reject(new Error('NATS publisher closed'));
    connecting ??= open().finally(() => (connecting = null));
    return connecting;
  };

  const unregister = registerConsumer({
    name: opts.consumerName ?? 'nats',
    types: '*',
    async handle(event) {
      const h = headers();
      h.set('Agora-Event-Type', event.type);
      h.set('Agora-Event-Version', String(event.version));
      try {
        await (await client()).publish(subjectOf(event), JSON.stringify(envelopeOf(event)), { msgID: event.id, timeout, headers: h });
      } catch (err) {
        // No stream (deleted, or lost by the server): set it up again at the next try.
        if (/no responders|stream not found/i.test(String((err as Error).message)) && nc) {
          const stale = nc;
          [nc, js] = [null, null];
          await stale.close().catch(() => undefined);
        }
        throw err;
      }
    },
  });

  try {
    await client();
  } catch (err) {
    log.warn({ err, server: opts.url }, 'NATS is not reachable; events wait in the outbox and are published once it is');
  }

  return {
    connected: () => js !== null && nc !== null && !nc.isClosed(),
    async close() {
      closed = true;
      unregister();
      await connecting?.catch(() => undefined);
      const conn = nc;
      [nc, js] = [null, null];
      if (conn) await conn.drain().catch(() => conn.close());
    },
  };
}
