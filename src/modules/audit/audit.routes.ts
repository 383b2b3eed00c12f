import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../infra/problem.js';
import { AuditEntryPage, ListAuditQuery } from './audit.schemas.js';
import * as service from './audit.service.js';

/** `/audit`: who changed what, when. */
export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/audit',
    {
      schema: {
        operationId: 'listAuditEntries',
        tags: ['audit'],
        summary: 'The audit log: changes made by staff and admins, and logins (owner, manager, platform admin)',
        description:
          'Newest first. Owners and managers see the rows of their organizations (`organization_id` picks one: another ' +
          "organization's answers 404); platform admins see every row, logins included, and may filter by `organization_id`. " +
          '`from` and `to` bound `created_at` (inclusive; a date-only `to` covers that whole UTC day). What is audited and ' +
          'the format of `changes` are described in docs/decisions.md.',
        querystring: ListAuditQuery,
        response: { 200: AuditEntryPage, ...problems(401, 403, 404, 422) },
      },
      config: { permission: 'audit:read' },
    },
    async (req) => service.listAuditEntries(req.ctx, req.query),
  );
};
