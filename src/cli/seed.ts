/**
 * `npm run seed`: empties the configured database (every table of `src/infra/db/schema.ts`) and
 * loads the demo through the API, then prints the demo logins.
 *
 * DESTRUCTIVE: it erases every row of the database named by DATABASE_URL. Meant for development
 * databases; it refuses to run with NODE_ENV=production.
 */
import { getTableName, is, sql } from 'drizzle-orm';
import { isPgSequence, PgTable } from 'drizzle-orm/pg-core';
import { buildApp } from '../app.js';
import { ConfigError, loadConfig, loadEnvFile, type Config } from '../config.js';
import { openAndPrepareDatabase } from '../infra/bootstrap.js';
import { STARTUP_HOOKS } from '../startup.js';
import type { Database } from '../infra/db/client.js';
import * as schema from '../infra/db/schema.js';
import { loadDemo } from '../demo/demo.js';

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The quoted names of every table the schema declares. */
function allTableNames(): string[] {
  const names = new Set<string>();
  for (const value of Object.values(schema)) {
    if (is(value, PgTable)) names.add(quote(getTableName(value)));
  }
  return [...names].sort();
}

/** The schema's own sequences (e.g. order numbers), which TRUNCATE … RESTART IDENTITY leaves alone. */
function allSequences(): { name: string; schema?: string }[] {
  return Object.values(schema)
    .filter(isPgSequence)
    .map((s) => ({ name: s.seqName as string, schema: s.schema }));
}

/**
 * Deletes every row of every table, restarts every sequence at its start value, then runs the
 * start-up hooks again (the built-in roles).
 * @returns the number of tables emptied.
 */
export async function emptyDatabase(database: Database): Promise<number> {
  const tables = allTableNames();
  await database.db.execute(sql.raw(`TRUNCATE TABLE ${tables.join(', ')} RESTART IDENTITY CASCADE`));
  for (const s of allSequences()) {
    await database.db.execute(sql.raw(`ALTER SEQUENCE ${s.schema ? `${quote(s.schema)}.` : ''}${quote(s.name)} RESTART`));
  }
  for (const hook of STARTUP_HOOKS) await hook(database.db);
  return tables.length;
}

async function main(): Promise<number> {
  let config: Config;
  try {
    // Request logs of the loader stay quiet unless LOG_LEVEL asks for them.
    loadEnvFile();
    config = loadConfig(process.env, { loadDemo: false });
    if (!process.env.LOG_LEVEL) config = { ...config, logLevel: 'warn' };
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      return 1;
    }
    throw err;
  }
  if (config.nodeEnv === 'production') {
    console.error('seed: refusing to erase a database with NODE_ENV=production');
    return 1;
  }
  const started = Date.now();
  const database = await openAndPrepareDatabase(config, STARTUP_HOOKS);
  try {
    const count = await emptyDatabase(database);
    console.log(`seed: emptied ${count} tables of the ${database.kind} database`);
    const app = await buildApp({ config, database });
    try {
      const demo = await loadDemo(app, database);
      console.log(`seed: demo loaded in ${((Date.now() - started) / 1000).toFixed(1)} s. Log in with any of these (password for all: ${demo.password}):`);
      for (const l of demo.logins) console.log(`  ${l.email.padEnd(34)} ${l.what}`);
    } finally {
      await app.close();
    }
  } finally {
    await database.close();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error('seed failed:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
