/**
 * Events leave the process at least once, nothing lost (docs/events.md): the NATS JetStream
 * publisher against a real NATS (NATS_URL, default the machine's nats://127.0.0.1:4222), per-consumer
 * deliveries with retries, parking and redelivery, and a NATS server of our own on a spare port,
 * killed and stopped under the publisher.
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { and, eq } from 'drizzle-orm';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startEventDelivery } from '../src/infra/events.js';
import { startNatsPublisher, subjectOf } from '../src/infra/events-nats.js';
import { subscribe } from '../src/infra/outbox.js';
import { startOutboxDispatcher, type DispatcherOptions } from '../src/infra/outbox.dispatcher.js';
import { outboxDeliveries, outboxEvents } from '../src/infra/outbox.tables.js';
import { createPlatformAdmin } from '../src/modules/identity/index.js';
import { buildProduct, type TestSupplier } from './factories.js';
import { buildSupplier, call, createTestApp, expectProblem, PASSWORD, registerUser, uniq } from './helpers.js';

const NATS_URL = process.env.NATS_URL || 'nats://127.0.0.1:4222';
const STREAM = 'AGORA_EVENTS';
const { app, database } = await createTestApp();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Fast retries for the tests: 50 ms, 100 ms, 200 ms… capped at 400 ms. */
const FAST: DispatcherOptions = { intervalMs: 20, retryBaseMs: 50, retryMaxMs: 400 };
/** Starts a dispatcher for one test, and waits for its first pass (the consumers registered before it are announced). */
async function dispatching(options: DispatcherOptions = {}) {
  const stop = startOutboxDispatcher(database, app.log, { ...FAST, ...options });
  await sleep(100);
  return stop;
}

let supplier: TestSupplier;
let productId: string;
let adminToken: string;
let shopperToken: string;

