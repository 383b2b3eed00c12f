/**
 * Test factories over `test/helpers.ts`: objects made through the API, as a client would make them,
 * each with unique names so that test files never clash. Use these instead of a local `product()`
 * or `link()` in a test file.
 */
import type { FastifyInstance } from 'fastify';
import type { ProductDto } from '../src/modules/catalog/catalog.schemas.js';
import type { LinkDto } from '../src/modules/links/links.schemas.js';
import { buildConsumer, buildSupplier, call, uniq } from './helpers.js';

/** A supplier with its owner, manager, sales rep and employee (`buildSupplier`). */
export type TestSupplier = Awaited<ReturnType<typeof buildSupplier>>;
/** A consumer organization with its owner and a buyer (`buildConsumer`). */
export type TestConsumer = Awaited<ReturnType<typeof buildConsumer>>;

/**
 * Fields of `POST /api/v1/products`, any of which overrides the factory's default, plus `stock`.
 * Values are sent as given (a test may send a number as a price, or a bad value on purpose).
 */
export interface ProductFields {
  /**
   * Initial stock at the supplier's default location (`initial_stock`), default 100. `null` sends
   * no `initial_stock` at all: no stock level, no movement, no default location created. An
   * explicit `initial_stock` field wins over `stock`.
   */
  stock?: number | null;
  [field: string]: unknown;
}

/**
 * Creates a product of `supplier` with `POST /api/v1/products` and returns it as the API answered
 * (201). Defaults: SKU `SKU-<unique>`, name `Product <unique>`, price `100.00`, 100 units of initial
 * stock (see `ProductFields.stock`); every other field comes from `fields`.
 * @param opts.token who creates it (default the supplier's owner).
 * @throws Error with the answer when the API does not answer 201.
 */
export async function buildProduct(
  app: FastifyInstance,
  supplier: TestSupplier,
  fields: ProductFields = {},
  opts: { token?: string } = {},
): Promise<ProductDto> {
  const { stock = 100, ...rest } = fields;
  const body: Record<string, unknown> = { sku: `SKU-${uniq()}`, name: `Product ${uniq()}`, price: '100.00', ...rest };
  if (!('initial_stock' in rest) && stock !== null) body.initial_stock = stock;
  const res = await call(app, 'POST', '/api/v1/products', { token: opts.token ?? supplier.owner.token, body });
  if (res.status !== 201) throw new Error(`create product failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as ProductDto;
}

/**
 * Links `consumer` to `supplier` through the API: the consumer's owner asks
 * (`POST /api/v1/links/requests` with both ids), then the supplier's owner decides
 * (`PATCH /api/v1/links/{id}/status`) as the wanted status requires:
 * `pending` (no decision), `accepted` (the default), `denied`, or `blocked` (accepted, then blocked).
 * @returns the link as the API answered the last step.
 * @throws Error with the answer when a step fails.
 */
export async function buildLink(
  app: FastifyInstance,
  supplier: TestSupplier,
  consumer: TestConsumer,
  opts: { status?: 'pending' | 'accepted' | 'denied' | 'blocked' } = {},
): Promise<LinkDto> {
  const status = opts.status ?? 'accepted';
  const req = await call(app, 'POST', '/api/v1/links/requests', {
    token: consumer.owner.token,
    body: { supplier_id: supplier.org.id, consumer_id: consumer.org.id },
  });
  if (req.status !== 201) throw new Error(`link request failed: ${req.status} ${JSON.stringify(req.body)}`);
  let link = req.body as LinkDto;
  const steps = { pending: [], accepted: ['accepted'], denied: ['denied'], blocked: ['accepted', 'blocked'] }[status];
  for (const step of steps) {
    const res = await call(app, 'PATCH', `/api/v1/links/${link.id}/status`, { token: supplier.owner.token, body: { status: step } });
    if (res.status !== 200) throw new Error(`link ${step} failed: ${res.status} ${JSON.stringify(res.body)}`);
    link = res.body as LinkDto;
  }
  return link;
}

/** What `buildWorld` makes. */
export interface TestWorld {
  supplier: TestSupplier;
  consumer: TestConsumer;
  /** The accepted link between them. */
  link: LinkDto;
  /** The supplier's products, in creation order, each with `stock` units at the default location. */
  products: ProductDto[];
}

/**
 * A small trading world: a supplier with staff (`buildSupplier`), a consumer with an owner and a
 * buyer (`buildConsumer`) linked to it (`buildLink`, accepted), and `products` products (default
 * 1) of the supplier with `stock` units each (default 100) at its default location.
 * @param opts.visibility the supplier's catalog visibility (default `linked`).
 * @param opts.currency the supplier's currency (default the API's).
 * @param opts.product more fields of every product (`buildProduct`'s `fields`; `stock` is `opts.stock`).
 */
export async function buildWorld(
  app: FastifyInstance,
  opts: { products?: number; stock?: number; visibility?: 'linked' | 'public'; currency?: string; product?: Omit<ProductFields, 'stock'> } = {},
): Promise<TestWorld> {
  const [supplier, consumer] = await Promise.all([
    buildSupplier(app, { catalog_visibility: opts.visibility ?? 'linked', ...(opts.currency ? { currency: opts.currency } : {}) }),
    buildConsumer(app),
  ]);
  const link = await buildLink(app, supplier, consumer);
  const products: ProductDto[] = [];
  // One after the other: the first creates the default location, and creation order is kept.
  for (let i = 0; i < (opts.products ?? 1); i++) {
    products.push(await buildProduct(app, supplier, { ...opts.product, stock: opts.stock ?? 100 }));
  }
  return { supplier, consumer, link, products };
}
