import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { call, createTestApp, expectProblem } from './helpers.js';

const { app } = await createTestApp({ corsOrigins: ['https://shop.example.com'] });

describe('platform', () => {
  it('answers X-Request-Id (echoed when sent) and problem+json for unknown routes', async () => {
    const res = await call(app, 'GET', '/api/v1/nope', { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(expectProblem(res, 404).request_id).toBe('abc-123');
    const gen = await call(app, 'GET', '/health');
    expect(gen.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reports health with a database check', async () => {
    const res = await call(app, 'GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', db: 'ok' });
  });

  it('sets security headers', async () => {
    const res = await call(app, 'GET', '/health');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBeTruthy();
  });

  it('serves the OpenAPI document with every route and its errors', async () => {
    const res = await call(app, 'GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const register = res.body.paths['/api/v1/auth/register'].post;
    expect(Object.keys(register.responses)).toEqual(expect.arrayContaining(['201', '409', '422']));
    const docs = await call(app, 'GET', '/docs/');
    expect(docs.status).toBe(200);
  });
});

describe('CORS', () => {
  it('answers a preflight from an allowed origin and not from another', async () => {
    const ok = await app.inject({ method: 'OPTIONS', url: '/api/v1/users/me', headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'GET' } });
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://shop.example.com');
    const other = await app.inject({ method: 'OPTIONS', url: '/api/v1/users/me', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('health when the database is down', async () => {
  const t = await createTestApp();
  it('answers 503 degraded', async () => {
    await t.database.close();
    const res = await call(t.app, 'GET', '/health');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'degraded', db: 'error' });
    t.close = async () => t.app.close();
  });
});

describe('configuration', () => {
  it('has defaults for everything', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, host: '0.0.0.0', databaseUrl: 'pglite://.data/agora', accessTokenTtlSeconds: 1800, refreshTokenTtlSeconds: 30 * 86400, loadDemo: true });
  });

  it.each([
    [{ PORT: 'abc' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ JWT_SECRET: 'short' }, /JWT_SECRET/],
    [{ NODE_ENV: 'production' }, /JWT_SECRET must be set/],
    [{ CORS_ORIGINS: 'not a url' }, /CORS_ORIGINS/],
    [{ LOAD_DEMO: 'maybe' }, /LOAD_DEMO/],
  ])('rejects %o with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(ConfigError);
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(message);
  });

  it('does not load the demo into a PostgreSQL server by default', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://x@localhost/db' }).loadDemo).toBe(false);
  });
});

describe('OpenAPI coverage', () => {
  it('describes every API route with a summary, tags and its error responses', async () => {
    const doc = (await call(app, 'GET', '/openapi.json')).body;
    const missing: string[] = [];
    for (const [path, ops] of Object.entries<Record<string, any>>(doc.paths)) {
      if (!path.startsWith('/api/')) continue;
      for (const [method, op] of Object.entries<any>(ops)) {
        const codes = Object.keys(op.responses ?? {});
        if (!op.summary || !op.tags?.length) missing.push(`${method} ${path}: summary/tags`);
        if (!codes.some((c) => c.startsWith('2'))) missing.push(`${method} ${path}: success response`);
        if (!codes.some((c) => c.startsWith('4'))) missing.push(`${method} ${path}: error responses`);
        if (op.security?.length === 1 && !codes.includes('401')) missing.push(`${method} ${path}: 401`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('embedded database directory lock', () => {
  it('refuses a second opener of the same PGlite directory, and frees it on close', async () => {
    const { mkdtempSync, existsSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { openDatabase, DatabaseInUseError } = await import('../src/infra/db/client.js');
    const dir = join(mkdtempSync(join(tmpdir(), 'agora-lock-')), 'db');
    const first = await openDatabase(`pglite://${dir}`);
    await expect(openDatabase(`pglite://${dir}`)).rejects.toBeInstanceOf(DatabaseInUseError);
    await first.close();
    expect(existsSync(`${dir}.lock`)).toBe(false);
    const again = await openDatabase(`pglite://${dir}`);
    await again.ping();
    await again.close();
  });
});