beforeAll(async () => {
  supplier = await buildSupplier(app, { catalog_visibility: 'public' });
  productId = (await buildProduct(app, supplier, { sku: 'NATS-1', name: 'Event widget', price: '10.00', stock: 1000 })).id;
  shopperToken = (await registerUser(app)).token;
  const email = `events-admin-${uniq()}@example.com`;
  await createPlatformAdmin(database.db, { email, password: PASSWORD });
  adminToken = (await call(app, 'POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } })).body.access_token as string;
});

/** Places an order through HTTP; @returns the order and its outbox event's id. */
async function placeOrder(): Promise<{ orderId: string; eventId: string; subject: string }> {
  const res = await call(app, 'POST', '/api/v1/orders', {
    token: shopperToken,
    body: { supplier_id: supplier.org.id, items: [{ product_id: productId, quantity: 1 }] },
  });
  expect(res.status).toBe(201);
  const [event] = await database.db
    .select()
    .from(outboxEvents)
    .where(and(eq(outboxEvents.aggregateId, res.body.id as string), eq(outboxEvents.type, 'order.placed')));
  return { orderId: res.body.id as string, eventId: event.id, subject: subjectOf({ organizationId: supplier.org.id, type: 'order.placed' }) };
}

const deliveryOf = async (eventId: string, consumer: string) =>
  (
    await database.db
      .select()
      .from(outboxDeliveries)
      .where(and(eq(outboxDeliveries.eventId, eventId), eq(outboxDeliveries.consumer, consumer)))
  )[0];

/** Every message of `subject` in the stream (an ordered consumer reads them all, then waits `waitMs` for more). */
async function messagesOf(nc: NatsConnection, subject: string, waitMs = 1000): Promise<JsMsg[]> {
  const jsm = await jetstreamManager(nc);
  const name = `test_${uniq()}`;
  // A pull consumer of our own (filter_subjects of an ordered consumer needs NATS 2.10).
  await jsm.consumers.add(STREAM, {
    durable_name: name,
    filter_subject: subject,
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    inactive_threshold: nanos(60_000),
  });
  try {
    const consumer = await jetstream(nc).consumers.get(STREAM, name);
    const out: JsMsg[] = [];
    for await (const m of await consumer.fetch({ max_messages: 100, expires: waitMs })) out.push(m);
    return out;
  } finally {
    await jsm.consumers.delete(STREAM, name);
  }
}

describe('NATS JetStream publisher (the machine NATS)', () => {
  let nc: NatsConnection;
  let closePublisher: () => Promise<void>;
  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    const publisher = await startNatsPublisher({ url: NATS_URL, log: app.log });
    closePublisher = () => publisher.close();
  });
  afterAll(async () => {
    await closePublisher();
    await nc.close();
  });

  it('publishes an order placed through HTTP to agora.<supplier>.order.placed exactly once, the event id as message id; a redelivery is deduplicated', async () => {
    const stop = await dispatching();
    try {
      const { orderId, eventId, subject } = await placeOrder();
      await until('the nats delivery', async () => (await deliveryOf(eventId, 'nats'))?.state === 'delivered');
      const msgs = await messagesOf(nc, subject);
      const mine = msgs.filter((m) => m.headers?.get('Nats-Msg-Id') === eventId);
      expect(mine).toHaveLength(1);
      expect(mine[0].headers?.get('Agora-Event-Type')).toBe('order.placed');
      expect(mine[0].json()).toMatchObject({ id: eventId, type: 'order.placed', version: 1, aggregate_id: orderId, organization_id: supplier.org.id });
      expect((mine[0].json<{ payload: Record<string, unknown> }>().payload as { total: string }).total).toBe('10.00');

      // A crash between the publish and the stamp: the delivery is pending again and published again.
      await database.db
        .update(outboxDeliveries)
        .set({ state: 'pending', nextAttemptAt: new Date(0) })
        .where(and(eq(outboxDeliveries.eventId, eventId), eq(outboxDeliveries.consumer, 'nats')));
      await until('the second publish', async () => {
        const d = await deliveryOf(eventId, 'nats');
        return d.state === 'delivered' && d.attempts === 2;
      });
      const again = (await messagesOf(nc, subject)).filter((m) => m.headers?.get('Nats-Msg-Id') === eventId);
      expect(again).toHaveLength(1); // JetStream's duplicate window dropped the second copy
    } finally {
      await stop();
    }
  });

  it('retries a consumer that throws with backoff, then parks it; the others are delivered at once; an admin lists and redelivers it', async () => {
    const calls: number[] = [];
    let failing = true;
    let mine = '';
    const steady: string[] = [];
    const offFlaky = subscribe('flaky', ['order.placed'], (e) => {
      if (e.id !== mine) return;
      calls.push(Date.now());
      if (failing) throw new Error('boom: the subscriber failed');
    });
    const offSteady = subscribe('steady', ['order.placed'], (e) => void steady.push(e.id));
    const stop = await dispatching({ maxAttempts: 3 });
    try {
      const { eventId, subject } = await placeOrder();
      mine = eventId;
      await until('steady and nats', async () => steady.includes(eventId) && (await deliveryOf(eventId, 'nats'))?.state === 'delivered');
      const parked = await until('the parked delivery', async () => {
        const d = await deliveryOf(eventId, 'flaky');
        return d?.state === 'parked' && d;
      });
      expect(parked).toMatchObject({ attempts: 3, lastError: 'Error: boom: the subscriber failed' });
      expect(calls).toHaveLength(3);
      // Backoff: 50 ms after the first failure, 100 ms after the second (each at least, give or take a 20 ms pass).
      expect(calls[1] - calls[0]).toBeGreaterThanOrEqual(40);
      expect(calls[2] - calls[1]).toBeGreaterThanOrEqual(90);
      expect(steady.filter((id) => id === eventId)).toHaveLength(1);
      expect((await messagesOf(nc, subject)).filter((m) => m.headers?.get('Nats-Msg-Id') === eventId)).toHaveLength(1);
      const event = await database.db.select().from(outboxEvents).where(eq(outboxEvents.id, eventId));
      expect(event[0].deliveredAt).toBeNull(); // one delivery is parked: not delivered to everyone

      // Only a platform admin sees and moves parked deliveries: a supplier owner (who holds `*` in the organization) is refused.
      await expectProblem(await call(app, 'GET', '/api/v1/admin/events/parked', { token: supplier.owner.token }), 403, 'FORBIDDEN');
      await expectProblem(await call(app, 'POST', `/api/v1/admin/events/parked/${parked.id}/redeliver`, { token: supplier.owner.token }), 403, 'FORBIDDEN');
      expect((await call(app, 'GET', '/api/v1/admin/events/parked')).status).toBe(401);
      const list = await call(app, 'GET', '/api/v1/admin/events/parked?consumer=flaky&limit=100', { token: adminToken });
      expect(list.status).toBe(200);
      const item = (list.body.items as { id: string }[]).find((i) => i.id === parked.id);
      expect(item).toMatchObject({
        consumer: 'flaky',
        state: 'parked',
        attempts: 3,
        last_error: 'Error: boom: the subscriber failed',
        event: { id: eventId, type: 'order.placed', version: 1, organization_id: supplier.org.id },
      });
      expect(list.body.total).toBeGreaterThanOrEqual(1);
      const none = await call(app, 'GET', '/api/v1/admin/events/parked?consumer=steady', { token: adminToken });
      expect(none.body).toMatchObject({ items: [], total: 0 });
      await expectProblem(await call(app, 'GET', '/api/v1/admin/events/parked?since=1', { token: adminToken }), 422, 'VALIDATION_FAILED');

      // Redelivered: pending with its tries from zero; it succeeds now.
      failing = false;
      const redo = await call(app, 'POST', `/api/v1/admin/events/parked/${parked.id}/redeliver`, { token: adminToken });
      expect(redo.status).toBe(200);
      expect(redo.body).toMatchObject({ id: parked.id, state: 'pending', attempts: 0 });
      await expectProblem(await call(app, 'POST', `/api/v1/admin/events/parked/${parked.id}/redeliver`, { token: adminToken }), 409, 'DELIVERY_NOT_PARKED');
      await until('the redelivery', async () => (await deliveryOf(eventId, 'flaky')).state === 'delivered');
      expect(calls).toHaveLength(4);
      await expectProblem(
        await call(app, 'POST', '/api/v1/admin/events/parked/0190a0a0-0000-7000-8000-000000000000/redeliver', { token: adminToken }),
        404,
        'NOT_FOUND',
      );
      const after = await call(app, 'GET', '/api/v1/admin/events/parked?consumer=flaky&limit=100', { token: adminToken });
      expect((after.body.items as { id: string }[]).some((i) => i.id === parked.id)).toBe(false);
    } finally {
      await stop();
      offFlaky();
      offSteady();
    }
  });
});

