import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from './config.js';
import { authPlugin } from './infra/auth.js';
import type { Database } from './infra/db/client.js';
import { AppError } from './infra/errors.js';
import { decorateReadiness, healthRoutes } from './infra/health.js';
import { outboxAdminRoutes } from './infra/outbox.routes.js';
import { idempotencyPlugin } from './infra/idempotency.js';
import { frameworkErrors, registerErrorHandling } from './infra/http.js';
import { registerMetrics } from './infra/metrics.js';
import { createRedis } from './infra/redis.js';
import { registerOpenApi } from './infra/openapi.js';
import { Problem } from './infra/problem.js';
import { createAccessTokens } from './infra/tokens.js';
import { validatorCompiler } from './infra/validation.js';
import { placeOrderRoutes } from './flows/place-order.js';
import { stockCheckRoutes } from './flows/stock-check.js';
import { auditModule } from './modules/audit/index.js';
import { catalogModule } from './modules/catalog/index.js';
import { customersModule } from './modules/customers/index.js';
import { identityModule } from './modules/identity/index.js';
import { importsModule } from './modules/imports/index.js';
import { inventoryModule } from './modules/inventory/index.js';
import { linksModule } from './modules/links/index.js';
import { ordersModule } from './modules/orders/index.js';
import { listUserMemberships, loadActor, organizationsModule } from './modules/organizations/index.js';
import { salesChannelsModule } from './modules/sales-channels/index.js';

/**
 * The headers helmet sets with `options`, computed once by running its middleware against a
 * recording response. Valid because they do not depend on the request (no CSP nonces).
 */
function staticSecurityHeaders(options: Parameters<typeof helmet>[0]): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  let done = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => void (done = true));
  if (!done) throw new Error('helmet did not complete synchronously');
  return headers;
}

const REQUEST_ID_RE = /^[\w.:-]{1,128}$/;

/**
 * Builds the Fastify app: plugins and modules, nothing else. The caller owns the database and
 * closes it (server.ts, the test helpers).
 */
export async function buildApp(opts: { config: Config; database: Database }): Promise<FastifyInstance> {
  const { config, database } = opts;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.current_password', '*.new_password', '*.refresh_token', '*.access_token'],
        censor: '[redacted]',
      },
    },
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    // A SKU (≤ 100 characters) in a path, percent-encoded UTF-8, takes up to 300 (default 100).
    routerOptions: { maxParamLength: 320 },
    frameworkErrors,
    // A hop count is valid at run time (proxy-addr), though Fastify's types omit it.
    trustProxy: config.trustProxy as boolean | string[],
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);

  registerErrorHandling(app);
  app.addSchema(Problem);
  registerMetrics(app, { config, database });
  // One Redis client for the rate limits and the readiness check, closed with the app.
  const redis = createRedis(config.redisUrl, app.log);
  if (redis) app.addHook('onClose', async () => void redis.disconnect());
  decorateReadiness(app, { database, redis });

  // Security headers, computed once (they do not depend on the request). Pages (/docs) get helmet's
  // full set with this CSP; JSON under /api/ gets the set OWASP's REST Security Cheat Sheet asks
  // of an API (the HTML-only headers are noise on JSON, and cost bytes on every response).
  const pageHeaders = staticSecurityHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'https:'],
      },
    },
  });
  const apiHeaders: Record<string, string> = {
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'strict-transport-security': pageHeaders['strict-transport-security'],
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  };
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(request.url.startsWith('/api/') ? apiHeaders : pageHeaders);
    reply.header('X-Request-Id', request.id);
    done();
  });
  // Any origin: a plain `*` (no credentials), not the request's origin reflected back. Preflights
  // allow every method the API uses; browsers may read the request id and the rate-limit headers.
  await app.register(cors, {
    origin: config.corsOrigins === '*' ? '*' : config.corsOrigins,
    credentials: config.corsOrigins !== '*',
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    exposedHeaders: ['X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After', 'Idempotent-Replayed'],
  });
  await app.register(rateLimit, {
    max: config.rateLimitMax,
    timeWindow: '1 minute',
    redis,
    nameSpace: 'agora-rl:',
    errorResponseBuilder: (_req, ctx) =>
      new AppError(429, 'RATE_LIMITED', `Too many requests; retry in ${Math.ceil(ctx.ttl / 1000)} s`, {
        headers: { 'Retry-After': String(Math.ceil(ctx.ttl / 1000)) },
      }),
  });
  await app.register(authPlugin, { database, config, tokens: createAccessTokens(config), loadActor });
  await app.register(idempotencyPlugin);
  await registerOpenApi(app);

  await app.register(healthRoutes, { database });
  await app.register(
    async (api) => {
      await api.register(identityModule, { config, database, membershipsOf: listUserMemberships });
      await api.register(organizationsModule, { config, database });
      await api.register(linksModule, { config, database });
      await api.register(catalogModule, { config, database });
      await api.register(inventoryModule, { config, database });
      await api.register(customersModule, { config, database });
      await api.register(salesChannelsModule, { config, database });
      // The flow's route first: POST /orders keeps its place before the orders module's /orders routes.
      await api.register(placeOrderRoutes);
      await api.register(ordersModule, { config, database });
      await api.register(importsModule, { config, database });
      await api.register(stockCheckRoutes);
      await api.register(outboxAdminRoutes);
      await api.register(auditModule, { config, database });
    },
    { prefix: '/api/v1' },
  );
  return app;
}
