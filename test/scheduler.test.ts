import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows, type Database } from '../src/infra/db/client.js';
import { createScheduler, takeLease } from '../src/infra/scheduler.js';
import { call, createTestApp, uniq } from './helpers.js';

const { app, database, config } = await createTestApp();
// On PostgreSQL the second scheduler has a pool of its own (another instance); PGlite has one connection.
const other: Database = database.kind === 'postgres' ? await openDatabase(config.databaseUrl, { poolMax: 2 }) : database;
afterAll(async () => {
  if (other !== database) await other.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A logger that keeps what it is asked to log at error and warn. */
function recordingLog() {
  const lines: { level: string; obj: unknown; msg: string }[] = [];
  const log = {
    ...app.log,
    error: (obj: unknown, msg: string) => void lines.push({ level: 'error', obj, msg }),
    warn: (obj: unknown, msg: string) => void lines.push({ level: 'warn', obj, msg }),
    debug: () => undefined,
  } as unknown as typeof app.log;
  return { log, lines };
}

describe('scheduler', () => {
  it('runs a job once per period across two schedulers over one database, not twice', async () => {
    const name = `job-${uniq()}`;
    const runs: { at: number; by: string }[] = [];
    const a = createScheduler(database, app.log, { holder: 'instance-a', pollSeconds: 0.05 });
    const b = createScheduler(other, app.log, { holder: 'instance-b', pollSeconds: 0.05 });
    a.schedule(name, 1, async () => void runs.push({ at: performance.now(), by: 'a' }));
    b.schedule(name, 1, async () => void runs.push({ at: performance.now(), by: 'b' }));
    await sleep(3500);
    await Promise.all([a.stop(), b.stop()]);
    // Periods start at 0, ~1, ~2, ~3 s: four runs at most (two schedulers each running would be eight).
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.length).toBeLessThanOrEqual(4);
    for (let i = 1; i < runs.length; i++) expect(runs[i].at - runs[i - 1].at).toBeGreaterThanOrEqual(950);
    const [lease] = await queryRows<{ holder: string }>(database.db, sql`select holder from job_leases where name = ${name}`);
    expect(['instance-a', 'instance-b']).toContain(lease.holder);
  });

  it('takes a lease once while it is held, whatever the concurrency', async () => {
    const name = `lease-${uniq()}`;
    const taken = await Promise.all(Array.from({ length: 8 }, (_, i) => takeLease(i % 2 ? other : database, name, `h${i}`, 60)));
    expect(taken.filter(Boolean)).toHaveLength(1);
    expect(await takeLease(database, name, 'late', 60)).toBe(false);
    await database.db.execute(sql`update job_leases set expires_at = now() - interval '1 second' where name = ${name}`);
    expect(await takeLease(other, name, 'after-expiry', 60)).toBe(true);
  });

  it('logs a failing job and runs it again next period', async () => {
    const { log, lines } = recordingLog();
    const s = createScheduler(database, log, { pollSeconds: 0.05 });
    let calls = 0;
    s.schedule(`failing-${uniq()}`, 0.5, async () => {
      calls++;
      throw new Error('boom');
    });
    await sleep(1300);
    await s.stop();
    expect(calls).toBeGreaterThanOrEqual(2);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(calls);
    expect(errors[0].msg).toMatch(/failed/);
    expect((errors[0].obj as { job: string; err: Error }).err.message).toBe('boom');
  });

  it('stops cleanly: waits for the run in progress, then runs nothing more', async () => {
    const s = createScheduler(database, app.log, { pollSeconds: 0.05 });
    let finished = 0;
    let started = 0;
    s.schedule(`slow-${uniq()}`, 0.2, async () => {
      started++;
      await sleep(300);
      finished++;
    });
    await sleep(100);
    expect(started).toBe(1);
    await s.stop();
    expect(finished).toBe(1);
    await sleep(500);
    expect(started).toBe(1);
    expect(() => s.schedule('another', 1, async () => undefined)).toThrow(/stopped/);
  });

  it('refuses a job scheduled twice and a period that is not positive', async () => {
    const s = createScheduler(database, app.log);
    try {
      s.schedule(`twice-${uniq()}`, 60, async () => undefined);
      expect(() => s.schedule('bad', 0, async () => undefined)).toThrow(/positive/);
    } finally {
      await s.stop();
    }
  });
});

describe('GET /ready', () => {
  it('answers 200 ready with the database checked, and runs registered checks', async () => {
    const res = await call(app, 'GET', '/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', db: 'ok' });
    app.readiness.register('nats', async () => undefined);
    expect((await call(app, 'GET', '/ready')).body).toEqual({ status: 'ready', db: 'ok', nats: 'ok' });
    app.readiness.register('nats', () => Promise.reject(new Error('down')));
    const down = await call(app, 'GET', '/ready');
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ status: 'not_ready', db: 'ok', nats: 'error' });
    app.readiness.register('nats', async () => undefined);
  });

  it('answers 503 when Redis does not answer, and checks it when it does', async () => {
    const closed = await createTestApp({ redisUrl: 'redis://127.0.0.1:1' });
    const res = await call(closed.app, 'GET', '/ready');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'not_ready', db: 'ok', redis: 'error' });
    expect((await call(closed.app, 'GET', '/health')).status).toBe(200); // liveness does not depend on Redis
    // The machine's Redis (CI starts it when it is down), like the other real peers of the tests.
    const live = await createTestApp({ redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379' });
    expect((await call(live.app, 'GET', '/ready')).body).toEqual({ status: 'ready', db: 'ok', redis: 'ok' });
  });

  it('answers 503 when the database is closed', async () => {
    const t = await createTestApp();
    await t.database.close();
    t.database.close = async () => undefined; // closed already: the file's clean-up must not close it twice
    const res = await call(t.app, 'GET', '/ready');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'not_ready', db: 'error' });
    expect((await call(t.app, 'GET', '/health')).status).toBe(503);
  });
});
