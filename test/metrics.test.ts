import { describe, expect, it } from 'vitest';
import { bearerMatches, metrics } from '../src/infra/metrics.js';
import { recordEvent } from '../src/infra/outbox.js';
import { inTransaction, type Ctx } from '../src/infra/context.js';
import { call, createTestApp, expectProblem, registerUser } from './helpers.js';

const open = await createTestApp();
const guarded = await createTestApp({ metricsToken: 'metrics-secret-token' });
const production = await createTestApp({ nodeEnv: 'production' });

/** The value of one sample line (`name{labels} value`) of a scrape, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[4]);
  }
  return undefined;
}

describe('GET /metrics', () => {
  it('answers Prometheus text with process metrics, the request histogram by route template, the pool and the outbox backlog', async () => {
    const user = await registerUser(open.app);
    const product = '00000000-0000-7000-8000-000000000000';
    const got = await call(open.app, 'GET', `/api/v1/products/${product}`, { token: user.token }); // 403: no inventory role
    expect(got.status).toBeGreaterThanOrEqual(400);
    expect((await call(open.app, 'GET', '/no/such/path')).status).toBe(404);
    const res = await call(open.app, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['x-request-id']).toBeTruthy();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const text = res.body as string;
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_heap_size_used_bytes gauge');
    expect(text).toContain('# TYPE agora_http_request_duration_seconds histogram');
    // The route template, not the path with the id; unknown paths are one label.
    expect(
      sample(text, 'agora_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/products/:id', status_code: String(got.status) }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(product);
    expect(sample(text, 'agora_http_request_duration_seconds_count', { route: 'unmatched', status_code: '404' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'agora_http_request_duration_seconds_bucket', { route: '/api/v1/products/:id', le: '+Inf' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'agora_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(open.database.kind === 'pglite' ? 1 : 0);
    if (open.database.kind === 'postgres') expect(sample(text, 'agora_db_pool_connections', { state: 'waiting' })).toBe(0);
    expect(sample(text, 'agora_outbox_undelivered_events')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'agora_outbox_oldest_undelivered_age_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('does not time itself, and is hidden from the OpenAPI document', async () => {
    await call(open.app, 'GET', '/metrics');
    const text = (await call(open.app, 'GET', '/metrics')).body as string;
    expect(text).not.toContain('route="/metrics"');
    const doc = await call(open.app, 'GET', '/openapi.json');
    expect(Object.keys(doc.body.paths)).not.toContain('/metrics');
  });

  it('counts an undelivered outbox event and its age', async () => {
    const ctx = { db: open.database.db } as unknown as Ctx;
    await inTransaction(ctx, (tx) =>
      recordEvent(tx, { type: 'test.metrics', aggregateType: 'test', aggregateId: '00000000-0000-7000-8000-000000000001', payload: {} }),
    );
    const text = (await call(open.app, 'GET', '/metrics')).body as string;
    expect(sample(text, 'agora_outbox_undelivered_events')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'agora_outbox_oldest_undelivered_age_seconds')).toBeGreaterThan(0);
  });

  it('requires the bearer token when METRICS_TOKEN is set', async () => {
    const none = await call(guarded.app, 'GET', '/metrics');
    expectProblem(none, 401, 'UNAUTHORIZED');
    expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expectProblem(await call(guarded.app, 'GET', '/metrics', { token: 'metrics-secret-tokem' }), 401, 'UNAUTHORIZED');
    expectProblem(await call(guarded.app, 'GET', '/metrics', { headers: { authorization: 'metrics-secret-token' } }), 401, 'UNAUTHORIZED');
    const ok = await call(guarded.app, 'GET', '/metrics', { token: 'metrics-secret-token' });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('agora_http_request_duration_seconds');
  });

  it('answers 404 in production without a token, like an unknown path', async () => {
    const body = expectProblem(await call(production.app, 'GET', '/metrics'), 404, 'NOT_FOUND');
    expect(body.detail).toBe('No route GET /metrics');
  });

  it('compares tokens exactly', () => {
    expect(bearerMatches('Bearer abc', 'abc')).toBe(true);
    expect(bearerMatches('bearer abc', 'abc')).toBe(true);
    expect(bearerMatches('Bearer abcd', 'abc')).toBe(false);
    expect(bearerMatches('Bearer ', 'abc')).toBe(false);
    expect(bearerMatches(undefined, 'abc')).toBe(false);
  });

  it('gives later modules get-or-create metrics on the same registry', async () => {
    const a = metrics.counter({ name: 'agora_test_things_total', help: 'things', labelNames: ['kind'] });
    const b = metrics.counter({ name: 'agora_test_things_total', help: 'things', labelNames: ['kind'] });
    expect(b).toBe(a);
    a.inc({ kind: 'x' }, 2);
    expect(() => metrics.gauge({ name: 'agora_test_things_total', help: 'clash' })).toThrow(/another kind/);
    const text = (await call(open.app, 'GET', '/metrics')).body as string;
    expect(sample(text, 'agora_test_things_total', { kind: 'x' })).toBe(2);
  });
});
