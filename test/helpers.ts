/**
 * Test helpers and factories. Every test file builds its own app over a real database: the
 * PostgreSQL server when DATABASE_URL=postgres://… (CI), otherwise an in-memory PGlite. Factories
 * make unique users and organizations, so files run in parallel and in any order.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { openAndPrepareDatabase } from '../src/infra/bootstrap.js';
import { STARTUP_HOOKS } from '../src/startup.js';
import type { Database } from '../src/infra/db/client.js';

export const PASSWORD = 'Password123';

export interface TestApp {
  app: FastifyInstance;
  database: Database;
  config: Config;
  close(): Promise<void>;
}

/** Builds an app over a real database; closes it after the file's tests. */
export async function createTestApp(overrides: Partial<Config> = {}): Promise<TestApp> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test' };
  if (!env.DATABASE_URL?.startsWith('postgres')) env.DATABASE_URL = 'pglite://memory';
  const config = loadConfig(env, { rateLimitAuthMax: 100_000, rateLimitMax: 100_000, loadDemo: false, ...overrides });
  const database = await openAndPrepareDatabase(config, STARTUP_HOOKS);
  const app = await buildApp({ config, database });
  await app.ready();
  const t: TestApp = {
    app,
    database,
    config,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
  afterAll(() => t.close());
  return t;
}

/** A response as tests read it. */
export interface Res<T = any> {
  status: number;
  body: T;
  headers: Record<string, unknown>;
}

/** Sends a request through `app.inject`; `token` becomes a bearer header. */
export async function call<T = any>(
  app: FastifyInstance,
  method: InjectOptions['method'],
  url: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Res<T>> {
  const res = await app.inject({
    method,
    url,
    headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.headers },
    ...(opts.body !== undefined ? { payload: opts.body as InjectOptions['payload'] } : {}),
  });
  const text = res.body;
  let body: unknown = text;
  if (text && /json/.test(String(res.headers['content-type']))) body = JSON.parse(text);
  return { status: res.statusCode, body: body as T, headers: res.headers };
}

/** A short unique suffix for names and emails. */
export const uniq = () => randomBytes(5).toString('hex');

export interface TestUser {
  id: string;
  email: string;
  token: string;
  refreshToken: string;
}

/** Registers a new user and returns its tokens. */
export async function registerUser(app: FastifyInstance, fields: { email?: string; full_name?: string; username?: string } = {}): Promise<TestUser> {
  const email = fields.email ?? `user-${uniq()}@example.com`;
  const res = await call(app, 'POST', '/api/v1/auth/register', {
    body: { email, password: PASSWORD, full_name: fields.full_name ?? 'Test User', ...(fields.username ? { username: fields.username } : {}) },
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.user.id, email, token: res.body.access_token, refreshToken: res.body.refresh_token };
}

/** Creates an organization owned by `owner`. */
export async function createOrganization(
  app: FastifyInstance,
  owner: TestUser,
  body: { type: 'supplier' | 'consumer'; name?: string; catalog_visibility?: 'linked' | 'public'; currency?: string },
) {
  const res = await call(app, 'POST', '/api/v1/organizations', { token: owner.token, body: { name: `${body.type} ${uniq()}`, ...body } });
  if (res.status !== 201) throw new Error(`create organization failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; name: string; slug: string; currency: string; catalog_visibility: string };
}

/** Adds a new user to an organization with `role`, through the API. */
export async function addMember(app: FastifyInstance, owner: TestUser, organizationId: string, role: string): Promise<TestUser> {
  const user = await registerUser(app);
  const res = await call(app, 'POST', `/api/v1/organizations/${organizationId}/members`, { token: owner.token, body: { email: user.email, role } });
  if (res.status !== 201) throw new Error(`add member failed: ${res.status} ${JSON.stringify(res.body)}`);
  return user;
}

/** A supplier with an owner, a manager, a sales rep and an employee. */
export async function buildSupplier(app: FastifyInstance, opts: { catalog_visibility?: 'linked' | 'public'; currency?: string } = {}) {
  const owner = await registerUser(app, { full_name: 'Supplier Owner' });
  const org = await createOrganization(app, owner, { type: 'supplier', ...opts });
  const [manager, sales, employee] = await Promise.all([
    addMember(app, owner, org.id, 'manager'),
    addMember(app, owner, org.id, 'sales'),
    addMember(app, owner, org.id, 'employee'),
  ]);
  return { org, owner, manager, sales, employee };
}

/** A consumer organization with an owner and a buyer. */
export async function buildConsumer(app: FastifyInstance) {
  const owner = await registerUser(app, { full_name: 'Consumer Owner' });
  const org = await createOrganization(app, owner, { type: 'consumer' });
  const buyer = await addMember(app, owner, org.id, 'buyer');
  return { org, owner, buyer };
}

/** Asserts a problem+json response and returns its body. */
export function expectProblem(res: Res, status: number, code?: string) {
  if (res.status !== status || (code && res.body?.code !== code)) {
    throw new Error(`expected ${status}${code ? ` ${code}` : ''}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
  if (!String(res.headers['content-type']).startsWith('application/problem+json')) {
    throw new Error(`expected application/problem+json, got ${String(res.headers['content-type'])}`);
  }
  return res.body;
}
