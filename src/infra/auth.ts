import { eq, sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { can, type Actor, type ActorMembership } from './access.js';
import type { Ctx } from './context.js';
import type { Database, Db } from './db/client.js';
import { prepared } from './db/prepared.js';
import { users } from './db/schema.js';
import { forbidden, unauthorized } from './errors.js';
import type { AccessTokens } from './tokens.js';

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
    permission?: string;
  }
  interface FastifyRequest {
    ctx: Ctx;
  }
}


/**
 * Loads the actor of `userId` in one query: the user, their memberships with role permissions,
 * and their platform roles. Returns null when the user is missing.
 * @throws 403 `USER_INACTIVE` when the user is deactivated.
 */
export async function loadActor(db: Db, userId: string): Promise<Actor | null> {
  // Prepared: this runs on every authenticated request. Columns of the outer row are written
  // table-qualified: inside the subqueries a bare "id" would bind to the inner tables.
  const query = prepared(db, 'auth_load_actor', (d, name) =>
    d
      .select({
        id: users.id,
        email: users.email,
        isActive: users.isActive,
        memberships: sql<ActorMembership[] | null>`(select json_agg(json_build_object('organizationId', m.organization_id, 'organizationType', o.type,
                                         'role', r.key, 'permissions', r.permissions) order by m.created_at, m.id)
         from memberships m join roles r on r.id = m.role_id join organizations o on o.id = m.organization_id
        where m.user_id = "users"."id" and o.is_active)`,
        platform: sql<string[][] | null>`(select json_agg(r.permissions) from platform_role_assignments pa join roles r on r.id = pa.role_id
        where pa.user_id = "users"."id")`,
      })
      .from(users)
      .where(eq(users.id, sql.placeholder('id')))
      .prepare(name),
  );
  const [row] = await query.execute({ id: userId });
  if (!row) return null;
  if (!row.isActive) throw forbidden('This user account is inactive', 'USER_INACTIVE');
  return {
    userId: row.id,
    email: row.email,
    memberships: row.memberships ?? [],
    platformPermissions: (row.platform ?? []).flat(),
  };
}

/**
 * `Bearer <token>` and nothing else (RFC 6750 section 2.1): the scheme in any case, one space, one
 * b64token. Anything after the token (`Bearer <token> junk`) is refused, not ignored.
 */
const BEARER_RE = /^bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function authenticate(tokens: AccessTokens, database: Database, request: FastifyRequest): Promise<Actor | null> {
  const header = request.headers.authorization;
  if (!header) return null;
  const token = BEARER_RE.exec(header)?.[1];
  if (!token) throw unauthorized('The Authorization header must be exactly "Bearer <access token>"', 'INVALID_TOKEN');
  const claims = tokens.verifyAccessToken(token);
  if (!claims || !UUID_RE.test(claims.sub)) throw unauthorized('The access token is invalid or expired', 'INVALID_TOKEN');
  const actor = await loadActor(database.db, claims.sub);
  if (!actor) throw unauthorized('The access token is invalid or expired', 'INVALID_TOKEN');
  return actor;
}

/**
 * Builds `request.ctx` for every request and enforces each route's `auth` and `permission`
 * config before the body is even parsed.
 */
export const authPlugin = fp(async (app: FastifyInstance, opts: { database: Database; config: Config; tokens: AccessTokens }) => {
  app.decorateRequest('ctx', null as unknown as Ctx);
  app.addHook('onRequest', async (request) => {
    const routeConfig = request.routeOptions.config ?? {};
    // Under /api/ a route is authenticated unless it says otherwise; elsewhere (docs, health) public.
    const mode: RouteAuth = routeConfig.auth ?? (request.routeOptions.url?.startsWith('/api/') ? 'required' : 'public');
    request.ctx = { actor: null, db: opts.database.db, log: request.log, requestId: request.id, config: opts.config, tokens: opts.tokens };
    if (mode === 'public' || !request.routeOptions.url) return;
    const actor = await authenticate(opts.tokens, opts.database, request);
    request.ctx.actor = actor;
    if (!actor && mode === 'required') throw unauthorized();
    if (actor && routeConfig.permission && !can(actor, routeConfig.permission)) {
      throw forbidden(`Your roles do not allow ${routeConfig.permission}`);
    }
  });
});
