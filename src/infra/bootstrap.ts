import type { Config } from '../config.js';
import { DatabaseOpenError, explainConnectionError, openDatabase, type Database, type Db } from './db/client.js';

/** Work run on the database at every start, after the migrations (idempotent: e.g. upserting the built-in roles). */
export type StartupHook = (db: Db) => Promise<unknown>;

/** `err` as a DatabaseOpenError with one line saying what to do when it is a connection failure; else `err` itself. */
function explained(err: unknown, url: string): unknown {
  if (err instanceof DatabaseOpenError) return err;
  const line = explainConnectionError(err, url);
  return line ? new DatabaseOpenError(line, { cause: err }) : err;
}

/**
 * Opens the database named by the config, applies the committed migrations and runs the start-up
 * hooks in order (`STARTUP_HOOKS` of src/startup.ts: infra knows no module, so the caller hands
 * them in). Used by the server, the CLIs and the tests alike.
 * @throws DatabaseOpenError with a one-line message when the database cannot be opened for a
 * reason the user can fix (see `explainConnectionError`); any other error as it came.
 */
export async function openAndPrepareDatabase(config: Config, startupHooks: readonly StartupHook[]): Promise<Database> {
  let database: Database;
  try {
    database = await openDatabase(config.databaseUrl, { poolMax: config.databasePoolMax });
  } catch (err) {
    throw explained(err, config.databaseUrl);
  }
  try {
    await database.migrate();
    for (const hook of startupHooks) await hook(database.db);
  } catch (err) {
    await database.close().catch(() => undefined);
    throw explained(err, config.databaseUrl);
  }
  return database;
}
