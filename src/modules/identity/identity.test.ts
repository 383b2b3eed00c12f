import { describe, expect, it } from 'vitest';
import { call, createTestApp, expectProblem, PASSWORD, registerUser, uniq } from '../../../test/helpers.js';

const { app, database } = await createTestApp();

describe('register', () => {
  it('creates a user and answers tokens; the body cannot choose a role', async () => {
    const email = `Reg-${uniq()}@Example.com`;
    const res = await call(app, 'POST', '/api/v1/auth/register', {
      body: { email, password: PASSWORD, full_name: 'Ann Buyer', role: 'admin', phone: '+7 700 000 00 00' },
    });
    expect(res.status).toBe(201);
    expect(res.body.user.email).toBe(email.toLowerCase());
    expect(res.body.token_type).toBe('bearer');
    expect(res.body.expires_in).toBe(1800);
    expect(res.body.refresh_token).toMatch(/^[\w-]{40,}$/);
    expect(res.body.user).not.toHaveProperty('password_hash');
    const me = await call(app, 'GET', '/api/v1/users/me', { token: res.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.platform_roles).toEqual([]);
    expect(me.body.memberships).toEqual([]);
  });

  it('stores the password with argon2id', async () => {
    const u = await registerUser(app);
    const rows = await database.db.execute(`select password_hash from users where id = '${u.id}'` as never);
    expect(JSON.stringify(rows)).toContain('$argon2id$');
  });

  it('rejects a duplicate email (any case) and a duplicate username with 409', async () => {
    const u = await registerUser(app, { username: `name${uniq()}` });
    const dupEmail = await call(app, 'POST', '/api/v1/auth/register', { body: { email: u.email.toUpperCase(), password: PASSWORD, full_name: 'X' } });
    expectProblem(dupEmail, 409, 'EMAIL_TAKEN');
    const me = await call(app, 'GET', '/api/v1/users/me', { token: u.token });
    const dupName = await call(app, 'POST', '/api/v1/auth/register', {
      body: { email: `o-${uniq()}@example.com`, password: PASSWORD, full_name: 'X', username: me.body.username },
    });
    expectProblem(dupName, 409, 'USERNAME_TAKEN');
  });

  it.each([
    ['short', 'Ab1'],
    ['no upper case', 'password123'],
    ['no lower case', 'PASSWORD123'],
    ['no digit', 'PasswordOnly'],
    ['too long', `Aa1${'x'.repeat(130)}`],
  ])('rejects a weak password (%s) with 422 and writes nothing', async (_, password) => {
    const email = `weak-${uniq()}@example.com`;
    const res = await call(app, 'POST', '/api/v1/auth/register', { body: { email, password, full_name: 'Weak' } });
    const p = expectProblem(res, 422, 'VALIDATION_FAILED');
    expect(p.errors[0].path).toBe('body/password');
    const login = await call(app, 'POST', '/api/v1/auth/login', { body: { email, password } });
    expect(login.status).toBe(401);
  });

  it('rejects bad input with 422 per field, and bad JSON with 400', async () => {
    const res = await call(app, 'POST', '/api/v1/auth/register', { body: { email: 'not-an-email', password: PASSWORD } });
    const p = expectProblem(res, 422);
    expect(p.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body/email', 'body/full_name']);
    const bad = await call(app, 'POST', '/api/v1/auth/register', { body: '{"email":', headers: { 'content-type': 'application/json' } });
    expectProblem(bad, 400);
  });
});

describe('login', () => {
  it('logs in by email or username', async () => {
    const username = `login${uniq()}`;
    const u = await registerUser(app, { username });
    const byEmail = await call(app, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: PASSWORD } });
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.user.id).toBe(u.id);
    const byName = await call(app, 'POST', '/api/v1/auth/login', { body: { username, password: PASSWORD } });
    expect(byName.status).toBe(200);
  });

  it('answers the same 401 for a wrong password and an unknown user', async () => {
    const u = await registerUser(app);
    const wrong = expectProblem(
      await call(app, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: 'Wrong12345' } }),
      401,
      'INVALID_CREDENTIALS',
    );
    const unknown = expectProblem(
      await call(app, 'POST', '/api/v1/auth/login', { body: { email: `nobody-${uniq()}@example.com`, password: PASSWORD } }),
      401,
      'INVALID_CREDENTIALS',
    );
    expect(wrong.detail).toBe(unknown.detail);
  });

  it('refuses an inactive user with 403, on login and with an old token', async () => {
    const u = await registerUser(app);
    await database.db.execute(`update users set is_active = false where id = '${u.id}'` as never);
    expectProblem(await call(app, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: PASSWORD } }), 403, 'USER_INACTIVE');
    expectProblem(await call(app, 'GET', '/api/v1/users/me', { token: u.token }), 403, 'USER_INACTIVE');
  });
});

