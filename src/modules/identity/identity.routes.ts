import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../infra/problem.js';
import { AuthResponse, ChangePasswordBody, LoginBody, LogoutBody, Me, RefreshBody, RegisterBody, UpdateMeBody } from './identity.schemas.js';
import * as service from './identity.service.js';

/**
 * Auth and profile routes: `/auth/*` and `/users/me`. `membershipsOf` lists a user's memberships
 * for `/users/me` (the organizations module's, handed in by the app: identity does not import it).
 */
export const identityRoutes: FastifyPluginAsyncTypebox<{ authRateLimit: number; membershipsOf: service.MembershipsOf }> = async (app, opts) => {
  const authLimit = { max: opts.authRateLimit, timeWindow: '1 minute' };

  app.post(
    '/auth/register',
    {
      schema: {
        operationId: 'registerUser',
        tags: ['auth'],
        summary: 'Register a user and log in',
        description: 'The body never chooses a role. Password: 8..128 characters with upper case, lower case and a digit.',
        body: RegisterBody,
        response: { 201: AuthResponse, ...problems(400, 422, 429, { 409: ['EMAIL_TAKEN', 'USERNAME_TAKEN'] }) },
      },
      config: { auth: 'public', rateLimit: authLimit },
    },
    async (req, reply) => reply.code(201).send(await service.register(req.ctx, req.body)),
  );

  app.post(
    '/auth/login',
    {
      schema: {
        operationId: 'logIn',
        tags: ['auth'],
        summary: 'Log in with email or username and password',
        description: 'A wrong password and an unknown user get the same 401 `INVALID_CREDENTIALS`.',
        body: LoginBody,
        response: { 200: AuthResponse, ...problems(400, 422, 429, { 401: ['INVALID_CREDENTIALS'], 403: ['USER_INACTIVE'] }) },
      },
      config: { auth: 'public', rateLimit: authLimit },
    },
    async (req) => service.login(req.ctx, req.body, req.ip),
  );

  app.post(
    '/auth/refresh',
    {
      schema: {
        operationId: 'refreshTokens',
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new pair',
        description: 'Refresh tokens are single use. Presenting a used one answers 401 and revokes every token of its family.',
        body: RefreshBody,
        response: { 200: AuthResponse, ...problems(400, 422, 429, { 401: ['INVALID_REFRESH_TOKEN'], 403: ['USER_INACTIVE'] }) },
      },
      config: { auth: 'public', rateLimit: authLimit },
    },
    async (req) => service.refresh(req.ctx, req.body.refresh_token),
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        operationId: 'logOut',
        tags: ['auth'],
        summary: 'Revoke a refresh token family, or all of them',
        body: LogoutBody,
        response: { 204: { type: 'null', description: 'Logged out' }, ...problems(400, 401, 422) },
      },
    },
    async (req, reply) => {
      await service.logout(req.ctx, req.body ?? {});
      return reply.code(204).send();
    },
  );

  app.post(
    '/auth/change-password',
    {
      schema: {
        operationId: 'changePassword',
        tags: ['auth'],
        summary: 'Change the password; other sessions are logged out',
        body: ChangePasswordBody,
        response: { 200: AuthResponse, ...problems(400, 422, 429, { 401: ['INVALID_CREDENTIALS'] }) },
      },
      config: { rateLimit: authLimit },
    },
    async (req) => service.changePassword(req.ctx, req.body),
  );

  app.get(
    '/users/me',
    {
      schema: {
        operationId: 'getCurrentUser',
        tags: ['users'],
        summary: 'The caller, with platform roles and memberships',
        response: { 200: Me, ...problems(401) },
      },
    },
    async (req) => service.getMe(req.ctx, opts.membershipsOf),
  );

  app.patch(
    '/users/me',
    {
      schema: {
        operationId: 'updateCurrentUser',
        tags: ['users'],
        summary: "Update the caller's profile",
        body: UpdateMeBody,
        response: { 200: Me, ...problems(400, 401, 422, { 409: ['USERNAME_TAKEN'] }) },
      },
    },
    async (req) => service.updateMe(req.ctx, req.body, opts.membershipsOf),
  );
};
