/**
 * The server's start-up mistakes: each bad configuration makes `src/server.ts` (spawned with tsx,
 * in an empty directory of its own) exit with code 1 and print one line saying what to do, with
 * no stack trace, within a bounded time. The PostgreSQL cases use the server on 127.0.0.1:5432
 * (user postgres) and are skipped when none answers there.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { loadConfig } from '../src/config.js';
import { demoLoginsWithPublishedPassword } from '../src/demo/demo.js';
import { ACME, DEMO_ADMIN, DEMO_PASSWORD, MAMI } from '../src/demo/fixture.js';
import { openAndPrepareDatabase } from '../src/infra/bootstrap.js';
import { STARTUP_HOOKS } from '../src/startup.js';
import { explainConnectionError } from '../src/infra/db/client.js';
import { users } from '../src/infra/db/schema.js';
import { hashPassword } from '../src/infra/passwords.js';
import { createPlatformAdmin } from '../src/modules/identity/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVER = path.join(ROOT, 'src/server.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/** A case that has not exited by then has hung (a PGlite path once did, for 60 s). */
const BOUND_MS = 30_000;

/** Whether something accepts TCP connections at `host:port`. */
function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}
const postgresRunning = await answers('127.0.0.1', 5432);

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs the server in `cwd` with only `env` (plus PATH and HOME) until it exits.
 * @throws when it is still running after BOUND_MS (it is killed).
 */
function start(env: Record<string, string>, cwd: string): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, SERVER], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', LOG_LEVEL: 'silent', LOAD_DEMO: 'false', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after ${BOUND_MS} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, BOUND_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Asserts exit code 1 and exactly one line on stderr, matching `message`. */
function expectOneLine(outcome: Outcome, message: RegExp) {
  const lines = outcome.stderr.trim().split('\n');
  expect(lines, outcome.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(lines[0]).not.toMatch(/^\s+at |Error:/);
  expect(outcome.code).toBe(1);
}

let dir: string;
let busy: net.Server;
let busyPort: number;
let otherBusy: net.Server;
let otherBusyPort: number;

/** A TCP server holding a free port on 127.0.0.1. */
async function holdPort(): Promise<[net.Server, number]> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return [server, (server.address() as net.AddressInfo).port];
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'agora-startup-'));
  [busy, busyPort] = await holdPort();
  [otherBusy, otherBusyPort] = await holdPort();
});

