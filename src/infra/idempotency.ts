/**
 * Idempotency keys for unsafe requests, with Stripe's semantics (docs/conventions.md,
 * "Idempotency keys"; docs/decisions.md). A route opts in with `config: { idempotent: true }`;
 * the hooks of `idempotencyPlugin` do the rest:
 *
 * - preHandler (after authentication and schema validation, so a request refused there is never
 *   stored and a fixed retry runs): reads `Idempotency-Key` (optional; 1..255 printable ASCII
 *   characters, else 422 `headers/idempotency-key`), scoped to the caller's user id and the route
 *   (`POST /api/v1/orders`), and claims it with ONE atomic `INSERT … ON CONFLICT DO NOTHING
 *   RETURNING` (state `in_progress`, a fresh `lock_token`, `locked_at`). When the key exists: a
 *   different body (SHA-256 of its canonical JSON) is 409 `IDEMPOTENCY_KEY_REUSE_MISMATCH`; a
 *   completed one replays the stored status and body with `Idempotent-Replayed: true`; one still
 *   running is 409 `IDEMPOTENCY_IN_PROGRESS`, unless its lease (`IDEMPOTENCY_LEASE_SECONDS`) ran
 *   out (a crashed request), when it is taken over by a conditional update; one older than
 *   `IDEMPOTENCY_TTL_HOURS` is treated as new.
 * - the use case stores its success in its own transaction, `completeIdempotentRequest(tx, 201,
 *   dto)`, so the change and its stored answer commit together (a crash can never leave an order
 *   without its answer); it throws 409 `IDEMPOTENCY_IN_PROGRESS`, rolling the change back, when
 *   its claim was taken over meanwhile.
 * - onSend: a 2xx or 4xx answer not stored yet is stored (the 4xx business answers such as 409
 *   `INSUFFICIENT_STOCK`, whose transaction rolled back, and the 2xx of a route that does not call
 *   `completeIdempotentRequest`); a 5xx releases the key (deletes the claim), so a retry runs again.
 *
 * Every write after the claim is conditional on the claim's `lock_token` and on `in_progress`, so
 * a request that lost its claim writes nothing, and a stored answer is never overwritten.
 */
import { createHash, randomUUID } from 'node:crypto';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { TxCtx } from './context.js';
import type { Db } from './db/client.js';
import { conflict, unprocessable } from './errors.js';
import { idempotencyKeys } from './idempotency.tables.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes an `Idempotency-Key` header (src/infra/idempotency.ts). */
    idempotent?: boolean;
  }
}

/** How long a key is remembered: an older key is a new key (checked at lookup), and the purge deletes it. */
export const IDEMPOTENCY_TTL_HOURS = 24;
/** How long a running request holds its key; past it, the claim is thought crashed and a retry may take it over. */
export const IDEMPOTENCY_LEASE_SECONDS = 60;
/** The request header. */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** The response header of a replayed answer. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** The 409 codes an idempotent route may answer (added to its documented problems by the OpenAPI transform). */
export const IDEMPOTENCY_CODES = ['IDEMPOTENCY_KEY_REUSE_MISMATCH', 'IDEMPOTENCY_IN_PROGRESS'] as const;

const KEY_RE = /^[\x20-\x7e]{1,255}$/;
const ttl = sql.raw(`interval '${IDEMPOTENCY_TTL_HOURS} hours'`);
const lease = sql.raw(`interval '${IDEMPOTENCY_LEASE_SECONDS} seconds'`);

const inProgress = (detail = 'A request with this Idempotency-Key is still being processed; retry later') => conflict('IDEMPOTENCY_IN_PROGRESS', detail);

/** JSON with every object's keys sorted, so that two equal bodies hash the same whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const requestHash = (body: unknown) =>
  createHash('sha256')
    .update(canonicalJson(body ?? null))
    .digest('hex');

/** The request's key, undefined without the header. @throws 422 at `headers/idempotency-key` when malformed. */
function keyOf(request: FastifyRequest): string | undefined {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw unprocessable([{ path: 'headers/idempotency-key', message: 'send one Idempotency-Key header' }]);
  if (!KEY_RE.test(raw)) {
    throw unprocessable([{ path: 'headers/idempotency-key', message: 'must be 1 to 255 printable ASCII characters' }], 'The Idempotency-Key header is invalid');
  }
  return raw;
}

type Claim = { id: string; token: string };
type Stored = { status: number; body: unknown };

/**
 * Claims `key` for this request, or finds what answers it: the claim, a stored answer to replay.
 * @throws 409 `IDEMPOTENCY_KEY_REUSE_MISMATCH` (another body), `IDEMPOTENCY_IN_PROGRESS` (running).
 */
