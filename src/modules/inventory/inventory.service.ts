import type { Ctx } from '../../infra/context.js';

/** STUB, replaced by the inventory module: the supplier's default location, created on first use. */
export async function ensureDefaultLocation(_ctx: Ctx, _supplierId: string): Promise<{ id: string; name: string }> {
  throw new Error('not implemented yet');
}
