import type { Db } from '../../infra/db/client.js';

/** STUB, replaced by the links module. */
export async function findAcceptedLinkConsumer(_db: Db, _consumerIds: string[], _supplierId: string): Promise<string | null> {
  throw new Error('not implemented yet');
}
