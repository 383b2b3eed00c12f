import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Database } from './db/client.js';

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  db: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  database_kind: Type.String(),
  uptime_seconds: Type.Number(),
});

/** `GET /health`: 200 when the database answers, 503 `degraded` when it does not. */
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
        await Promise.race([opts.database.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref())]);
      } catch {
        db = 'error';
      }
      const body = { status: db === 'ok' ? 'ok' : 'degraded', db, database_kind: opts.database.kind, uptime_seconds: Math.round(process.uptime()) } as const;
      return reply.code(db === 'ok' ? 200 : 503).send(body);
    },
  );
}
