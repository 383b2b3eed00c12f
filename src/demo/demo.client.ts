/**
 * The demo loader's client: requests through `app.inject` from a loopback address of its own, and
 * the account and organization steps every demo supplier and consumer goes through.
 */
import type { FastifyInstance, InjectOptions } from 'fastify';
import { DEMO_PASSWORD, type DemoUser } from './fixture.js';

/**
 * The loader's requests come from a loopback address of their own, so they count against their
 * own rate-limit bucket and do not use up the budget of a real local client (the smoke test, a
 * developer's first requests) right after start.
 */
const LOADER_ADDRESS = '127.0.0.2';

/** What an import answers, as far as the demo reads it. */
export interface ImportAnswer {
  summary?: Record<string, number>;
}

/** A minimal API client over `app.inject` that throws on any non-2xx answer. */
export class DemoClient {
  constructor(private readonly app: FastifyInstance) {}

  async send<T = unknown>(
    method: InjectOptions['method'],
    url: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const res = await this.app.inject({
      method,
      url,
      remoteAddress: LOADER_ADDRESS,
      headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.headers },
      ...(opts.body !== undefined ? { payload: opts.body as InjectOptions['payload'] } : {}),
    });
    if (res.statusCode < 200 || res.statusCode > 299) {
      throw new Error(`demo: ${method} ${url} answered ${res.statusCode}: ${res.body}`);
    }
    return (res.body ? JSON.parse(res.body) : undefined) as T;
  }

  /** POSTs a multipart/form-data body: text `fields`, then `content` as the file part `file`. */
  async upload<T = unknown>(url: string, token: string, fields: Record<string, string>, filename: string, content: string): Promise<T> {
    const boundary = '----agora-demo-boundary';
    const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
    parts.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/csv\r\n\r\n${content}\r\n--${boundary}--\r\n`,
    );
    return this.send<T>('POST', url, {
      token,
      body: Buffer.from(parts.join(''), 'utf8'),
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
  }
}

/** A registered demo account. */
export interface Session {
  id: string;
  email: string;
  token: string;
}

/** Registers a demo account through the API. */
export async function register(api: DemoClient, user: DemoUser): Promise<Session> {
  const body = await api.send<{ user: { id: string }; access_token: string }>('POST', '/api/v1/auth/register', {
    body: { email: user.email, password: DEMO_PASSWORD, full_name: user.fullName },
  });
  return { id: body.user.id, email: user.email, token: body.access_token };
}

/** Creates an organization owned by `owner`; returns its id. */
export async function createOrganization(api: DemoClient, owner: Session, body: Record<string, unknown>): Promise<string> {
  const org = await api.send<{ id: string }>('POST', '/api/v1/organizations', { token: owner.token, body });
  return org.id;
}

/** Adds `member` to the organization with `role`. */
export async function addMember(api: DemoClient, owner: Session, organizationId: string, member: Session, role: string): Promise<void> {
  await api.send('POST', `/api/v1/organizations/${organizationId}/members`, { token: owner.token, body: { email: member.email, role } });
}
