import type { Ctx } from '../../infra/context.js';

/** A quantity of one product (whole units, ≥ 1). */
export interface StockLine {
  productId: string;
  quantity: number;
}

/** STUB, replaced by the orders work. */
export async function reserveStock(_ctx: Ctx, _input: { locationId: string; orderId: string; lines: StockLine[] }): Promise<void> {
  throw new Error('not implemented yet');
}
/** STUB. */
export async function deductStock(_ctx: Ctx, _input: { locationId: string; orderId: string; lines: StockLine[] }): Promise<void> {
  throw new Error('not implemented yet');
}
/** STUB. */
export async function releaseStock(_ctx: Ctx, _input: { locationId: string; orderId: string; lines: StockLine[] }): Promise<void> {
  throw new Error('not implemented yet');
}
