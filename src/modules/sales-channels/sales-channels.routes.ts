import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../infra/problem.js';
import { IdParams } from '../../infra/schemas.js';
import { CreateSalesChannelBody, ListSalesChannelsQuery, SalesChannel, SalesChannelPage, UpdateSalesChannelBody } from './sales-channels.schemas.js';
import * as service from './sales-channels.service.js';

const DEFAULT_RULES =
  'Each supplier has one default channel (orders that name no channel go to it); it is always active. ' +
  'Making a channel the default unsets the previous one in the same transaction.';

/** `/sales-channels`: a supplier's sales channels. */
export const salesChannelsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['sales-channels'];

  app.post(
    '/sales-channels',
    {
      schema: {
        operationId: 'createSalesChannel',
        tags,
        summary: 'Create a sales channel (owner, manager)',
        description:
          '`supplier_id` is needed only when the caller belongs to several suppliers. Names are unique per supplier, ' +
          'case-insensitively (409 `CHANNEL_NAME_TAKEN`). `kind` defaults to online. The channel becomes the default when ' +
          '`is_default` is true, or when it is omitted and the supplier has no default yet and the channel is active. ' +
          `${DEFAULT_RULES} An inactive default is 409 \`DEFAULT_CHANNEL_INACTIVE\`.`,
        body: CreateSalesChannelBody,
        response: { 201: SalesChannel, ...problems(400, 401, 403, 404, 422, { 409: ['CHANNEL_NAME_TAKEN', 'DEFAULT_CHANNEL_INACTIVE', 'CONCURRENT_UPDATE'] }) },
      },
      config: { permission: 'channels:manage' },
    },
    async (req, reply) => reply.code(201).send(await service.createChannel(req.ctx, req.body)),
  );

  app.get(
    '/sales-channels',
    {
      schema: {
        operationId: 'listSalesChannels',
        tags,
        summary: "The supplier's sales channels, the default first",
        description:
          'The default channel always appears: when the supplier has none yet, a channel named "Default" (kind online) ' +
          'is created by this request. Then by name; `is_active` filters.',
        querystring: ListSalesChannelsQuery,
        response: { 200: SalesChannelPage, ...problems(401, 403, 404, 422) },
      },
      config: { permission: 'channels:read' },
    },
    async (req) => service.listChannels(req.ctx, req.query),
  );

  app.get(
    '/sales-channels/:id',
    {
      schema: {
        operationId: 'getSalesChannel',
        tags,
        summary: 'One sales channel',
        description: "Another supplier's channel answers 404.",
        params: IdParams,
        response: { 200: SalesChannel, ...problems(401, 403, 404, 422) },
      },
      config: { permission: 'channels:read' },
    },
    async (req) => service.getChannel(req.ctx, req.params.id),
  );

  app.patch(
    '/sales-channels/:id',
    {
      schema: {
        operationId: 'updateSalesChannel',
        tags,
        summary: 'Change a sales channel (owner, manager)',
        description:
          `Partial; \`null\` clears the description. A new name must be free (409 \`CHANNEL_NAME_TAKEN\`). ${DEFAULT_RULES} ` +
          'Deactivating the default, or making an inactive channel the default without activating it, is 409 ' +
          '`DEFAULT_CHANNEL_INACTIVE`; `is_default: false` on the default is 409 `DEFAULT_CHANNEL_REQUIRED` (make another one the ' +
          'default instead). Channels are not deleted: orders point at them; deactivate instead.',
        params: IdParams,
        body: UpdateSalesChannelBody,
        response: {
          200: SalesChannel,
          ...problems(400, 401, 403, 404, 422, { 409: ['CHANNEL_NAME_TAKEN', 'DEFAULT_CHANNEL_INACTIVE', 'DEFAULT_CHANNEL_REQUIRED'] }),
        },
      },
      config: { permission: 'channels:manage' },
    },
    async (req) => service.updateChannel(req.ctx, req.params.id, req.body),
  );
};
