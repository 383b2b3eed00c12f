import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Database } from './db/client.js';

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  db: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  database_kind: Type.String(),
  uptime_seconds: Type.Number(),
});

const CheckResult = Type.Union([Type.Literal('ok'), Type.Literal('error')], { title: 'ReadinessCheckResult' });

const Readiness = Type.Object(
  {
    status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
    db: CheckResult,
    redis: Type.Optional(CheckResult),
  },
  {
    title: 'Readiness',
    description: 'Each dependency checked: `db`, `redis` when Redis is configured, and any check registered by the process (e.g. `nats`).',
    additionalProperties: CheckResult,
  },
);

/** How long one check may take before it counts as failed. */
const CHECK_TIMEOUT_MS = 2000;

/** A readiness check: resolves when the dependency answers, rejects (or times out) when it does not. */
export type ReadinessCheck = () => Promise<unknown>;

/** The checks `GET /ready` runs, by name (`db` and `redis` built in). */
export class ReadinessChecks {
  readonly #checks = new Map<string, ReadinessCheck>();

  /** Adds (or replaces) the check `name` (lowercase letters, digits, `_`). */
  register(name: string, check: ReadinessCheck): void {
    if (!/^[a-z][a-z0-9_]*$/.test(name) || name === 'status') throw new Error(`invalid readiness check name "${name}"`);
    this.#checks.set(name, check);
  }

  /** Runs every check at once, each bounded by the timeout. */
  async run(): Promise<{ ready: boolean; results: Record<string, 'ok' | 'error'> }> {
    const entries = [...this.#checks];
    const outcomes = await Promise.all(
      entries.map(([, check]) =>
        withTimeout(check(), CHECK_TIMEOUT_MS).then(
          () => 'ok' as const,
          () => 'error' as const,
        ),
      ),
    );
    const results = Object.fromEntries(entries.map(([name], i) => [name, outcomes[i]]));
    return { ready: outcomes.every((o) => o === 'ok'), results };
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The checks of `GET /ready`: `app.readiness.register('nats', () => nc.flush())`. */
    readiness: ReadinessChecks;
  }
}

/** Adds a check to `GET /ready` of `app` (the root app `buildApp` returns). */
export const registerReadinessCheck = (app: FastifyInstance, name: string, check: ReadinessCheck): void => app.readiness.register(name, check);

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Decorates the root `app` with `readiness` (the database check, and Redis when it is configured);
 * called by `buildApp` before `healthRoutes` is registered.
 */
export function decorateReadiness(app: FastifyInstance, opts: { database: Database; redis?: Redis }): void {
  const checks = new ReadinessChecks();
  checks.register('db', () => opts.database.ping());
  const redis = opts.redis;
  if (redis) checks.register('redis', () => redis.ping());
  app.decorate('readiness', checks);
}

/**
 * `GET /health` (liveness): 200 when the database answers, 503 `degraded` when it does not.
 * `GET /ready` (readiness: may this instance take traffic?): 200 `ready` when every check of
 * `app.readiness` passes, 503 `not_ready` naming the one that failed.
 */
export async function healthRoutes(app: FastifyInstance, opts: { database: Database }) {
  app.get(
    '/health',
    {
      schema: { tags: ['health'], summary: 'Liveness and database check', response: { 200: Health, 503: Health } },
      config: { auth: 'public', rateLimit: false },
    },
    async (_request, reply) => {
      let db: 'ok' | 'error' = 'ok';
      try {
        await withTimeout(opts.database.ping(), CHECK_TIMEOUT_MS);
      } catch {
        db = 'error';
      }
      const body = { status: db === 'ok' ? 'ok' : 'degraded', db, database_kind: opts.database.kind, uptime_seconds: Math.round(process.uptime()) } as const;
      return reply.code(db === 'ok' ? 200 : 503).send(body);
    },
  );
  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: the database, Redis when configured, and the checks the process registered',
        description: 'For a load balancer or an orchestrator: 503 while any dependency does not answer within 2 seconds. `/health` is the liveness check.',
        response: { 200: Readiness, 503: Readiness },
      },
      config: { auth: 'public', rateLimit: false },
    },
    async (_request, reply) => {
      const { ready, results } = await app.readiness.run();
      const body = { status: ready ? 'ready' : 'not_ready', db: 'error', ...results } as const;
      return reply.code(ready ? 200 : 503).send(body as { status: 'ready' | 'not_ready'; db: 'ok' | 'error' });
    },
  );
}
