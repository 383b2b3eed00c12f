import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
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
    const where = url.slice('pglite://'.length);
    let client: PGlite;
    if (where === 'memory' || where === '') {
      client = new PGlite();
    } else {
      mkdirSync(where, { recursive: true });
      client = new PGlite(where);
    }
    await client.waitReady;
    const db = drizzlePglite(client, { schema, logger }) as unknown as Db;
    return {
      db,
      kind: 'pglite',
      queryCount: () => count,
      migrate: () => migratePglite(db as never, { migrationsFolder: MIGRATIONS_FOLDER }),
      ping: async () => void (await client.query('select 1')),
      close: () => client.close(),
    };
  }
  const pool = new pg.Pool({ connectionString: url, max: opts.poolMax ?? 10, connectionTimeoutMillis: 5000 });
  // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const db = drizzleNodePg(pool, { schema, logger }) as unknown as Db;
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
