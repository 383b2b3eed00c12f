import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../infra/problem.js';
import { IdParams } from '../../infra/schemas.js';
import {
  CatalogProduct, CatalogProductPage, CatalogQuery, Category, CategoryPage, CreateCategoryBody, CreateProductBody,
  ListCategoriesQuery, ListProductsQuery, Product, ProductPage, UpdateProductBody,
} from './catalog.schemas.js';
import * as service from './catalog.service.js';

/** `/products` (supplier staff), `/categories`, and the buyer-facing `/catalog/products`. */
export const catalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['products'];

  app.post('/products', {
    schema: {
      tags, summary: 'Create a product (supplier owner or manager)',
      description: '`supplier_id` is needed only when the caller manages several suppliers. The price is in the supplier\'s currency, '
        + 'with at most its minor digits. `initial_stock` puts whole units at the default location.',
      body: CreateProductBody, response: { 201: Product, ...problems(400, 401, 403, 404, 409, 422) },
    },
    config: { permission: 'products:manage' },
  }, async (req, reply) => reply.code(201).send(await service.createProduct(req.ctx, req.body)));

  app.get('/products', {
    schema: {
      tags, summary: 'The supplier\'s products (not archived), with stock',
      querystring: ListProductsQuery, response: { 200: ProductPage, ...problems(401, 403, 404, 422) },
    },
    config: { permission: 'products:read' },
  }, async (req) => service.listProducts(req.ctx, req.query));

  app.get('/products/:id', {
    schema: {
      tags, summary: 'One product with stock (archived products answer with archived_at set)',
      params: IdParams, response: { 200: Product, ...problems(401, 403, 404, 422) },
    },
    config: { permission: 'products:read' },
  }, async (req) => service.getProduct(req.ctx, req.params.id));

  app.patch('/products/:id', {
    schema: {
      tags, summary: 'Change a product', description: 'Partial; `null` clears description, cost_price, category_id, image_url.',
      params: IdParams, body: UpdateProductBody, response: { 200: Product, ...problems(400, 401, 403, 404, 409, 422) },
    },
    config: { permission: 'products:manage' },
  }, async (req) => service.updateProduct(req.ctx, req.params.id, req.body));

  app.delete('/products/:id', {
    schema: {
      tags, summary: 'Archive a product', description: 'It leaves lists and the catalog and can no longer be ordered; its SKU may be reused.',
      params: IdParams, response: { 204: { type: 'null', description: 'Archived' }, ...problems(401, 403, 404, 422) },
    },
    config: { permission: 'products:manage' },
  }, async (req, reply) => {
    await service.archiveProduct(req.ctx, req.params.id);
    return reply.code(204).send();
  });

  app.post('/categories', {
    schema: {
      tags: ['categories'], summary: 'Create a category', body: CreateCategoryBody,
      response: { 201: Category, ...problems(400, 401, 403, 404, 409, 422) },
    },
    config: { permission: 'categories:manage' },
  }, async (req, reply) => reply.code(201).send(await service.createCategory(req.ctx, req.body)));

  app.get('/categories', {
    schema: {
      tags: ['categories'], summary: 'A supplier\'s categories',
      description: 'For its staff, or anyone who may see its catalog. Authentication optional.',
      querystring: ListCategoriesQuery, response: { 200: CategoryPage, ...problems(401, 403, 404, 422) },
    },
    config: { auth: 'optional' },
  }, async (req) => service.listCategories(req.ctx, req.query));

  app.get('/catalog/products', {
    schema: {
      tags: ['catalog'], summary: 'Browse products of the suppliers you may see',
      description: 'Public suppliers for anyone; linked suppliers for consumers with an accepted link; your own supplier. Authentication optional. '
        + 'Asking for a linked supplier without an accepted link answers 403 `NO_ACCEPTED_LINK`.',
      querystring: CatalogQuery, response: { 200: CatalogProductPage, ...problems(401, 403, 404, 422) },
    },
    config: { auth: 'optional' },
  }, async (req) => service.listCatalog(req.ctx, req.query));

  app.get('/catalog/products/:id', {
    schema: {
      tags: ['catalog'], summary: 'One catalog product', params: IdParams,
      response: { 200: CatalogProduct, ...problems(401, 404, 422) },
    },
    config: { auth: 'optional' },
  }, async (req) => service.getCatalogProduct(req.ctx, req.params.id));
};
