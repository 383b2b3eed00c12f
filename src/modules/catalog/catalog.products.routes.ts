import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../infra/problem.js';
import { IdParams } from '../../infra/schemas.js';
import { BySkuParams, BySkuQuery, CreateProductBody, ListProductsQuery, Product, ProductPage, SEARCH_RULES, UpdateProductBody } from './catalog.schemas.js';
import * as service from './catalog.products.js';

/** `/products`: the supplier staff's product CRUD, list and by-SKU lookup. */
export const productsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['products'];

  app.post(
    '/products',
    {
      schema: {
        operationId: 'createProduct',
        tags,
        summary: 'Create a product (supplier owner or manager)',
        description:
          '`supplier_id` is needed only when the caller manages several suppliers. Prices (`price`, `cost_price`, ' +
          '`compare_at_price`, the "was" price) are in the supplier\'s currency, with at most its minor digits. `initial_stock` puts ' +
          'whole units at the default location. `category_id` must be a category of the same supplier (422). A SKU already used by a ' +
          'product not archived of the supplier answers 409 `SKU_TAKEN`.',
        body: CreateProductBody,
        response: { 201: Product, ...problems(400, 401, 403, 404, 422, { 409: ['SKU_TAKEN'] }) },
      },
      config: { permission: 'products:manage' },
    },
    async (req, reply) => reply.code(201).send(await service.createProduct(req.ctx, req.body)),
  );

  app.get(
    '/products',
    {
      schema: {
        operationId: 'listProducts',
        tags,
        summary: "The supplier's products (not archived), with stock, searched, filtered and sorted",
        description:
          `For the supplier's staff; \`supplier_id\` only when you belong to several suppliers (422 otherwise). ${SEARCH_RULES} ` +
          'Staff extras: `location_id` (stock figures and in_stock at that location of the supplier only; another location is 422), ' +
          '`is_active`, `created_by` (a user id), and the sort key `cost_price` (products without one last). A `category_id` of another ' +
          'supplier is 422.',
        querystring: ListProductsQuery,
        response: { 200: ProductPage, ...problems(401, 403, 404, 422) },
      },
      config: { permission: 'products:read' },
    },
    async (req) => service.listProducts(req.ctx, req.query),
  );

  app.get(
    '/products/by-sku/:sku',
    {
      schema: {
        operationId: 'getProductBySku',
        tags,
        summary: 'One product by SKU (not archived), with stock',
        description:
          '`supplier_id` is needed only when you belong to several suppliers (422 otherwise). ' +
          "Another supplier's SKU, an archived product or an unknown SKU answer 404. URL-encode a SKU holding `/`. " +
          'A SKU over 100 characters is 422; a path parameter over 320 encoded characters is 414 `URI_TOO_LONG`.',
        params: BySkuParams,
        querystring: BySkuQuery,
        response: { 200: Product, ...problems(401, 403, 404, 414, 422) },
      },
      config: { permission: 'products:read' },
    },
    async (req) => service.getProductBySku(req.ctx, req.params.sku, req.query),
  );

  app.get(
    '/products/:id',
    {
      schema: {
        operationId: 'getProduct',
        tags,
        summary: 'One product with stock (archived products answer with archived_at set)',
        description: "For the supplier's staff; another supplier's product answers 404.",
        params: IdParams,
        response: { 200: Product, ...problems(401, 403, 404, 422) },
      },
      config: { permission: 'products:read' },
    },
    async (req) => service.getProduct(req.ctx, req.params.id),
  );

  app.patch(
    '/products/:id',
    {
      schema: {
        operationId: 'updateProduct',
        tags,
        summary: 'Change a product',
        description:
          'Partial; `null` clears description, cost_price, compare_at_price, category_id, image_url. A new SKU is checked again ' +
          "(409 `SKU_TAKEN`); prices are in the product's currency (422 otherwise). An archived product answers 404.",
        params: IdParams,
        body: UpdateProductBody,
        response: { 200: Product, ...problems(400, 401, 403, 404, 422, { 409: ['SKU_TAKEN'] }) },
      },
      config: { permission: 'products:manage' },
    },
    async (req) => service.updateProduct(req.ctx, req.params.id, req.body),
  );

  app.delete(
    '/products/:id',
    {
      schema: {
        operationId: 'archiveProduct',
        tags,
        summary: 'Archive a product',
        description: 'It leaves lists and the catalog and can no longer be ordered; its SKU may be reused.',
        params: IdParams,
        response: { 204: { type: 'null', description: 'Archived' }, ...problems(401, 403, 404, 422) },
      },
      config: { permission: 'products:manage' },
    },
    async (req, reply) => {
      await service.archiveProduct(req.ctx, req.params.id);
      return reply.code(204).send();
    },
  );
};