afterAll(async () => {
  await new Promise((resolve) => busy.close(resolve));
  await new Promise((resolve) => otherBusy.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh working directory under the test's own, with `dotEnv` as its .env when given. */
function workdir(name: string, dotEnv?: string): string {
  const cwd = mkdtempSync(path.join(dir, `${name}-`));
  if (dotEnv !== undefined) writeFileSync(path.join(cwd, '.env'), dotEnv);
  return cwd;
}

describe.concurrent('start-up mistakes', () => {
  it('reports a port in use before opening the database', async () => {
    // A database that would take seconds to reach: the port check comes first.
    const out = await start({ PORT: String(busyPort), HOST: '127.0.0.1', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/agora' }, workdir('port'));
    expectOneLine(out, new RegExp(`^Port ${busyPort} is already in use on 127\\.0\\.0\\.1: .*set PORT`));
  });

  it('reads .env from the working directory, and the environment wins over it', async () => {
    const fromFile = await start({}, workdir('env-file', `PORT=${busyPort}\nDATABASE_URL=pglite://memory\n`));
    expectOneLine(fromFile, new RegExp(`^Port ${busyPort} is already in use`));
    const fromEnv = await start({ PORT: String(otherBusyPort) }, workdir('env-wins', `PORT=${busyPort}\nDATABASE_URL=pglite://memory\n`));
    expectOneLine(fromEnv, new RegExp(`^Port ${otherBusyPort} is already in use`));
  });

  it('reports an invalid setting', async () => {
    const out = await start({ PORT: 'abc' }, workdir('config'));
    expectOneLine(out, /^Configuration error: PORT must be an integer/);
  });

  it('refuses CORS_ORIGINS=* in production', async () => {
    const out = await start({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), CORS_ORIGINS: '*' }, workdir('cors'));
    expectOneLine(out, /^Configuration error: CORS_ORIGINS=\* is not allowed in production: list the origins/);
  });

  it('reports an unreachable PostgreSQL (connection refused)', async () => {
    const out = await start({ PORT: '0', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/agora' }, workdir('refused'));
    expectOneLine(out, /^PostgreSQL refused the connection at 127\.0\.0\.1:1: start it, or fix the host and port in DATABASE_URL$/);
  });

  it('reports an unknown PostgreSQL host', async () => {
    const out = await start({ PORT: '0', DATABASE_URL: 'postgres://postgres@nohost.invalid:5432/agora' }, workdir('nohost'));
    expectOneLine(out, /^The PostgreSQL host "nohost\.invalid" in DATABASE_URL is unknown/);
  });

  it.skipIf(!postgresRunning)('reports a missing database', async () => {
    const name = `agora_missing_${process.pid}_${Date.now()}`;
    const out = await start({ PORT: '0', DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${name}` }, workdir('nodb'));
    expectOneLine(out, new RegExp(`^The database "${name}" does not exist on 127\\.0\\.0\\.1:5432: create it \\(createdb `));
  });

  it.skipIf(!postgresRunning)('reports an unknown role', async () => {
    const out = await start({ PORT: '0', DATABASE_URL: 'postgres://agora_no_such_role@127.0.0.1:5432/agora_no_such_db' }, workdir('norole'));
    expectOneLine(out, /^The PostgreSQL role "agora_no_such_role" does not exist on 127\.0\.0\.1:5432/);
  });

  it('reports a PGlite directory the file system refuses, at once', async () => {
    const out = await start({ PORT: '0', DATABASE_URL: 'pglite:///proc/agora-nope' }, workdir('proc'));
    expectOneLine(out, /^Cannot create the embedded database directory \/proc\/agora-nope \(.+\): set DATABASE_URL=pglite:/);
  });

  it('reports a PGlite directory under a file', async () => {
    const cwd = workdir('under-file');
    writeFileSync(path.join(cwd, 'a-file'), 'not a directory');
    const out = await start({ PORT: '0', DATABASE_URL: 'pglite://a-file/db' }, cwd);
    expectOneLine(out, /^Cannot create the embedded database directory a-file\/db \(.*a-file is a file\)/);
  });
});

describe('demo logins with the published password', () => {
  it('lists the active demo accounts that still have it, and none once changed', async () => {
    // A database of its own: the demo's fixed emails must not meet another file's users.
    const database = await openAndPrepareDatabase(loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'pglite://memory' }), STARTUP_HOOKS);
    try {
      expect(await demoLoginsWithPublishedPassword(database)).toBeNull();
      await createPlatformAdmin(database.db, { email: DEMO_ADMIN.email, password: DEMO_PASSWORD });
      await createPlatformAdmin(database.db, { email: ACME.consumer.owner.email, password: 'Changed-Pass1' });
      await createPlatformAdmin(database.db, { email: MAMI.shopper.email, password: DEMO_PASSWORD });
      await database.db.update(users).set({ isActive: false }).where(eq(users.email, MAMI.shopper.email));
      const open = await demoLoginsWithPublishedPassword(database);
      expect(open).toEqual({ password: DEMO_PASSWORD, logins: [{ email: DEMO_ADMIN.email, what: DEMO_ADMIN.what }] });
      await database.db
        .update(users)
        .set({ passwordHash: await hashPassword('Changed-Pass1') })
        .where(eq(users.email, DEMO_ADMIN.email));
      expect(await demoLoginsWithPublishedPassword(database)).toBeNull();
    } finally {
      await database.close();
    }
  });
});

describe('explainConnectionError', () => {
  const url = 'postgres://app:s3cret@db.example.com:6543/shop';
  const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

  it('names what to fix for the failures a start cannot provoke here, never showing the password', () => {
    const cases: [unknown, RegExp][] = [
      [pgError('28P01', 'password authentication failed for user "app"'), /rejected the password of user "app": fix the password in DATABASE_URL/],
      [new Error('timeout exceeded when trying to connect'), /db\.example\.com:6543 did not answer within 5 s/],
      [new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'), /asks for a password for user "app"/],
      [pgError('28000', 'no pg_hba.conf entry for host "10.0.0.1"'), /refused user "app" \(no pg_hba\.conf entry/],
      [Object.assign(new AggregateError([pgError('ECONNREFUSED', 'connect ECONNREFUSED ::1:6543')]), {}), /refused the connection at db\.example\.com:6543/],
    ];
    for (const [err, line] of cases) {
      const explained = explainConnectionError(err, url);
      expect(explained).toMatch(line);
      expect(explained).not.toContain('s3cret');
    }
  });

  it('leaves other errors alone', () => {
    expect(explainConnectionError(pgError('42P01', 'relation "x" does not exist'), url)).toBeUndefined();
    expect(explainConnectionError(new Error('boom'), url)).toBeUndefined();
  });
});
