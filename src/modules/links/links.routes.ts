import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../infra/problem.js';
import { IdParams } from '../../infra/schemas.js';
import { CreateLinkRequestBody, Link, LinkPage, ListLinksQuery, UpdateLinkStatusBody } from './links.schemas.js';
import * as service from './links.service.js';

/** `/links`: consumers ask suppliers for a link; suppliers decide. */
export const linksRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['links'];

  app.post(
    '/links/requests',
    {
      schema: {
        operationId: 'requestLink',
        tags,
        summary: 'Ask a supplier for a link on behalf of a consumer organization',
        description:
          '`consumer_id` is needed only when the caller may request links for several consumer organizations. One link per (consumer, supplier) pair, whatever its status: a second answers 409 `LINK_EXISTS`.',
        body: CreateLinkRequestBody,
        response: { 201: Link, ...problems(400, 401, 403, 404, 422, { 409: ['LINK_EXISTS'] }) },
      },
      config: { permission: 'links:request' },
    },
    async (req, reply) => reply.code(201).send(await service.requestLink(req.ctx, req.body)),
  );

  app.patch(
    '/links/:id/status',
    {
      schema: {
        operationId: 'changeLinkStatus',
        tags,
        summary: "Accept, deny, block or reopen a link (the supplier's owner or manager)",
        description:
          'pending → accepted | denied; accepted → blocked; blocked → accepted; denied → pending. Anything else answers 409 `INVALID_STATUS_TRANSITION`.',
        params: IdParams,
        body: UpdateLinkStatusBody,
        response: { 200: Link, ...problems(400, 401, 403, 404, 422, { 409: ['INVALID_STATUS_TRANSITION', 'CONCURRENT_UPDATE'] }) },
      },
      config: { permission: 'links:decide' },
    },
    async (req) => service.changeLinkStatus(req.ctx, req.params.id, req.body),
  );

  app.get(
    '/links',
    {
      schema: {
        operationId: 'listLinks',
        tags,
        summary: "Links of the caller's consumer organizations, newest first",
        querystring: ListLinksQuery,
        response: { 200: LinkPage, ...problems(401, 403, 422) },
      },
      config: { permission: 'links:read' },
    },
    async (req) => service.listMyLinks(req.ctx, req.query),
  );

  app.get(
    '/links/incoming',
    {
      schema: {
        operationId: 'listIncomingLinks',
        tags,
        summary: "Links asked of the caller's supplier organizations, newest first",
        querystring: ListLinksQuery,
        response: { 200: LinkPage, ...problems(401, 403, 422) },
      },
      config: { permission: 'links:read' },
    },
    async (req) => service.listIncomingLinks(req.ctx, req.query),
  );

  app.get(
    '/links/:id',
    {
      schema: {
        operationId: 'getLink',
        tags,
        summary: 'One link, visible to members of either side',
        params: IdParams,
        response: { 200: Link, ...problems(401, 403, 404, 422) },
      },
      config: { permission: 'links:read' },
    },
    async (req) => service.getLink(req.ctx, req.params.id),
  );
};
