import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../infra/problem.js';
import { IdParams, PageQuery, Query } from '../../infra/schemas.js';
import {
  AddMemberBody,
  CreateOrganizationBody,
  ListOrganizationsQuery,
  ListSuppliersQuery,
  Member,
  MemberPage,
  MemberParams,
  Organization,
  OrganizationPage,
  SupplierPage,
  UpdateMemberBody,
  UpdateOrganizationBody,
} from './organizations.schemas.js';
import * as service from './organizations.service.js';

/** `/organizations`, their members, and the public `/suppliers` directory. */
export const organizationsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['organizations'];

  app.post(
    '/organizations',
    {
      schema: {
        operationId: 'createOrganization',
        tags,
        summary: 'Create a supplier or consumer organization; the caller becomes its owner',
        body: CreateOrganizationBody,
        response: { 201: Organization, ...problems(400, 401, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await service.createOrganization(req.ctx, req.body)),
  );

  app.get(
    '/organizations',
    {
      schema: {
        operationId: 'listOrganizations',
        tags,
        summary: "The caller's organizations with their role",
        querystring: ListOrganizationsQuery,
        response: { 200: OrganizationPage, ...problems(401, 422) },
      },
    },
    async (req) => service.listMyOrganizations(req.ctx, req.query),
  );

  app.get(
    '/organizations/:id',
    {
      schema: {
        operationId: 'getOrganization',
        tags,
        summary: "One of the caller's organizations",
        params: IdParams,
        response: { 200: Organization, ...problems(401, 404, 422) },
      },
      config: { permission: 'organizations:read' },
    },
    async (req) => service.getOrganization(req.ctx, req.params.id),
  );

  app.patch(
    '/organizations/:id',
    {
      schema: {
        operationId: 'updateOrganization',
        tags,
        summary: "Rename, change catalog visibility, or set a supplier's tax and delivery settings (owner, manager)",
        description:
          'Partial. Supplier only (422 for a consumer): `catalog_visibility`; `tax_rate` in percent, 0..100, at most 4 ' +
          "decimals, a string or a number, exact; `delivery_fee`, money ≥ 0 in the organization's currency with at most its minor " +
          'digits; `free_delivery_threshold`, the same or null for none (a delivery order whose subtotal reaches it pays no fee). ' +
          'Every field is checked before anything is written and all bad fields are listed in one 422.',
        params: IdParams,
        body: UpdateOrganizationBody,
        response: { 200: Organization, ...problems(400, 401, 403, 404, 422) },
      },
      config: { permission: 'organizations:update' },
    },
    async (req) => service.updateOrganization(req.ctx, req.params.id, req.body),
  );

  app.get(
    '/organizations/:id/members',
    {
      schema: {
        operationId: 'listOrganizationMembers',
        tags,
        summary: 'Members and their roles',
        params: IdParams,
        querystring: Query(PageQuery),
        response: { 200: MemberPage, ...problems(401, 403, 404, 422) },
      },
      config: { permission: 'members:read' },
    },
    async (req) => service.listMembers(req.ctx, req.params.id, req.query),
  );

  app.post(
    '/organizations/:id/members',
    {
      schema: {
        operationId: 'addOrganizationMember',
        tags,
        summary: 'Add an existing user with a role',
        description: 'Supplier roles: owner, manager, sales, employee. Consumer roles: owner, buyer. Only an owner grants owner.',
        params: IdParams,
        body: AddMemberBody,
        response: { 201: Member, ...problems(400, 401, 403, 404, 422, { 409: ['ALREADY_MEMBER'] }) },
      },
      config: { permission: 'members:manage' },
    },
    async (req, reply) => reply.code(201).send(await service.addMember(req.ctx, req.params.id, req.body)),
  );

  app.patch(
    '/organizations/:id/members/:user_id',
    {
      schema: {
        operationId: 'changeMemberRole',
        tags,
        summary: "Change a member's role (an organization keeps at least one owner)",
        params: MemberParams,
        body: UpdateMemberBody,
        response: { 200: Member, ...problems(400, 401, 403, 404, 422, { 409: ['LAST_OWNER'] }) },
      },
      config: { permission: 'members:manage' },
    },
    async (req) => service.changeMemberRole(req.ctx, req.params.id, req.params.user_id, req.body.role),
  );

  app.delete(
    '/organizations/:id/members/:user_id',
    {
      schema: {
        operationId: 'removeOrganizationMember',
        tags,
        summary: 'Remove a member, or leave (an organization keeps at least one owner)',
        params: MemberParams,
        response: { 204: { type: 'null', description: 'Removed' }, ...problems(401, 403, 404, 422, { 409: ['LAST_OWNER'] }) },
      },
    },
    async (req, reply) => {
      await service.removeMember(req.ctx, req.params.id, req.params.user_id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/suppliers',
    {
      schema: {
        operationId: 'listSuppliers',
        tags: ['suppliers'],
        summary: 'Active suppliers, to find whom to ask for a link',
        querystring: ListSuppliersQuery,
        response: { 200: SupplierPage, ...problems(422) },
      },
      config: { auth: 'optional' },
    },
    async (req) => service.listSuppliers(req.ctx, req.query),
  );
};
