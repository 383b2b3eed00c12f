import { accessSync, constants as fsConstants, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { registerRootDb } from './prepared.js';
import pg from 'pg';
import * as schema from './schema.js';

export type Schema = typeof schema;
/** A Drizzle handle: the database itself or an open transaction. Repos take this. */
export type Db = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

/** The open database, whichever driver runs it. */
export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Number of SQL statements sent since start (tests assert query counts with it). */
  queryCount(): number;
  /** Applies the committed migrations in db/migrations. */
  migrate(): Promise<void>;
  /** Runs `select 1`; throws when the database is unreachable. */
  ping(): Promise<void>;
  /** The pool's clients, total and idle, and the requests waiting for one (PostgreSQL; PGlite has one connection and none). */
  poolStats?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

/**
 * `db/migrations` at the project root, three levels above this module both in `src/infra/db/`
 * (tsx) and in `dist/infra/db/` (the build keeps the layout of `src/`).
 */
export const MIGRATIONS_FOLDER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../db/migrations');

/**
 * Thrown when the database cannot be opened for a reason the user can fix (unreachable server,
 * unknown database or role, a data directory that cannot be created…). The message is one line
 * saying what is wrong and what to do; the server prints it alone.
 */
export class DatabaseOpenError extends Error {}

/** Thrown when another live process holds a PGlite data directory. */
export class DatabaseInUseError extends DatabaseOpenError {}

const FS_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  ENOENT: 'this file system does not allow it',
  ENOTDIR: 'a parent is a file',
};

/** The error for a PGlite data directory that cannot be created, written, or locked (its lock file sits beside it). */
function directoryError(dir: string, err: NodeJS.ErrnoException | string, what: 'create' | 'write to' | 'lock' = 'create'): DatabaseOpenError {
  const why = typeof err === 'string' ? err : (FS_REASONS[err.code ?? ''] ?? err.code ?? err.message);
  return new DatabaseOpenError(
    `Cannot ${what} the embedded database directory ${dir} (${why}): set DATABASE_URL=pglite://<a writable directory>, or pglite://memory`,
  );
}

/**
 * Creates the PGlite data directory and its missing parents one level at a time, and makes sure
 * it is writable (PGlite's own error would be `ErrnoError { errno: 2 }`). Node 20's recursive
 * `mkdirSync` never returns when the kernel refuses with ENOENT under an existing parent (under
 * /proc, for one); this fails at once instead.
 * @throws DatabaseOpenError naming the directory and the reason.
 */
function makeDataDirectory(dir: string): void {
  const lookup = (p: string): Stats | undefined => {
    try {
      return statSync(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw directoryError(dir, err as NodeJS.ErrnoException);
    }
  };
  const missing: string[] = [];
  let at = path.resolve(dir);
  let found = lookup(at);
  while (!found && path.dirname(at) !== at) {
    missing.unshift(at);
    at = path.dirname(at);
    found = lookup(at);
  }
  if (found && !found.isDirectory()) throw directoryError(dir, `${at} is a file`);
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw directoryError(dir, err as NodeJS.ErrnoException);
    }
  }
  try {
    accessSync(dir, fsConstants.R_OK | fsConstants.W_OK | fsConstants.X_OK);
  } catch (err) {
    throw directoryError(dir, err as NodeJS.ErrnoException, 'write to');
  }
}

/**
 * PGlite is one process's database: two processes opening the same directory corrupt it (seen when
 * a server was restarted before the previous one had finished closing). A lock file beside the
 * directory holds the owner's pid; a lock left by a dead process is taken over.
 * @returns the release function.
 * @throws DatabaseInUseError when a live process holds the directory.
 */
function acquireDirectoryLock(dir: string): () => void {
  const lockPath = `${path.resolve(dir)}.lock`;
  const mine = String(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, mine, { flag: 'wx' });
      return () => {
        try {
          if (readFileSync(lockPath, 'utf8') === mine) unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw directoryError(dir, err as NodeJS.ErrnoException, 'lock');
      const owner = Number(readFileSync(lockPath, 'utf8'));
      let alive = false;
      try {
        process.kill(owner, 0);
        alive = Number.isInteger(owner) && owner > 0;
      } catch (e) {
        alive = (e as NodeJS.ErrnoException).code === 'EPERM';
      }
      if (alive) {
        throw new DatabaseInUseError(`The embedded database ${dir} is in use by process ${owner}; stop it first (or use DATABASE_URL=pglite://memory)`);
      }
      unlinkSync(lockPath);
    }
  }
  throw new DatabaseInUseError(`Could not lock the embedded database ${dir}`);
}

/**
 * Opens the database named by `url`:
 * - `pglite://memory`: PGlite in memory (tests, throw-away runs);
 * - `pglite://<dir>`: PGlite with its data in `<dir>` (default `.data/agora`);
 * - `postgres://…`: a node-postgres pool of `poolMax` connections.
 */