/* ---------- a NATS server of our own, on a spare port ---------- */

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** nats-server with JetStream on `port`, storing in `dir`; @returns it once it accepts connections. */
async function startNatsServer(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
  await until('nats-server to accept connections', async () => {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
    return accepts(port);
  });
  await sleep(200); // JetStream ready
  return child;
}

async function stopNatsServer(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

describe('NATS down: a server of our own on a spare port', () => {
  let dir: string;
  const servers: ChildProcess[] = [];
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'agora-nats-'));
  });
  afterAll(async () => {
    for (const s of servers) await stopNatsServer(s, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('killed (SIGKILL) while connected: the delivery fails and retries, and after the restart the message arrives once', async () => {
    const port = await freePort();
    const url = `nats://127.0.0.1:${port}`;
    const store = path.join(dir, 'killed');
    servers.push(await startNatsServer(port, store));
    const publisher = await startNatsPublisher({ url, log: app.log, consumerName: 'nats-killed', timeoutMs: 500 });
    const stop = await dispatching({ maxAttempts: 50 });
    let nc: NatsConnection | undefined;
    try {
      expect(publisher.connected()).toBe(true);
      const first = await placeOrder();
      await until('the first publish', async () => (await deliveryOf(first.eventId, 'nats-killed'))?.state === 'delivered');

      await stopNatsServer(servers[servers.length - 1], 'SIGKILL');
      const { eventId, subject } = await placeOrder();
      const failing = await until('two failed tries', async () => {
        const d = await deliveryOf(eventId, 'nats-killed');
        return d && d.attempts >= 2 && d;
      });
      expect(failing.state).toBe('pending');
      expect(failing.lastError).toBeTruthy();
      const restartedAt = Date.now();
      servers.push(await startNatsServer(port, store));
      const delivered = await until('the publish after the restart', async () => {
        const d = await deliveryOf(eventId, 'nats-killed');
        return d.state === 'delivered' && d;
      });
      app.log.info({ attempts: delivered.attempts, msAfterRestart: Date.now() - restartedAt }, 'delivered after the restart');
      nc = await connect({ servers: url });
      const msgs = await messagesOf(nc, subject);
      expect(msgs.filter((m) => m.headers?.get('Nats-Msg-Id') === eventId)).toHaveLength(1);
      expect(msgs.filter((m) => m.headers?.get('Nats-Msg-Id') === first.eventId)).toHaveLength(1); // kept by the stream's store
    } finally {
      await stop();
      await publisher.close();
      await nc?.close();
    }
  });

  it('stopped when the app starts: the server still starts, the delivery stays pending and retrying, and once NATS is up the message arrives once', async () => {
    const port = await freePort();
    const url = `nats://127.0.0.1:${port}`;
    // Starting event delivery with NATS down: no error (a warning), and nothing connected.
    const config = loadConfig({ ...process.env, NODE_ENV: 'test', NATS_URL: url, EVENTS_MAX_ATTEMPTS: '50' });
    expect(config.natsUrl).toBe(url);
    const { eventId, subject } = await (async () => {
      const stopDelivery = await startEventDelivery(config, database, app.log, { ...FAST, intervalMs: 20 });
      try {
        await sleep(100);
        const placed = await placeOrder();
        const failing = await until('three failed tries', async () => {
          const d = await deliveryOf(placed.eventId, 'nats');
          return d && d.attempts >= 3 && d;
        });
        expect(failing.state).toBe('pending');
        expect(failing.lastError).toMatch(/ECONNREFUSED|CONNECTION_REFUSED|connect/i);
        return placed;
      } finally {
        await stopDelivery();
      }
    })();
    // The stopped dispatcher's delivery is still pending; a new one picks it up once NATS is there.
    expect((await deliveryOf(eventId, 'nats')).state).toBe('pending');
    servers.push(await startNatsServer(port, path.join(dir, 'stopped')));
    const publisher = await startNatsPublisher({ url, log: app.log, consumerName: 'nats' });
    const stop = await dispatching({ maxAttempts: 50 });
    let nc: NatsConnection | undefined;
    try {
      await until('the publish once NATS is up', async () => (await deliveryOf(eventId, 'nats')).state === 'delivered');
      nc = await connect({ servers: url });
      expect((await messagesOf(nc, subject)).filter((m) => m.headers?.get('Nats-Msg-Id') === eventId)).toHaveLength(1);
    } finally {
      await stop();
      await publisher.close();
      await nc?.close();
    }
  });
});
