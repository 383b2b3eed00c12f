import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../infra/problem.js';
import { IdParams } from '../../infra/schemas.js';
import {
  Category,
  CategoryDetail,
  CategoryList,
  CategoryParams,
  CategoryQuery,
  CreateCategoryBody,
  ListCategoriesQuery,
  UpdateCategoryBody,
} from './catalog.schemas.js';
import * as service from './catalog.categories.js';

/** `/categories`: a supplier's category tree (reads open to whoever may see its catalog). */
export const categoriesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const categoryTags = ['categories'];

  app.post(
    '/categories',
    {
      schema: {
        operationId: 'createCategory',
        tags: categoryTags,
        summary: 'Create a category',
        description:
          '`slug` defaults to the slugified name and is unique per supplier (409 `SLUG_TAKEN`); it may not look like a UUID (422). ' +
          '`parent_id` must be a category of the same supplier (422).',
        body: CreateCategoryBody,
        response: { 201: Category, ...problems(400, 401, 403, 404, 422, { 409: ['SLUG_TAKEN'] }) },
      },
      config: { permission: 'categories:manage' },
    },
    async (req, reply) => reply.code(201).send(await service.createCategory(req.ctx, req.body)),
  );

  app.get(
    '/categories',
    {
      schema: {
        operationId: 'listCategories',
        tags: categoryTags,
        summary: "A supplier's categories: a page, or the whole tree",
        description:
          'For its staff, or anyone who may see its catalog (buyers see active categories only). Authentication optional; ' +
          '`supplier_id` defaults to your only supplier (422 otherwise). Paged by name, filtered by `parent_id` (`null` for the roots) ' +
          'and `q` (name contains). With `tree=true`: the whole tree, root categories with nested `children` by name, not paged ' +
          '(`total` counts every category in it); an inactive category hides its subtree from buyers. Unknown supplier 404; a linked ' +
          'supplier without an accepted link 403 `NO_ACCEPTED_LINK`.',
        querystring: ListCategoriesQuery,
        response: { 200: CategoryList, ...problems(401, 404, 422, { 403: ['NO_ACCEPTED_LINK'] }) },
      },
      config: { auth: 'optional' },
    },
    async (req) => service.listCategories(req.ctx, req.query),
  );

  app.get(
    '/categories/:id',
    {
      schema: {
        operationId: 'getCategory',
        tags: categoryTags,
        summary: 'One category with its ancestors and children',
        description:
          '`id` is a category id, or a slug: anything that is not a UUID is looked up as a slug of `supplier_id` (default: your only supplier, 422 otherwise). ' +
          '`ancestors` run from the root down to the parent; `children` are the direct sub-categories by name. Readable by the ' +
          "supplier's staff or anyone who may see its catalog (active categories only). By id, a category you may not see is 404; " +
          'by slug, an unknown supplier or slug is 404 and a linked supplier without an accepted link 403 `NO_ACCEPTED_LINK`. ' +
          'Authentication optional.',
        params: CategoryParams,
        querystring: CategoryQuery,
        response: { 200: CategoryDetail, ...problems(401, 404, 422, { 403: ['NO_ACCEPTED_LINK'] }) },
      },
      config: { auth: 'optional' },
    },
    async (req) => service.getCategory(req.ctx, req.params.id, req.query),
  );

  app.patch(
    '/categories/:id',
    {
      schema: {
        operationId: 'updateCategory',
        tags: categoryTags,
        summary: 'Change a category (name, slug, description, parent, active)',
        description:
          'Partial. `parent_id` must be a category of the same supplier (422) or null for a root; putting a category under ' +
          'itself or one of its descendants is 409 `CATEGORY_CYCLE` (parent changes of one supplier are serialised, so concurrent ' +
          "moves cannot make a cycle either). A slug in use is 409 `SLUG_TAKEN`. Another supplier's category is 404.",
        params: IdParams,
        body: UpdateCategoryBody,
        response: { 200: Category, ...problems(400, 401, 403, 404, 422, { 409: ['CATEGORY_CYCLE', 'SLUG_TAKEN'] }) },
      },
      config: { permission: 'categories:manage' },
    },
    async (req) => service.updateCategory(req.ctx, req.params.id, req.body),
  );

  app.delete(
    '/categories/:id',
    {
      schema: {
        operationId: 'deleteCategory',
        tags: categoryTags,
        summary: 'Delete a category',
        description:
          'Only a category without sub-categories and without products that are not archived; otherwise 409 ' +
          "`CATEGORY_IN_USE` with `details: {children, products}`. Archived products just lose the category. Another supplier's " +
          'category is 404.',
        params: IdParams,
        response: { 204: { type: 'null', description: 'Deleted' }, ...problems(401, 403, 404, 422, { 409: ['CATEGORY_IN_USE'] }) },
      },
      config: { permission: 'categories:manage' },
    },
    async (req, reply) => {
      await service.deleteCategory(req.ctx, req.params.id);
      return reply.code(204).send();
    },
  );
};
