/**
 * `npm run lint:api`: builds the app on an in-memory database, writes the `/openapi.json` it
 * serves to a temporary file and lints it with Redocly CLI (`redocly.yaml`: the recommended
 * ruleset). Fails on any error or warning: the contract stays at 0/0.
 *
 *   npm run lint:api                       lint
 *   npm run lint:api -- --out openapi.json also keep the document there
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openAndPrepareDatabase } from '../src/infra/bootstrap.js';
import { STARTUP_HOOKS } from '../src/startup.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The document the app serves at `/openapi.json`, built over an in-memory database. */
async function servedOpenApi(): Promise<Record<string, unknown>> {
  const env = { ...process.env, NODE_ENV: 'test', DATABASE_URL: 'pglite://memory' };
  const config = loadConfig(env, { loadDemo: false });
  const database = await openAndPrepareDatabase(config, STARTUP_HOOKS);
  try {
    const app = await buildApp({ config, database });
    try {
      const res = await app.inject({ method: 'GET', url: '/openapi.json' });
      if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}: ${res.body.slice(0, 500)}`);
      return res.json();
    } finally {
      await app.close();
    }
  } finally {
    await database.close();
  }
}

interface LintProblem {
  ruleId: string;
  severity: string;
  message: string;
  location?: { pointer?: string }[];
}

/** Runs `redocly lint` on `file` with the repository's redocly.yaml; prints every problem, returns the totals. */
function redoclyLint(file: string): { errors: number; warnings: number } {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('@redocly/cli/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin: string | Record<string, string> };
  const bin = join(dirname(pkgPath), typeof pkg.bin === 'string' ? pkg.bin : pkg.bin.redocly);
  const run = spawnSync(process.execPath, [bin, 'lint', file, '--config', join(root, 'redocly.yaml'), '--format', 'json'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  let report: { totals: { errors: number; warnings: number }; problems: LintProblem[] };
  try {
    report = JSON.parse(run.stdout);
  } catch {
    process.stdout.write(run.stdout);
    throw new Error(`redocly lint exited with ${run.status} without a JSON report`);
  }
  for (const p of report.problems) {
    const where = p.location?.[0]?.pointer ?? '';
    console.log(
      `${p.severity === 'error' ? 'error' : 'warning'} ${p.ruleId} ${decodeURIComponent(where.replace(/~1/g, '/').replace(/~0/g, '~'))}\n  ${p.message}`,
    );
  }
  return report.totals;
}

async function main() {
  const outIndex = process.argv.indexOf('--out');
  const out = outIndex > 0 ? process.argv[outIndex + 1] : undefined;
  const doc = await servedOpenApi();
  const dir = mkdtempSync(join(tmpdir(), 'agora-openapi-'));
  const file = join(dir, 'openapi.json');
  try {
    writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
    if (out) copyFileSync(file, resolve(out));
    const { errors, warnings } = redoclyLint(file);
    const operations = Object.values(doc.paths as Record<string, object>).reduce((n, item) => n + Object.keys(item).length, 0);
    const schemas = Object.keys((doc.components as { schemas?: object } | undefined)?.schemas ?? {}).length;
    console.log(`openapi.json: ${operations} operations, ${schemas} named schemas; Redocly (recommended): ${errors} errors, ${warnings} warnings`);
    if (errors + warnings > 0) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
