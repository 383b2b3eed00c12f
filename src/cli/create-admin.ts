/**
 * `npm run create-admin -- --email admin@example.com --password 'S3cret-pass'`
 * (or ADMIN_EMAIL / ADMIN_PASSWORD in the environment): creates a platform admin, or grants the
 * platform admin role to an existing user (the password is then left unchanged).
 *
 * Exit codes: 0 done, 1 bad input or failure.
 */
import { parseArgs } from 'node:util';
import { loadConfig, loadEnvFile } from '../config.js';
import { openAndPrepareDatabase } from '../infra/bootstrap.js';
import { STARTUP_HOOKS } from '../startup.js';
import { AppError } from '../infra/errors.js';
import { createPlatformAdmin } from '../modules/identity/index.js';

const USAGE = `Usage: npm run create-admin -- --email <email> --password <password> [--name "Full Name"]
       (or set ADMIN_EMAIL and ADMIN_PASSWORD)
The password needs 8..128 characters with an upper case letter, a lower case letter and a digit.
An existing user keeps their password and is granted the platform admin role.`;

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

class InputError extends Error {}

function readInput(argv: string[], env: { email?: string; password?: string }) {
  let values: { email?: string; password?: string; name?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        email: { type: 'string' },
        password: { type: 'string' },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new InputError((err as Error).message);
  }
  if (values.help) return null;
  const email = (values.email ?? env.email ?? '').trim();
  const password = values.password ?? env.password ?? '';
  if (!email) throw new InputError('an email is required (--email or ADMIN_EMAIL)');
  if (!EMAIL_RE.test(email) || email.length > 254) throw new InputError(`"${email}" is not a valid email address`);
  if (!password) throw new InputError('a password is required (--password or ADMIN_PASSWORD)');
  const name = values.name?.trim();
  if (values.name !== undefined && !name) throw new InputError('--name must not be empty');
  return { email, password, name };
}

async function main(): Promise<number> {
  let config;
  let input;
  try {
    loadEnvFile();
    config = loadConfig(process.env, { loadDemo: false });
    input = readInput(process.argv.slice(2), { email: config.adminEmail, password: config.adminPassword });
  } catch (err) {
    if (err instanceof InputError) {
      console.error(`create-admin: ${err.message}\n\n${USAGE}`);
      return 1;
    }
    console.error(`create-admin: ${(err as Error).message}`);
    return 1;
  }
  if (!input) {
    console.log(USAGE);
    return 0;
  }
  const database = await openAndPrepareDatabase(config, STARTUP_HOOKS);
  try {
    const { created } = await createPlatformAdmin(database.db, { email: input.email, password: input.password, fullName: input.name });
    console.log(
      created
        ? `create-admin: created platform admin ${input.email}`
        : `create-admin: ${input.email} already existed; granted the platform admin role (password unchanged)`,
    );
    return 0;
  } catch (err) {
    if (err instanceof AppError) {
      console.error(`create-admin: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error('create-admin failed:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
