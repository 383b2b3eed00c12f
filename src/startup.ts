/**
 * What every process (the server, the CLIs, the tests) runs on its database at start, after the
 * migrations: the start-up hooks handed to `openAndPrepareDatabase`. Infra runs them without
 * knowing the modules; they are listed here, above both.
 */
import type { StartupHook } from './infra/bootstrap.js';
import { ensureBuiltinRoles } from './modules/identity/index.js';

/** The start-up hooks, in order: the built-in roles (`src/infra/access.ts`) upserted into `roles`. */
export const STARTUP_HOOKS: readonly StartupHook[] = [ensureBuiltinRoles];
