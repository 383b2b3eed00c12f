import type { Db } from '../infra/db/client.js';

/** Loads the demo when the database has no users (being built). */
export async function loadDemoIfEmpty(_db: Db): Promise<{ password: string; logins: { email: string; what: string }[] } | null> {
  return null;
}
