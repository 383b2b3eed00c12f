import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { can, type Actor, type Permission } from './access.js';
import type { Ctx } from './context.js';
import type { Database } from './db/client.js';
import { forbidden, unauthorized } from './errors.js';
import { isUuid } from './ids.js';
import { bearerToken, type AccessTokens } from './tokens.js';

/** How a route treats authentication: `required` (default), `optional` (anonymous allowed) or `public`. */
export type RouteAuth = 'required' | 'optional' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Authentication the route needs; `required` unless said otherwise. */
    auth?: RouteAuth;
    /**
     * The permission the route needs (`resource:action`). Checked here against any of the actor's
     * roles; the service then checks it in the object's own organization.
     */
    permission?: Permission;
  }
  interface FastifyRequest {
    ctx: Ctx;
  }
}

/**
 * Loads the actor of a user id taken from a verified access token (the user, their memberships
 * with role permissions, their platform roles), or null when the user is missing. Runs on every
 * authenticated request, with the request's context (its `actor` still null). Passed in by the
 * app (`authPlugin`'s `loadActor`): infra knows no module, the organizations module implements it.
 * @throws 403 `USER_INACTIVE` when the user is deactivated.
 */
export type ActorLoader = (ctx: Ctx, userId: string) => Promise<Actor | null>;

/** The actor of the request's bearer token, or null without an Authorization header. @throws 401 `INVALID_TOKEN`, 403 `USER_INACTIVE`. */
async function authenticate(tokens: AccessTokens, loadActor: ActorLoader, request: FastifyRequest): Promise<Actor | null> {
  const header = request.headers.authorization;
  if (!header) return null;
  const token = bearerToken(header);
  if (!token) throw unauthorized('The Authorization header must be exactly "Bearer <access token>"', 'INVALID_TOKEN');
  const claims = tokens.verifyAccessToken(token);
  if (!claims || !isUuid(claims.sub)) throw unauthorized('The access token is invalid or expired', 'INVALID_TOKEN');
  const actor = await loadActor(request.ctx, claims.sub);
  if (!actor) throw unauthorized('The access token is invalid or expired', 'INVALID_TOKEN');
  return actor;
}

/**
 * Builds `request.ctx` for every request and enforces each route's `auth` and `permission`
 * config before the body is even parsed.
 */
export const authPlugin = fp(async (app: FastifyInstance, opts: { database: Database; config: Config; tokens: AccessTokens; loadActor: ActorLoader }) => {
  app.decorateRequest('ctx', null as unknown as Ctx);
  app.addHook('onRequest', (request, _reply, done) => {
    request.ctx = { actor: null, db: opts.database.db, log: request.log, requestId: request.id, config: opts.config, tokens: opts.tokens };
    done();
  });
  // Authentication runs at preParsing, still before the body is read, but after every onRequest
  // hook, the rate limiter's route-level one included: a request refused here (401/403) has been
  // counted, so floods of bad or missing tokens are rate limited like any other request.
  app.addHook('preParsing', async (request, _reply, payload) => {
    const routeConfig = request.routeOptions.config ?? {};
    // Under /api/ a route is authenticated unless it says otherwise; elsewhere (docs, health) public.
    const mode: RouteAuth = routeConfig.auth ?? (request.routeOptions.url?.startsWith('/api/') ? 'required' : 'public');
    if (mode === 'public' || !request.routeOptions.url) return payload;
    const actor = await authenticate(opts.tokens, opts.loadActor, request);
    request.ctx.actor = actor;
    if (!actor && mode === 'required') throw unauthorized();
    if (actor && routeConfig.permission && !can(actor, routeConfig.permission)) {
      throw forbidden(`Your roles do not allow ${routeConfig.permission}`);
    }
    return payload;
  });
});