describe('tokens', () => {
  it('requires a valid bearer token', async () => {
    expectProblem(await call(app, 'GET', '/api/v1/users/me'), 401);
    expectProblem(await call(app, 'GET', '/api/v1/users/me', { token: 'garbage' }), 401, 'INVALID_TOKEN');
    const u = await registerUser(app);
    expectProblem(await call(app, 'GET', '/api/v1/users/me', { headers: { authorization: `Basic ${u.token}` } }), 401);
  });

  it('rotates refresh tokens; reusing one answers 401 and revokes the family', async () => {
    const u = await registerUser(app);
    const first = await call(app, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: u.refreshToken } });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(u.refreshToken);
    const me = await call(app, 'GET', '/api/v1/users/me', { token: first.body.access_token });
    expect(me.status).toBe(200);
    // Replaying the used token: refused, and the rotated one dies with it.
    expectProblem(await call(app, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: u.refreshToken } }), 401, 'INVALID_REFRESH_TOKEN');
    expectProblem(await call(app, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: first.body.refresh_token } }), 401, 'INVALID_REFRESH_TOKEN');
  });

  it('does not take an access token as a refresh token, nor a refresh token as an access token', async () => {
    const u = await registerUser(app);
    expectProblem(await call(app, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: u.token } }), 401, 'INVALID_REFRESH_TOKEN');
    expectProblem(await call(app, 'GET', '/api/v1/users/me', { token: u.refreshToken }), 401);
  });

  it('lets exactly one of two concurrent refreshes with the same token win', async () => {
    const u = await registerUser(app);
    const results = await Promise.all([1, 2].map(() => call(app, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: u.refreshToken } })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('logout revokes the refresh token family', async () => {
    const u = await registerUser(app);
    const res = await call(app, 'POST', '/api/v1/auth/logout', { token: u.token, body: { refresh_token: u.refreshToken } });
    expect(res.status).toBe(204);
    expectProblem(await call(app, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: u.refreshToken } }), 401);
  });
});

describe('change password', () => {
  it('changes it and revokes the other sessions', async () => {
    const u = await registerUser(app);
    const other = await call(app, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: PASSWORD } });
    const res = await call(app, 'POST', '/api/v1/auth/change-password', {
      token: u.token,
      body: { current_password: PASSWORD, new_password: 'NewPassword456' },
    });
    expect(res.status).toBe(200);
    expectProblem(await call(app, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: other.body.refresh_token } }), 401);
    expect((await call(app, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: res.body.refresh_token } })).status).toBe(200);
    expectProblem(await call(app, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: PASSWORD } }), 401);
    expect((await call(app, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: 'NewPassword456' } })).status).toBe(200);
  });

  it('refuses a wrong current password (401) and a weak new one (422)', async () => {
    const u = await registerUser(app);
    expectProblem(
      await call(app, 'POST', '/api/v1/auth/change-password', { token: u.token, body: { current_password: 'Wrong1234', new_password: 'NewPassword456' } }),
      401,
    );
    expectProblem(await call(app, 'POST', '/api/v1/auth/change-password', { token: u.token, body: { current_password: PASSWORD, new_password: 'weak' } }), 422);
    expect((await call(app, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: PASSWORD } })).status).toBe(200);
  });
});

describe('first platform admin', () => {
  it('is created by createPlatformAdmin, and an existing non-admin account is not promoted at start', async () => {
    const { createPlatformAdmin } = await import('./index.js');
    const email = `admin-${uniq()}@example.com`;
    const made = await createPlatformAdmin(database.db, { email, password: PASSWORD, promoteExisting: false });
    expect(made).toMatchObject({ created: true, promoted: true });
    const login = await call(app, 'POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });
    expect((await call(app, 'GET', '/api/v1/users/me', { token: login.body.access_token })).body.platform_roles).toEqual(['admin']);

    const squatter = await registerUser(app);
    const atStart = await createPlatformAdmin(database.db, { email: squatter.email, password: 'Another123', promoteExisting: false });
    expect(atStart).toMatchObject({ created: false, promoted: false });
    expect((await call(app, 'GET', '/api/v1/users/me', { token: squatter.token })).body.platform_roles).toEqual([]);
    // The operator's explicit command does promote (password unchanged).
    await createPlatformAdmin(database.db, { email: squatter.email, password: 'Another123' });
    expect((await call(app, 'GET', '/api/v1/users/me', { token: squatter.token })).body.platform_roles).toEqual(['admin']);
  });
});

describe('users/me', () => {
  it('updates the profile but never email or roles', async () => {
    const u = await registerUser(app);
    const res = await call(app, 'PATCH', '/api/v1/users/me', {
      token: u.token,
      body: { full_name: 'New Name', phone: '+1 555 0100', email: 'x@example.com', platform_roles: ['admin'] },
    });
    expect(res.status).toBe(200);
    expect(res.body.full_name).toBe('New Name');
    expect(res.body.email).toBe(u.email);
    expect(res.body.platform_roles).toEqual([]);
    expectProblem(await call(app, 'PATCH', '/api/v1/users/me', { token: u.token, body: {} }), 422);
  });
});

describe('rate limits', async () => {
  const limited = await createTestApp({ rateLimitAuthMax: 3 });
  const apiLimited = await createTestApp({ rateLimitMax: 3 });
  it('counts requests refused for a bad or missing token (401) like any other, so they are limited too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await call(apiLimited.app, 'GET', '/api/v1/orders', { headers: { authorization: 'Bearer not-a-token' } })).status);
    for (let i = 0; i < 2; i++) statuses.push((await call(apiLimited.app, 'GET', '/api/v1/orders')).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });
  it('limits the auth routes with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await call(limited.app, 'POST', '/api/v1/auth/login', { body: { email: 'nobody@example.com', password: 'Whatever1' } });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expectProblem(last!, 429, 'RATE_LIMITED');
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('cannot be escaped by sending a made-up X-Forwarded-For (proxies are not trusted by default)', async () => {
    const other = await createTestApp({ rateLimitAuthMax: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await call(other.app, 'POST', '/api/v1/auth/login', {
        body: { email: 'nobody@example.com', password: 'Whatever1' },
        headers: { 'x-forwarded-for': `10.0.0.${i}` },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });
});
