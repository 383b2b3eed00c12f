import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Actor } from './access.js';
import type { Db } from './db/client.js';
import type { AccessTokens } from './tokens.js';

/**
 * The request context: first argument of every service function and of every function a module
 * exports through its index.ts. `db` is the database or the open transaction; services never
 * reach for globals.
 */
export interface Ctx {
  actor: Actor | null;
  db: Db;
  log: FastifyBaseLogger;
  requestId: string;
  config: Config;
  /** Access-token signer/verifier (shared, stateless). */
  tokens: AccessTokens;
  /**
   * The `Idempotency-Key` claim this request holds (src/infra/idempotency.ts), when its route is
   * idempotent and the caller sent a key: the use case stores its answer in its own transaction
   * with `completeIdempotentRequest(tx, status, body)`.
   */
  idempotency?: { readonly id: string; readonly token: string };
}

declare const inTransactionBrand: unique symbol;

/**
 * A context whose `db` is an open transaction. Only `inTransaction` makes one (the brand is not
 * exported), so a function that must run inside its caller's transaction (a reservation, a lock, a
 * write that must commit with others) takes a `TxCtx`, and calling it outside one does not compile.
 * A `TxCtx` is a `Ctx`: it goes wherever a `Ctx` does.
 */
export type TxCtx = Ctx & { readonly [inTransactionBrand]: true };

/**
 * Runs `fn` in one transaction; everything it writes commits together or not at all. The use case
 * (a service function or a flow) opens it; routes and repos never do. Inside a transaction this
 * opens a savepoint, so a nested call rolls back on its own.
 */
export function inTransaction<T>(ctx: Ctx, fn: (tx: TxCtx) => Promise<T>): Promise<T> {
  return ctx.db.transaction((tx) => fn({ ...ctx, db: tx } as unknown as TxCtx));
}
