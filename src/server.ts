/**
 * Starts Agora: reads `.env` and the configuration, makes sure the port is free, opens and
 * migrates the database, loads the demo into an empty embedded database, then listens.
 *
 * A mistake the user can fix (an invalid setting, the port in use, a database that cannot be
 * reached or opened) ends the process with exit code 1 and ONE line on stderr saying what to do,
 * before any slow work where possible. The heavy modules are imported only once the port is known
 * to be free, so those mistakes are reported at once.
 */
import closeWithGrace from 'close-with-grace';
import { readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, loadEnvFile, type Config } from './config.js';
import type { DemoLogins } from './demo/demo.js';

/** A start-up failure the user can fix: its message, one line, is all that is printed. */
class StartupError extends Error {}

/** One line for an error of listening on `host:port`, or the error itself when it is another. */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  switch (err.code) {
    case 'EADDRINUSE':
      return new StartupError(`Port ${port} is already in use on ${host}: stop the process that holds it (another Agora?), or set PORT to a free port`);
    case 'EACCES':
      return new StartupError(`Port ${port} needs privileges this process does not have: set PORT to 1024 or above`);
    case 'EADDRNOTAVAIL':
      return new StartupError(`HOST=${host} is not an address of this machine: use 127.0.0.1, 0.0.0.0 or one of its own addresses`);
    case 'EAFNOSUPPORT':
      return new StartupError(`HOST=${host} is an IPv6 address and this machine has no IPv6: use 127.0.0.1 or 0.0.0.0`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(`HOST=${host} is not a known host name: use 127.0.0.1, 0.0.0.0 or one of this machine's addresses`);
  }
  return err;
}

/**
 * Binds `host:port` for a moment and lets it go, so that a port in use is reported before the
 * migrations and the demo (several seconds) rather than after them. Port 0 (any free port) always works.
 */
