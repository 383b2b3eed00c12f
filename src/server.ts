import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openAndPrepareDatabase } from './infra/bootstrap.js';
import { DatabaseInUseError } from './infra/db/client.js';
import { startOutboxDispatcher } from './infra/outbox.js';
import { createPlatformAdmin } from './modules/identity/index.js';
import { loadDemoIfEmpty } from './demo/demo.js';

async function main() {
  const started = process.hrtime.bigint();
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const database = await openAndPrepareDatabase(config);
  const app = await buildApp({ config, database });
  if (config.loadDemo) {
    const demo = await loadDemoIfEmpty(app, database);
    if (demo) {
      console.log('\nDemo data loaded. Log in with any of these (password for all: %s):', demo.password);
      for (const l of demo.logins) console.log(`  ${l.email.padEnd(34)} ${l.what}`);
      console.log('');
    }
  }
  // After the demo: the demo loads only into a database without users.
  if (config.adminEmail && config.adminPassword) {
    // Never promote an existing account at start: anyone may have registered that email first.
    const { created, promoted } = await createPlatformAdmin(database.db, { email: config.adminEmail, password: config.adminPassword, promoteExisting: false });
    if (created) app.log.info({ email: config.adminEmail }, 'platform admin created');
    else if (!promoted) app.log.warn({ email: config.adminEmail }, 'ADMIN_EMAIL belongs to an existing user who is not an admin; not promoted (use npm run create-admin)');
  }
  const stopDispatcher = startOutboxDispatcher(database, app.log);
  await app.listen({ port: config.port, host: config.host });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const shown = config.host === '0.0.0.0' ? 'localhost' : config.host;
  console.log(`Agora listening on http://${shown}:${config.port} (database: ${database.kind}, ready in ${ms.toFixed(0)} ms)`);
  console.log(`API docs: http://${shown}:${config.port}/docs`);

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
    await stopDispatcher();
    await database.close();
  });
}

main().catch((err) => {
  if (err instanceof DatabaseInUseError) {
    console.error(err.message);
    process.exit(1);
  }
  console.error(err);
  process.exit(1);
});
