/**
 * Event delivery for a server process: the NATS JetStream publisher when `NATS_URL` is set, and
 * the outbox dispatcher with the configured retries (docs/events.md).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Database } from './db/client.js';
import { startNatsPublisher } from './events-nats.js';
import { startOutboxDispatcher, type DispatcherOptions } from './outbox.dispatcher.js';

/**
 * Starts publishing (NATS down is a warning: deliveries wait and retry) and dispatching.
 * @returns a stop function: the dispatcher finishes its passes, then the NATS connection drains and closes.
 */
export async function startEventDelivery(
  config: Config,
  database: Database,
  log: FastifyBaseLogger,
  options: DispatcherOptions = {},
): Promise<() => Promise<void>> {
  const publisher = config.natsUrl ? await startNatsPublisher({ url: config.natsUrl, log }) : null;
  const stopDispatcher = startOutboxDispatcher(database, log, {
    maxAttempts: config.eventsMaxAttempts,
    retryMaxMs: config.eventsRetryMaxSeconds * 1000,
    ...options,
  });
  return async () => {
    await stopDispatcher();
    await publisher?.close();
  };
}
