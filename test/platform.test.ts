import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { loggableError } from '../src/infra/http.js';
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

  it("sets helmet's security headers on pages and the REST set on the API, errors included", async () => {
    const page = await call(app, 'GET', '/health');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['x-frame-options']).toBe('SAMEORIGIN');
    for (const res of [await call(app, 'GET', '/api/v1/catalog/products'), await call(app, 'GET', '/api/v1/orders')]) {
      expect(res.headers).toMatchObject({
        'cache-control': 'no-store',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
      });
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
      expect(res.headers['x-request-id']).toBeTruthy();
    }
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
    const ok = await app.inject({
      method: 'OPTIONS',
      url: '/api/v1/users/me',
      headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'GET' },
    });
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://shop.example.com');
    const other = await app.inject({
      method: 'OPTIONS',
      url: '/api/v1/users/me',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' },
    });
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
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: 'pglite://.data/agora',
      accessTokenTtlSeconds: 1800,
      refreshTokenTtlSeconds: 30 * 86400,
      loadDemo: true,
    });
  });

  it('refuses a METRICS_TOKEN that cannot travel as a bearer token', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'has spaces and !' })).toThrow(ConfigError);
    expect(loadConfig({ METRICS_TOKEN: 'a1b2-c3_d4.e5~f6+g7/h8==' }).metricsToken).toBe('a1b2-c3_d4.e5~f6+g7/h8==');
  });

  it('listens on this machine only with the embedded database (the demo), on every interface with a server, unless HOST says', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ DATABASE_URL: 'postgres://x@localhost/db' }).host).toBe('0.0.0.0');
    expect(loadConfig({ DATABASE_URL: 'postgres://x@localhost/db', HOST: '10.0.0.5' }).host).toBe('10.0.0.5');
  });

  it('refuses CORS_ORIGINS=* in production, where the default allows no cross-origin caller', () => {
    const prod = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) };
    expect(() => loadConfig({ ...prod, CORS_ORIGINS: '*' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...prod, CORS_ORIGINS: ' * ' })).toThrow(/CORS_ORIGINS=\* is not allowed in production/);
    expect(loadConfig(prod).corsOrigins).toEqual([]);
    expect(loadConfig({ ...prod, CORS_ORIGINS: 'https://shop.example.com' }).corsOrigins).toEqual(['https://shop.example.com']);
    expect(loadConfig({}).corsOrigins).toBe('*');
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

  it('never loads the demo (published passwords) in production', () => {
    const prod = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) };
    expect(loadConfig(prod).loadDemo).toBe(false);
    expect(() => loadConfig({ ...prod, LOAD_DEMO: 'true' })).toThrow(/LOAD_DEMO/);
  });

  it('trusts no proxy unless told, and validates TRUST_PROXY', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(ConfigError);
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
    const path = await import('node:path');
    const join = (...parts: string[]) => path.join(...parts);
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

describe('logging', () => {
  it('keeps SQL parameters (password hashes, tokens) out of logged errors', () => {
    const err = Object.assign(new Error('Failed query: insert into "users" values ($1, $2)\nparams: x@example.com,$argon2id$v=19$m=19456$secret'), {
      cause: Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), { code: '23505', constraint: 'users_email_key' }),
    });
    const logged = JSON.stringify(loggableError(err));
    expect(logged).not.toContain('argon2id');
    expect(logged).not.toContain('x@example.com');
    expect(loggableError(err)).toMatchObject({ code: '23505', constraint: 'users_email_key' });
  });
});

describe('lists', () => {
  it('reject an absurd offset with 422', async () => {
    expectProblem(await call(app, 'GET', '/api/v1/suppliers?offset=99999999999999999999'), 422);
    expectProblem(await call(app, 'GET', '/api/v1/suppliers?limit=0'), 422);
    expectProblem(await call(app, 'GET', '/api/v1/suppliers?limit=101'), 422);
  });
});
