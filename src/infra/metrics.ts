/**
 * Prometheus metrics (`GET /metrics`, text exposition format) on a registry of Agora's own, not
 * prom-client's global default: process metrics (`collectDefaultMetrics`), the HTTP request
 * duration histogram, the database pool and the outbox backlog (both read at scrape time).
 *
 * Later parts add theirs through `metrics`: `metrics.counter({ name: 'agora_…_total', help, labelNames })`
 * (also `gauge`, `histogram`) returns the metric of that name, creating it on first use, so a
 * module that runs once per app (and tests build several apps in one process) never registers a
 * name twice.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isNull, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type Metric,
} from 'prom-client';
import type { Config } from '../config.js';
import type { Database } from './db/client.js';
import { unauthorized } from './errors.js';
import { outboxEvents } from './outbox.tables.js';
import { bearerToken } from './tokens.js';

/** The process's registry: every Agora metric, and only those. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

function existing<M extends Metric<string>>(name: string, kind: new (...args: never[]) => M): M | undefined {
  const found = registry.getSingleMetric(name);
  if (found && !(found instanceof kind)) throw new Error(`metric ${name} is already registered as another kind`);
  return found as M | undefined;
}

/** Get-or-create helpers on `registry` (the configuration of the first call wins). */
export const metrics = {
  registry,
  counter: <T extends string>(cfg: Omit<CounterConfiguration<T>, 'registers'>): Counter<T> =>
    existing<Counter<T>>(cfg.name, Counter) ?? new Counter<T>({ ...cfg, registers: [registry] }),
  gauge: <T extends string>(cfg: Omit<GaugeConfiguration<T>, 'registers'>): Gauge<T> =>
    existing<Gauge<T>>(cfg.name, Gauge) ?? new Gauge<T>({ ...cfg, registers: [registry] }),
  histogram: <T extends string>(cfg: Omit<HistogramConfiguration<T>, 'registers'>): Histogram<T> =>
    existing<Histogram<T>>(cfg.name, Histogram) ?? new Histogram<T>({ ...cfg, registers: [registry] }),
};

const httpDuration = metrics.histogram({
  name: 'agora_http_request_duration_seconds',
  help: 'HTTP request duration in seconds, by method, route template and status code',
  labelNames: ['method', 'route', 'status_code'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});
const poolConnections = metrics.gauge({
  name: 'agora_db_pool_connections',
  help: 'Database connections by state: total and idle pool clients, and requests waiting for one (PGlite: total 1)',
  labelNames: ['state'],
});
const outboxUndelivered = metrics.gauge({ name: 'agora_outbox_undelivered_events', help: 'Outbox events not yet delivered to every consumer' });
const outboxLag = metrics.gauge({
  name: 'agora_outbox_oldest_undelivered_age_seconds',
  help: 'Age in seconds of the oldest outbox event not yet delivered (0 when none)',
});

/** Reads the gauges that depend on this app's database: the pool, and the outbox backlog in one indexed query. */
async function collectDatabase(database: Database): Promise<void> {
  poolConnections.reset();
  const pool = database.poolStats?.();
  if (pool) {
    poolConnections.set({ state: 'total' }, pool.total);
    poolConnections.set({ state: 'idle' }, pool.idle);
    poolConnections.set({ state: 'waiting' }, pool.waiting);
  } else {
    poolConnections.set({ state: 'total' }, 1);
  }
  // The partial index outbox_events_undelivered_idx (created_at where delivered_at is null) answers both.
  const [row] = await database.db
    .select({
      count: sql<number>`count(*)::int`.mapWith(Number),
      age: sql<number | null>`extract(epoch from now() - min(${outboxEvents.createdAt}))::float8`,
    })
    .from(outboxEvents)
    .where(isNull(outboxEvents.deliveredAt));
  outboxUndelivered.set(row?.count ?? 0);
  outboxLag.set(Math.max(0, Number(row?.age ?? 0)));
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Whether `header` is `Bearer <token>`, compared in constant time (both sides hashed to one length). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = bearerToken(header) ?? '';
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}

/**
 * Registers the request-duration hook (every route but `/metrics`; the route template, or
 * `unmatched` for an unknown path) and `GET /metrics` on the root app. Access: with
 * `METRICS_TOKEN` set, `Authorization: Bearer <token>` is required (401 otherwise); in production
 * without a token it answers 404 like an unknown path; otherwise (development, test) it is open.
 */
export function registerMetrics(app: FastifyInstance, opts: { config: Config; database: Database }): void {
  const { config, database } = opts;
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url;
    if (route !== '/metrics') {
      httpDuration.observe({ method: request.method, route: route ?? 'unmatched', status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    }
    done();
  });
  app.get('/metrics', { schema: { hide: true }, config: { auth: 'public', rateLimit: false } }, async (request, reply) => {
    if (config.metricsToken) {
      if (!bearerMatches(request.headers.authorization, config.metricsToken)) {
        reply.header('WWW-Authenticate', 'Bearer realm="metrics"');
        throw unauthorized('GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
      }
    } else if (config.nodeEnv === 'production') {
      return reply.callNotFound();
    }
    try {
      await collectDatabase(database);
    } catch (err) {
      request.log.warn({ err }, 'metrics: the database gauges could not be read');
    }
    return reply.header('Content-Type', registry.contentType).send(await registry.metrics());
  });
}
