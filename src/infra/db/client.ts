import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
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
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../db/migrations');

/** Thrown when another live process holds a PGlite data directory. */
export class DatabaseInUseError extends Error {}

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
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
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
      mkdirSync(where, { recursive: true });
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
  const pool = new pg.Pool({ connectionString: url, max: opts.poolMax ?? 10, connectionTimeoutMillis: 5000 });
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
    close: () => pool.end(),
  };
}

/** Runs a raw SQL statement and returns its rows (the same on both drivers). */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
