import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../infra/problem.js';
import { IdParams } from '../../infra/schemas.js';
import { CatalogProduct, CatalogProductPage, CatalogQuery, SEARCH_RULES } from './catalog.schemas.js';
import * as service from './catalog.browse.js';

/** `/catalog/products`: the buyer-facing catalog (authentication optional). */
export const browseRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/catalog/products',
    {
      schema: {
        operationId: 'listCatalogProducts',
        tags: ['catalog'],
        summary: 'Browse products of the suppliers you may see, searched, filtered and sorted',
        description:
          'Public suppliers for anyone; linked suppliers for consumers with an accepted link; your own supplier. Authentication optional. ' +
          `Asking for a linked supplier without an accepted link answers 403 \`NO_ACCEPTED_LINK\`. ${SEARCH_RULES} ` +
          '`available` and `in_stock` count active locations only; with `location_id`, that location only (an unknown or inactive ' +
          'location holds nothing; an unknown category matches nothing). No cost price: sorting by `cost_price` is 422.',
        querystring: CatalogQuery,
        response: { 200: CatalogProductPage, ...problems(401, 404, 422, { 403: ['NO_ACCEPTED_LINK'] }) },
      },
      config: { auth: 'optional' },
    },
    async (req) => service.listCatalog(req.ctx, req.query),
  );

  app.get(
    '/catalog/products/:id',
    {
      schema: {
        operationId: 'getCatalogProduct',
        tags: ['catalog'],
        summary: 'One catalog product',
        description: 'By the same visibility rule as the list; a product you may not see, inactive or archived answers 404.',
        params: IdParams,
        response: { 200: CatalogProduct, ...problems(401, 404, 422) },
      },
      config: { auth: 'optional' },
    },
    async (req) => service.getCatalogProduct(req.ctx, req.params.id),
  );
};