async function claimOrReplay(db: Db, userId: string, scope: string, key: string, hash: string): Promise<{ claim: Claim } | { stored: Stored }> {
  const k = idempotencyKeys;
  // A few rounds: each failed conditional write means another request changed the row meanwhile.
  for (let attempt = 0; attempt < 5; attempt++) {
    const token = randomUUID();
    const [claimed] = await db
      .insert(k)
      .values({ userId, scope, key, requestHash: hash, state: 'in_progress', lockToken: token })
      .onConflictDoNothing({ target: [k.userId, k.scope, k.key] })
      .returning({ id: k.id });
    if (claimed) return { claim: { id: claimed.id, token } };

    const [row] = await db
      .select({
        id: k.id,
        requestHash: k.requestHash,
        state: k.state,
        lockToken: k.lockToken,
        responseStatus: k.responseStatus,
        responseBody: k.responseBody,
        expired: sql<boolean>`${k.createdAt} < now() - ${ttl}`,
        stale: sql<boolean>`${k.lockedAt} < now() - ${lease}`,
      })
      .from(k)
      .where(and(eq(k.userId, userId), eq(k.scope, scope), eq(k.key, key)));
    if (!row) continue; // released (a 5xx) or purged in between: claim again

    if (row.expired) {
      // An expired key is a new key: start it again, if no one else did meanwhile.
      const [renewed] = await db
        .update(k)
        .set({
          requestHash: hash,
          state: 'in_progress',
          lockToken: token,
          lockedAt: sql`now()`,
          createdAt: sql`now()`,
          responseStatus: null,
          responseBody: null,
          completedAt: null,
        })
        .where(and(eq(k.id, row.id), lt(k.createdAt, sql`now() - ${ttl}`)))
        .returning({ id: k.id });
      if (renewed) return { claim: { id: renewed.id, token } };
      continue;
    }
    if (row.requestHash !== hash) {
      throw conflict('IDEMPOTENCY_KEY_REUSE_MISMATCH', 'This Idempotency-Key was used with a different request body; use a new key for a new request');
    }
    if (row.state === 'completed') return { stored: { status: row.responseStatus!, body: row.responseBody } };
    if (!row.stale) throw inProgress();
    // The holder ran past its lease (crashed, most likely): take the claim over, if it is still that one.
    const [taken] = await db
      .update(k)
      .set({ lockToken: token, lockedAt: sql`now()` })
      .where(and(eq(k.id, row.id), eq(k.lockToken, row.lockToken), eq(k.state, 'in_progress'), lt(k.lockedAt, sql`now() - ${lease}`)))
      .returning({ id: k.id });
    if (taken) return { claim: { id: taken.id, token } };
  }
  throw inProgress();
}

/** Sends a stored answer again, as it was sent: problems as `application/problem+json`, successes through the route's serializer. */
function replay(reply: FastifyReply, stored: Stored): FastifyReply {
  reply.header(REPLAYED_HEADER, 'true').code(stored.status);
  if (stored.status >= 400) return reply.type('application/problem+json').serializer(JSON.stringify).send(stored.body);
  return stored.body === null || stored.body === undefined ? reply.send() : reply.send(stored.body);
}

/** The claim of the request: only an answer written by its holder, while still running, counts. */
const held = (claim: Claim) => and(eq(idempotencyKeys.id, claim.id), eq(idempotencyKeys.lockToken, claim.token), eq(idempotencyKeys.state, 'in_progress'));

/**
 * Stores the answer of the request's claim in the caller's transaction, so the change and the
 * answer a retry replays commit together. A no-op without a claim (no key sent, or a route that is
 * not idempotent). Call it last in the transaction, with the status the route answers.
 * @throws 409 `IDEMPOTENCY_IN_PROGRESS` when the claim was taken over (this request ran past its
 *   lease and a retry runs it): the transaction rolls back, the retry's answer is the one kept.
 */
export async function completeIdempotentRequest(tx: TxCtx, status: number, body: unknown): Promise<void> {
  const claim = tx.idempotency;
  if (!claim) return;
  const done = await tx.db
    .update(idempotencyKeys)
    .set({ state: 'completed', responseStatus: status, responseBody: body, completedAt: sql`now()` })
    .where(held(claim))
    .returning({ id: idempotencyKeys.id });
  if (done.length === 0) throw inProgress('This request ran past its Idempotency-Key lease and a retry took it over; its changes were rolled back');
}

/** Deletes the keys older than `IDEMPOTENCY_TTL_HOURS` (for the scheduler). @returns how many. */
export async function purgeExpiredIdempotencyKeys(db: Db): Promise<number> {
  const gone = await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, sql`now() - ${ttl}`))
    .returning({ id: idempotencyKeys.id });
  return gone.length;
}

function parsePayload(payload: unknown): unknown {
  if (payload === null || payload === undefined || payload === '') return null;
  if (typeof payload !== 'string') return null; // streams and buffers: not stored as a body
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    return payload;
  }
}

/**
 * The hooks of idempotent routes (`config: { idempotent: true }`), registered once by the app. A
 * route without the flag, a request without the header, or an anonymous caller skips them.
 */
export const idempotencyPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('preHandler', async (request, reply) => {
    if (!request.routeOptions.config?.idempotent) return;
    const key = keyOf(request);
    const actor = request.ctx.actor;
    if (key === undefined || !actor) return;
    const scope = `${request.method} ${request.routeOptions.url}`;
    const found = await claimOrReplay(request.ctx.db, actor.userId, scope, key, requestHash(request.body));
    if ('stored' in found) return replay(reply, found.stored);
    request.ctx.idempotency = found.claim;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.ctx?.idempotency;
    if (!claim) return payload;
    request.ctx.idempotency = undefined;
    const status = reply.statusCode;
    try {
      if (status >= 500) {
        // Nothing is known to have happened: release the key so that a retry runs again.
        await request.ctx.db.delete(idempotencyKeys).where(held(claim));
      } else {
        // A business refusal (its transaction rolled back), or a success the route did not store itself.
        await request.ctx.db
          .update(idempotencyKeys)
          .set({ state: 'completed', responseStatus: status, responseBody: parsePayload(payload), completedAt: sql`now()` })
          .where(held(claim));
      }
    } catch (err) {
      // The answer goes out anyway; the claim stays in progress until its lease runs out.
      request.log.warn({ err }, 'could not store the answer of an idempotent request');
    }
    return payload;
  });
});
