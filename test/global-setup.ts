import { loadConfig } from '../src/config.js';
import { openAndPrepareDatabase } from '../src/infra/bootstrap.js';
import { STARTUP_HOOKS } from '../src/startup.js';

/**
 * With DATABASE_URL=postgres://… (CI), migrate the shared test database once before the workers
 * start. Without it every test file gets its own in-memory PGlite (test/helpers.ts).
 */
export default async function setup() {
  const url = process.env.DATABASE_URL;
  if (!url || !url.startsWith('postgres')) return;
  const database = await openAndPrepareDatabase(loadConfig({ ...process.env, NODE_ENV: 'test' }), STARTUP_HOOKS);
  await database.close();
}