async function assertCanListen(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err) => reject(listenError(err, host, port)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/**
 * When this runs from the build (`dist/`) and a file under `src/` changed after it was built,
 * a line saying to rebuild; undefined otherwise. A walk of `src/`: a few milliseconds.
 */
function staleBuildWarning(): string | undefined {
  const here = fileURLToPath(import.meta.url);
  const root = path.resolve(path.dirname(here), '..');
  if (path.basename(path.dirname(here)) !== 'dist') return undefined;
  let built: number;
  try {
    built = statSync(here).mtimeMs;
    for (const entry of readdirSync(path.join(root, 'src'), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
      const file = path.join(entry.parentPath ?? entry.path, entry.name);
      if (statSync(file).mtimeMs > built) {
        return `Warning: ${path.relative(root, file)} changed after the build in dist/: run npm run build (or npm run dev, which runs src/ directly)`;
      }
    }
  } catch {
    return undefined; // no src/ beside dist/ (a deployed build): nothing to compare
  }
  return undefined;
}

/** Reads `.env` (when present) and the configuration. @throws StartupError naming the invalid setting. */
function readConfig(): Config {
  try {
    loadEnvFile();
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new StartupError(`Configuration error: ${err.message}`);
    throw err;
  }
}

/** The address to print for `host`: a wildcard address is reached as localhost. */
const shownHost = (host: string) => (host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host);

async function main() {
  const config = readConfig();
  await assertCanListen(config.host, config.port);
  const stale = staleBuildWarning();
  if (stale) console.warn(stale);

  const [{ buildApp }, { openAndPrepareDatabase }, { DatabaseOpenError }, { startEventDelivery }, { createPlatformAdmin }, demo, { STARTUP_HOOKS }] =
    await Promise.all([
      import('./app.js'),
      import('./infra/bootstrap.js'),
      import('./infra/db/client.js'),
      import('./infra/events.js'),
      import('./modules/identity/index.js'),
      import('./demo/demo.js'),
      import('./startup.js'),
    ]);

  let database;
  try {
    database = await openAndPrepareDatabase(config, STARTUP_HOOKS);
  } catch (err) {
    if (err instanceof DatabaseOpenError) throw new StartupError(err.message);
    throw err;
  }
  const app = await buildApp({ config, database });
  const loaded = config.loadDemo ? await demo.loadDemoIfEmpty(app, database) : null;
  // After the demo: the demo loads only into a database without users.
  if (config.adminEmail && config.adminPassword) {
    // Never promote an existing account at start: anyone may have registered that email first.
    const { created, promoted } = await createPlatformAdmin(database.db, { email: config.adminEmail, password: config.adminPassword, promoteExisting: false });
    if (created) app.log.info({ email: config.adminEmail }, 'platform admin created');
    else if (!promoted)
      app.log.warn({ email: config.adminEmail }, 'ADMIN_EMAIL belongs to an existing user who is not an admin; not promoted (use npm run create-admin)');
  }
  // The outbox dispatcher, and the NATS publisher when NATS_URL is set (NATS down: a warning, events wait).
  const stopDispatcher = await startEventDelivery(config, database, app.log);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    // Taken since the probe: close the database cleanly (PGlite) before saying so.
    await stopDispatcher();
    await app.close().catch(() => undefined);
    await database.close().catch(() => undefined);
    throw listenError(err as NodeJS.ErrnoException, config.host, config.port);
  }
  // Periodic jobs, each run once per period across every instance (src/infra/scheduler.ts), once listening.
  const [{ createScheduler }, { purgeExpiredIdempotencyKeys }] = await Promise.all([import('./infra/scheduler.js'), import('./infra/idempotency.js')]);
  const scheduler = createScheduler(database, app.log);
  scheduler.schedule('idempotency-keys-purge', 3600, async () => {
    const purged = await purgeExpiredIdempotencyKeys(database.db);
    if (purged > 0) app.log.info({ purged }, 'expired idempotency keys deleted');
  });

  // From the start of the process: module loading included.
  const ms = performance.now();
  const port = (app.server.address() as net.AddressInfo | null)?.port ?? config.port;
  const base = `http://${shownHost(config.host)}:${port}`;
  const local = config.host === '127.0.0.1' || config.host === 'localhost' || config.host === '::1';
  console.log(
    `Agora listening on ${base} (database: ${database.kind}, ready in ${ms.toFixed(0)} ms)${local ? '; this machine only (HOST=0.0.0.0 opens it to the network)' : ''}`,
  );
  console.log(`API docs: ${base}/docs`);

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
    await scheduler.stop();
    await stopDispatcher(); // running passes finish, then the NATS connection drains and closes
    await database.close();
  });

  // The demo logins, at every start while any demo account still has the published password. The
  // check (one query, an argon2 verification per demo account found) runs once the server is ready:
  // the first argon2 call of a process beside PGlite takes a few hundred milliseconds.
  try {
    const open = loaded ?? (await demo.demoLoginsWithPublishedPassword(database));
    if (open) printDemoLogins(open, { loaded: loaded !== null, production: config.nodeEnv === 'production' });
  } catch (err) {
    app.log.warn({ err }, 'could not check the demo accounts for the published password');
  }
}

/** Prints the demo logins (a warning naming them in production, where they should not exist). */
function printDemoLogins(open: DemoLogins, opts: { loaded: boolean; production: boolean }): void {
  if (opts.production) {
    console.warn(
      `Warning: demo accounts still have the published demo password: ${open.logins.map((l) => l.email).join(', ')}; change their passwords or deactivate them`,
    );
    return;
  }
  console.log(`\n${opts.loaded ? 'Demo data loaded. ' : ''}Log in with any of these (password for all: %s):`, open.password);
  for (const l of open.logins) console.log(`  ${l.email.padEnd(34)} ${l.what}`);
  console.log('');
}

main().catch((err) => {
  console.error(err instanceof StartupError ? err.message : err);
  process.exit(1);
});
