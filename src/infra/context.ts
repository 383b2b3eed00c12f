import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Actor } from './access.js';
import type { Db } from './db/client.js';
import type { AccessTokens } from './tokens.js';

/**
 * The request context: first argument of every service function (DESIGN.md section 3).
 * `db` is the database or the open transaction; services never reach for globals.
 */
export interface Ctx {
  actor: Actor | null;
  db: Db;
  log: FastifyBaseLogger;
  requestId: string;
  config: Config;
  /** Access-token signer/verifier (shared, stateless). */
  tokens: AccessTokens;
}

/** The same context bound to a transaction handle. */
export const withDb = (ctx: Ctx, db: Db): Ctx => ({ ...ctx, db });

/** Runs `fn` in one transaction; everything it writes commits together or not at all. */
export function inTransaction<T>(ctx: Ctx, fn: (tx: Ctx) => Promise<T>): Promise<T> {
  return ctx.db.transaction((tx) => fn(withDb(ctx, tx as unknown as Db)));
}
