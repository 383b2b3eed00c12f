import type { Config } from '../config.js';
import { ensureBuiltinRoles } from '../modules/identity/index.js';
import { openDatabase, type Database } from './db/client.js';

/**
 * Opens the database named by the config, applies the committed migrations and upserts the
 * built-in roles. Used by the server, the CLIs and the tests alike.
 */
export async function openAndPrepareDatabase(config: Config): Promise<Database> {
  const database = await openDatabase(config.databaseUrl, { poolMax: config.databasePoolMax });
  try {
    await database.migrate();
    await ensureBuiltinRoles(database.db);
  } catch (err) {
    await database.close().catch(() => undefined);
    throw err;
  }
  return database;
}