export async function openDatabase(url: string, opts: { poolMax?: number } = {}): Promise<Database> {
  let count = 0;
  const logger = { logQuery: () => void count++ };
  if (url.startsWith('pglite://')) {
    let releaseLock = () => {};
    const where = url.slice('pglite://'.length);
    let client: PGlite;
    if (where === 'memory' || where === '') {
      client = new PGlite();
    } else {
      makeDataDirectory(where);
      releaseLock = acquireDirectoryLock(where);
      client = new PGlite(where);
    }
    try {
      await client.waitReady;
    } catch (err) {
      releaseLock();
      throw err;
    }
    const db = drizzlePglite(client, { schema, logger }) as unknown as Db;
    registerRootDb(db);
    return {
      db,
      kind: 'pglite',
      queryCount: () => count,
      migrate: () => migratePglite(db as never, { migrationsFolder: MIGRATIONS_FOLDER }),
      ping: async () => void (await client.query('select 1')),
      close: async () => {
        try {
          await client.close();
        } finally {
          releaseLock();
        }
      },
    };
  }
  const pool = new pg.Pool({ connectionString: url, max: opts.poolMax ?? 10, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const db = drizzleNodePg(pool, { schema, logger }) as unknown as Db;
  registerRootDb(db);
  return {
    db,
    kind: 'postgres',
    queryCount: () => count,
    migrate: async () => {
      // Several processes may start at once: one migrates at a time.
      const c = await pool.connect();
      try {
        await c.query('select pg_advisory_lock(7263001)');
        await migrateNodePg(drizzleNodePg(c, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
      } finally {
        await c.query('select pg_advisory_unlock(7263001)').catch(() => undefined);
        c.release();
      }
    },
    ping: async () => void (await pool.query('select 1')),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  };
}

/** How long a new PostgreSQL connection may take before it fails. */
const CONNECT_TIMEOUT_MS = 5000;

/** The network or server code of `err`, looking into causes and the errors of an AggregateError. */
function errorCode(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== 'object' || depth > 4) return undefined;
  const e = err as { code?: unknown; errors?: unknown[]; cause?: unknown };
  if (typeof e.code === 'string') return e.code;
  for (const inner of e.errors ?? []) {
    const code = errorCode(inner, depth + 1);
    if (code) return code;
  }
  return errorCode(e.cause, depth + 1);
}

/**
 * One line saying what is wrong and what to do when `err` is a PostgreSQL connection failure:
 * refused, unknown host, no answer, missing database, unknown role, rejected or missing password,
 * no right to create the tables. The password in `url` is never shown.
 * @returns the line, or undefined for any other error.
 */
export function explainConnectionError(err: unknown, url: string): string | undefined {
  let host = 'localhost';
  let port = '5432';
  let user = 'postgres';
  let database = '';
  try {
    const u = new URL(url);
    host = decodeURIComponent(u.hostname) || host;
    port = u.port || port;
    user = decodeURIComponent(u.username) || user;
    database = decodeURIComponent(u.pathname.slice(1));
  } catch {
    /* not a URL: the defaults name the server */
  }
  database ||= user;
  const where = `${host}:${port}`;
  const message = err instanceof Error ? err.message : String(err);
  const code = errorCode(err);
  switch (code) {
    case 'ECONNREFUSED':
      return `PostgreSQL refused the connection at ${where}: start it, or fix the host and port in DATABASE_URL`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `The PostgreSQL host "${host}" in DATABASE_URL is unknown (DNS lookup failed): fix the host name`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `PostgreSQL at ${where} cannot be reached (${code}): check the host and port in DATABASE_URL, and any firewall`;
    case '3D000':
      return `The database "${database}" does not exist on ${where}: create it (createdb -h ${host} -p ${port} -U ${user} ${database}) or fix DATABASE_URL`;
    case '28000':
      return /role .* does not exist/.test(message)
        ? `The PostgreSQL role "${user}" does not exist on ${where}: fix the user in DATABASE_URL, or create the role (createuser -h ${host} -p ${port} ${user})`
        : `PostgreSQL at ${where} refused user "${user}" (${message}): fix DATABASE_URL or the server's pg_hba.conf`;
    case '28P01':
      return `PostgreSQL at ${where} rejected the password of user "${user}": fix the password in DATABASE_URL`;
    case '42501':
      return `The PostgreSQL user "${user}" may not create the tables in database "${database}" (${message}): use the database's owner in DATABASE_URL, or grant it CREATE`;
  }
  if (/timeout exceeded when trying to connect|connection timeout/i.test(message)) {
    return `PostgreSQL at ${where} did not answer within ${CONNECT_TIMEOUT_MS / 1000} s: check the host and port in DATABASE_URL, and any firewall`;
  }
  if (/client password must be a string/.test(message)) {
    return `PostgreSQL at ${where} asks for a password for user "${user}": put it in DATABASE_URL (postgres://${user}:<password>@${host}:${port}/${database})`;
  }
  return undefined;
}

/** Runs a raw SQL statement and returns its rows (the same on both drivers). */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
