import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../infra/problem.js';
import { IdParams } from '../../infra/schemas.js';
import {
  BySkuParams, BySkuQuery, CatalogProduct, CatalogProductPage, CatalogQuery, Category, CategoryDetail, CategoryList,
  CategoryParams, CategoryQuery, CreateCategoryBody, CreateProductBody, ListCategoriesQuery, ListProductsQuery, Product, ProductPage,
  UpdateCategoryBody, UpdateProductBody,
} from './catalog.schemas.js';
import * as service from './catalog.service.js';

const SEARCH_RULES = '`q` is a full-text prefix search over name and SKU (weight A) and description (weight B): the text is cut into words '
  + 'of letters and digits in any script, each must match the start of a word ("app" finds "Apples Gala", "fr-00" finds SKU FR-001); '
  + 'text without a letter or digit matches nothing. With `q` and no `sort`, results come by relevance (`ts_rank_cd`), then id. '
  + '`category_id` includes every descendant category. `min_price`/`max_price` are inclusive decimals compared exactly (422 when '
  + 'min_price > max_price). `in_stock=true`: available > 0, `false`: available = 0. `sort` takes several keys in order '
  + '(`price,-created_at`). Two queries per page whatever its size.';

/** `/products` (supplier staff), `/categories`, and the buyer-facing `/catalog/products`. */
export const catalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['products'];

  app.post('/products', {
    schema: {
      tags, summary: 'Create a product (supplier owner or manager)',
      description: '`supplier_id` is needed only when the caller manages several suppliers. Prices (`price`, `cost_price`, '
        + '`compare_at_price`, the "was" price) are in the supplier\'s currency, with at most its minor digits. `initial_stock` puts '
        + 'whole units at the default location. `category_id` must be a category of the same supplier (422). A SKU already used by a '
        + 'product not archived of the supplier answers 409 `SKU_TAKEN`.',
      body: CreateProductBody, response: { 201: Product, ...problems(400, 401, 403, 404, 409, 422) },
    },
    config: { permission: 'products:manage' },
  }, async (req, reply) => reply.code(201).send(await service.createProduct(req.ctx, req.body)));

  app.get('/products', {
    schema: {
      tags, summary: 'The supplier\'s products (not archived), with stock, searched, filtered and sorted',
      description: `For the supplier's staff; \`supplier_id\` only when you belong to several suppliers (422 otherwise). ${SEARCH_RULES} `
        + 'Staff extras: `location_id` (stock figures and in_stock at that location of the supplier only; another location is 422), '
        + '`is_active`, `created_by` (a user id), and the sort key `cost_price` (products without one last). A `category_id` of another '
        + 'supplier is 422.',
      querystring: ListProductsQuery, response: { 200: ProductPage, ...problems(401, 403, 404, 422) },
    },
    config: { permission: 'products:read' },
  }, async (req) => service.listProducts(req.ctx, req.query));

  app.get('/products/by-sku/:sku', {
    schema: {
      tags, summary: 'One product by SKU (not archived), with stock',
      description: 'Seed 003\'s product by SKU. `supplier_id` is needed only when you belong to several suppliers (422 otherwise). '
        + 'Another supplier\'s SKU, an archived product or an unknown SKU answer 404. URL-encode a SKU holding `/`. '
        + 'A SKU over 100 characters is 422; a path parameter over 320 encoded characters is 414 `URI_TOO_LONG`.',
      params: BySkuParams, querystring: BySkuQuery, response: { 200: Product, ...problems(401, 403, 404, 414, 422) },
    },
    config: { permission: 'products:read' },
  }, async (req) => service.getProductBySku(req.ctx, req.params.sku, req.query));

  app.get('/products/:id', {
    schema: {
      tags, summary: 'One product with stock (archived products answer with archived_at set)',
      description: 'For the supplier\'s staff; another supplier\'s product answers 404.',
      params: IdParams, response: { 200: Product, ...problems(401, 403, 404, 422) },
    },
    config: { permission: 'products:read' },
  }, async (req) => service.getProduct(req.ctx, req.params.id));

  app.patch('/products/:id', {
    schema: {
      tags, summary: 'Change a product',
      description: 'Partial; `null` clears description, cost_price, compare_at_price, category_id, image_url. A new SKU is checked again '
        + '(409 `SKU_TAKEN`); prices are in the product\'s currency (422 otherwise). An archived product answers 404.',
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

  const categoryTags = ['categories'];

  app.post('/categories', {
    schema: {
      tags: categoryTags, summary: 'Create a category',
      description: '`slug` defaults to the slugified name and is unique per supplier (409 `SLUG_TAKEN`); it may not look like a UUID (422). '
        + '`parent_id` must be a category of the same supplier (422).',
      body: CreateCategoryBody, response: { 201: Category, ...problems(400, 401, 403, 404, 409, 422) },
    },
    config: { permission: 'categories:manage' },
  }, async (req, reply) => reply.code(201).send(await service.createCategory(req.ctx, req.body)));

  app.get('/categories', {
    schema: {
      tags: categoryTags, summary: 'A supplier\'s categories: a page, or the whole tree',
      description: 'For its staff, or anyone who may see its catalog (buyers see active categories only). Authentication optional; '
        + '`supplier_id` defaults to your only supplier (422 otherwise). Paged by name, filtered by `parent_id` (`null` for the roots) '
        + 'and `q` (name contains). With `tree=true`: the whole tree, root categories with nested `children` by name, not paged '
        + '(`total` counts every category in it); an inactive category hides its subtree from buyers. Unknown supplier 404; a linked '
        + 'supplier without an accepted link 403 `NO_ACCEPTED_LINK`.',
      querystring: ListCategoriesQuery, response: { 200: CategoryList, ...problems(401, 403, 404, 422) },
    },
    config: { auth: 'optional' },
  }, async (req) => service.listCategories(req.ctx, req.query));

  app.get('/categories/:id_or_slug', {
    schema: {
      tags: categoryTags, summary: 'One category with its ancestors and children',
      description: 'A UUID is looked up as an id, anything else as a slug of `supplier_id` (default: your only supplier, 422 otherwise). '
        + '`ancestors` run from the root down to the parent; `children` are the direct sub-categories by name. Readable by the '
        + 'supplier\'s staff or anyone who may see its catalog (active categories only). By id, a category you may not see is 404; '
        + 'by slug, an unknown supplier or slug is 404 and a linked supplier without an accepted link 403 `NO_ACCEPTED_LINK`. '
        + 'Authentication optional.',
      params: CategoryParams, querystring: CategoryQuery, response: { 200: CategoryDetail, ...problems(401, 403, 404, 422) },
    },
    config: { auth: 'optional' },
  }, async (req) => service.getCategory(req.ctx, req.params.id_or_slug, req.query));

  app.patch('/categories/:id', {
    schema: {
      tags: categoryTags, summary: 'Change a category (name, slug, description, parent, active)',
      description: 'Partial. `parent_id` must be a category of the same supplier (422) or null for a root; putting a category under '
        + 'itself or one of its descendants is 409 `CATEGORY_CYCLE` (parent changes of one supplier are serialised, so concurrent '
        + 'moves cannot make a cycle either). A slug in use is 409 `SLUG_TAKEN`. Another supplier\'s category is 404.',
      params: IdParams, body: UpdateCategoryBody, response: { 200: Category, ...problems(400, 401, 403, 404, 409, 422) },
    },
    config: { permission: 'categories:manage' },
  }, async (req) => service.updateCategory(req.ctx, req.params.id, req.body));

  app.delete('/categories/:id', {
    schema: {
      tags: categoryTags, summary: 'Delete a category',
      description: 'Only a category without sub-categories and without products that are not archived; otherwise 409 '
        + '`CATEGORY_IN_USE` with `details: {children, products}`. Archived products just lose the category. Another supplier\'s '
        + 'category is 404.',
      params: IdParams, response: { 204: { type: 'null', description: 'Deleted' }, ...problems(401, 403, 404, 409, 422) },
    },
    config: { permission: 'categories:manage' },
  }, async (req, reply) => {
    await service.deleteCategory(req.ctx, req.params.id);
    return reply.code(204).send();
  });

  app.get('/catalog/products', {
    schema: {
      tags: ['catalog'], summary: 'Browse products of the suppliers you may see, searched, filtered and sorted',
      description: 'Public suppliers for anyone; linked suppliers for consumers with an accepted link; your own supplier. Authentication optional. '
        + `Asking for a linked supplier without an accepted link answers 403 \`NO_ACCEPTED_LINK\`. ${SEARCH_RULES} `
        + '`available` and `in_stock` count active locations only; with `location_id`, that location only (an unknown or inactive '
        + 'location holds nothing; an unknown category matches nothing). No cost price: sorting by `cost_price` is 422.',
      querystring: CatalogQuery, response: { 200: CatalogProductPage, ...problems(401, 403, 404, 422) },
    },
    config: { auth: 'optional' },
  }, async (req) => service.listCatalog(req.ctx, req.query));

  app.get('/catalog/products/:id', {
    schema: {
      tags: ['catalog'], summary: 'One catalog product',
      description: 'By the same visibility rule as the list; a product you may not see, inactive or archived answers 404.',
      params: IdParams, response: { 200: CatalogProduct, ...problems(401, 404, 422) },
    },
    config: { auth: 'optional' },
  }, async (req) => service.getCatalogProduct(req.ctx, req.params.id));
};
