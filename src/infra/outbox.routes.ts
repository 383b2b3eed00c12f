import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { listParkedDeliveries, redeliverParked } from './outbox.admin.js';
import { problems } from './problem.js';
import { Nullable, Page, PageQuery, Query, Timestamp, Uuid } from './schemas.js';

const DeliveryState = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('parked')], {
  title: 'EventDeliveryState',
  description: '`pending` (tried at `next_attempt_at`), `delivered`, or `parked` (dead letter: its tries ran out).',
});
const DeliveredEvent = Type.Object(
  {
    id: Uuid,
    type: Type.String({ description: 'e.g. `order.placed` (docs/events.md)' }),
    version: Type.Integer({ description: "The version of the type's payload shape" }),
    organization_id: Nullable(Uuid, 'The organization it belongs to; null for a platform event'),
    aggregate_type: Type.String(),
    aggregate_id: Uuid,
    created_at: Timestamp,
  },
  { title: 'EventSummary' },
);
const EventDelivery = Type.Object(
  {
    id: Uuid,
    consumer: Type.String({ description: 'The consumer it is for: `nats` (the JetStream publisher) or an in-process subscriber' }),
    state: DeliveryState,
    attempts: Type.Integer({ description: 'Tries made since it was created or last redelivered' }),
    last_error: Nullable(Type.String(), 'What the last failed try answered'),
    next_attempt_at: Timestamp,
    created_at: Timestamp,
    event: DeliveredEvent,
  },
  { title: 'EventDelivery' },
);
const ParkedQuery = Query({
  consumer: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Only this consumer' })),
  event_type: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Only events of this type' })),
  ...PageQuery,
});
const DeliveryParams = Type.Object({ delivery_id: Uuid });

/** `GET /admin/events/parked` and `POST /admin/events/parked/{delivery_id}/redeliver` (platform admins). */
export const outboxAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/admin/events/parked',
    {
      schema: {
        tags: ['events'],
        operationId: 'listParkedEventDeliveries',
        summary: 'List parked event deliveries (platform admin)',
        description:
          'Deliveries of events to a consumer (the NATS publisher, an in-process subscriber) whose tries ran out, oldest first, with ' +
          'the event, the tries made and the last error. Platform administrators only.',
        querystring: ParkedQuery,
        response: { 200: Page(EventDelivery, 'EventDeliveryPage'), ...problems(401, 403, 422) },
      },
      config: { permission: 'events:manage' },
    },
    async (req) => listParkedDeliveries(req.ctx, req.query),
  );

  app.post(
    '/admin/events/parked/:delivery_id/redeliver',
    {
      schema: {
        tags: ['events'],
        operationId: 'redeliverParkedEventDelivery',
        summary: 'Redeliver a parked event delivery (platform admin)',
        description:
          'Puts a parked delivery back to pending, due now, with its tries counted from zero: the dispatcher tries it again at its ' +
          'next pass, with the same retries and backoff as a new one. Platform administrators only.',
        params: DeliveryParams,
        response: { 200: EventDelivery, ...problems(401, 403, 404, 422, { 409: ['DELIVERY_NOT_PARKED'] }) },
      },
      config: { permission: 'events:manage' },
    },
    async (req) => redeliverParked(req.ctx, req.params.delivery_id),
  );
};
