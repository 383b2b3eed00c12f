/**
 * `npm run bench`: Agora against a minimal Fastify + pg baseline running the same SQL, on the local
 * PostgreSQL, 10,000 products in 3 suppliers (docs/conventions.md, "Performance"). See bench/README.md.
 *
 * Steps: fresh database → Agora server (child process) → seed through the API → SQL trace of one
 * request per case on both servers (separate, short-lived instances) → baseline server (child
 * process) → parity check (both answer the same) → per case: warm-up then autocannon against each
 * server, peak RSS sampled → bench/RESULTS.md (also printed).
 *
 * Environment (all optional):
 *   BENCH_DATABASE_URL   postgres://postgres@127.0.0.1:5432/agora_bench (dropped and recreated;
 *                        the database name must contain "bench")
 *   BENCH_DURATION       seconds measured per case and server (10)
 *   BENCH_WARMUP         seconds of warm-up before each measurement (3; 0 = none)
 *   BENCH_CONNECTIONS    concurrent connections (50)
 *   BENCH_ROUNDS         rounds per case; the order alternates (Agora first, then baseline first) (1)
 *   BENCH_POOL           PostgreSQL pool size of BOTH servers (10, Agora's default DATABASE_POOL_MAX)
 *   BENCH_PRODUCTS       products in total (10000)
 *   BENCH_SEED_API       how many of them are created through the API; the rest by multi-row SQL (900)
 *   BENCH_CASES          cases to run, e.g. "a,b" (a,b,c)
 *   BENCH_TRACE          0 skips the SQL trace step (1)
 *   BENCH_RESULTS        where to write the report (bench/RESULTS.md)
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import autocannon, { type RawRequest, type Result } from 'autocannon';
import pg from 'pg';
import { cpuSeconds, freePort, installCleanup, sampleRss, startServer, type Server } from './procs.js';
import { prng, seed, type Dataset } from './seed.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/* ---------- configuration ---------- */

function intEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  return n;
}

function readConfig() {
  const c = {
    databaseUrl: process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/agora_bench',
    duration: intEnv('BENCH_DURATION', 10, 1, 3600),
    warmup: intEnv('BENCH_WARMUP', 3, 0, 600),
    connections: intEnv('BENCH_CONNECTIONS', 50, 1, 10_000),
    rounds: intEnv('BENCH_ROUNDS', 1, 1, 20),
    pool: intEnv('BENCH_POOL', 10, 1, 500),
    products: intEnv('BENCH_PRODUCTS', 10_000, 30, 1_000_000),
    seedApi: intEnv('BENCH_SEED_API', 900, 30, 1_000_000),
    cases: (process.env.BENCH_CASES || 'a,b,c')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
    trace: process.env.BENCH_TRACE !== '0',
    results: path.resolve(ROOT, process.env.BENCH_RESULTS || 'bench/RESULTS.md'),
  };
  for (const k of c.cases) if (!['a', 'b', 'c'].includes(k)) throw new Error(`BENCH_CASES: unknown case "${k}" (a, b or c)`);
  return c;
}

const cfg = (() => {
  try {
    return readConfig();
  } catch (err) {
    console.error(`Benchmark configuration error: ${(err as Error).message}`);
    process.exit(1);
  }
})();

const log = (msg: string) => console.log(msg);

/* ---------- database ---------- */

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/**
 * Drops and recreates the bench database (connecting to the server's `postgres` database).
 * @throws with a clear message when PostgreSQL is unreachable or the name looks like a real database.
 */
async function resetDatabase(url: string): Promise<string> {
  const name = databaseName(url);
  if (!/bench/i.test(name)) throw new Error(`refusing to drop database "${name}": the bench database's name must contain "bench" (BENCH_DATABASE_URL)`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    const where = `${admin.hostname}:${admin.port || 5432}`;
    throw new Error(
      `PostgreSQL is not reachable at ${where} as "${admin.username || 'postgres'}" (${(err as Error).message}). Start it, or point BENCH_DATABASE_URL at a server where this user may create databases.`,
    );
  }
  try {
    const quoted = `"${name.replace(/"/g, '""')}"`;
    await client.query(`drop database if exists ${quoted} with (force)`);
    await client.query(`create database ${quoted}`);
    return (await client.query<{ version: string }>('select version()')).rows[0].version;
  } finally {
    await client.end();
  }
}

/** Fresh planner statistics after the bulk load, whatever autovacuum has done yet (both servers profit alike). */
async function analyze(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('analyze');
  } finally {
    await client.end();
  }
}

/* ---------- servers ---------- */

const jwtSecret = randomBytes(32).toString('hex');

function agoraEnv(port: number, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: cfg.databaseUrl,
    DATABASE_POOL_MAX: String(cfg.pool),
    JWT_SECRET: jwtSecret,
    JWT_ISSUER: 'agora',
    JWT_ACCESS_TOKEN_EXPIRES_MINUTES: '720',
    LOG_LEVEL: 'warn',
    LOAD_DEMO: 'false',
    RATE_LIMIT_MAX: '1000000',
    RATE_LIMIT_AUTH_MAX: '1000000',
    ...extra,
  };
  // In-memory rate limits (no Redis round trip the baseline would not make); no admin creation.
  delete env.REDIS_URL;
  delete env.ADMIN_EMAIL;
  delete env.ADMIN_PASSWORD;
  return env;
}

function baselineEnv(port: number, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    BASELINE_PORT: String(port),
    DATABASE_URL: cfg.databaseUrl,
    BASELINE_POOL_MAX: String(cfg.pool),
    JWT_SECRET: jwtSecret,
    JWT_ISSUER: 'agora',
    ...extra,
  };
}

const logDir = mkdtempSync(path.join(tmpdir(), 'agora-bench-'));

async function startAgora(name: string, preload: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<Server> {
  const port = await freePort();
  return startServer({
    name,
    args: ['--import', 'tsx', '--import', './bench/orphan-guard.ts', ...preload.flatMap((p) => ['--import', p]), 'src/server.ts'],
    cwd: ROOT,
    env: agoraEnv(port, extraEnv),
    port,
    logFile: path.join(logDir, `${name.replace(/\W+/g, '-')}.log`),
  });
}

async function startBaseline(name: string, preload: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<Server> {
  const port = await freePort();
  return startServer({
    name,
    args: ['--import', 'tsx', '--import', './bench/orphan-guard.ts', ...preload.flatMap((p) => ['--import', p]), 'bench/baseline.ts'],
    cwd: ROOT,
    env: baselineEnv(port, extraEnv),
    port,
    logFile: path.join(logDir, `${name.replace(/\W+/g, '-')}.log`),
  });
}

/* ---------- the cases ---------- */

interface Sample {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

interface Case {
  key: 'a' | 'b' | 'c';
  title: string;
  what: string;
  /** Minimum Agora/baseline ratio of requests/s (the target), if any. */
  targetRatio?: number;
  targetP99Ms: number;
  /** A fresh request generator: the same sequence for every server and round. */
  generator(): () => Sample;
  /** How the two answers to the same sample must agree. */
  compare(agora: unknown, baseline: unknown): string[];
}

function buildCases(ds: Dataset): Case[] {
  const supplierB = ds.suppliers.find((s) => s.key === 'B')!;
  const catalogPath = `/api/v1/catalog/products?limit=20&q=${encodeURIComponent(ds.catalogQuery)}&category_id=${ds.catalogCategory.id}`;
  const all: Case[] = [
    {
      key: 'a',
      title: '(a) GET /api/v1/catalog/products?limit=20&q=…&category_id=…',
      what: `Catalog page as the consumer's buyer: text query \`${ds.catalogQuery}\`, category \`${ds.catalogCategory.name}\` of ${ds.catalogCategory.supplier} (a root: its descendants count), visibility rule (public suppliers OR accepted link; supplier C hidden), page of 20 + total.`,
      targetRatio: 0.7,
      targetP99Ms: 50,
      generator: () => () => ({ method: 'GET', path: catalogPath }),
      compare: (a, b) => diff(a, b),
    },
    {
      key: 'b',
      title: '(b) GET /api/v1/orders/{id}',
      what: `One order with 3–5 lines and its status history, as its buyer; the requests rotate over ${ds.orderIds.length} orders.`,
      targetRatio: 0.7,
      targetP99Ms: 50,
      generator: () => {
        let i = 0;
        return () => ({ method: 'GET', path: `/api/v1/orders/${ds.orderIds[i++ % ds.orderIds.length]}` });
      },
      compare: (a, b) => diff(a, b),
    },
    {
      key: 'c',
      title: '(c) POST /api/v1/orders (3 lines)',
      what: `Places an order of 3 distinct products (quantities 1–3) drawn from ${ds.orderablePool.length} products of ${supplierB.name} (linked supplier, buyer's consumer resolved through the accepted link); stock 1,000,000 per product, so no 409 is expected.`,
      targetP99Ms: 50,
      generator: () => {
        const rnd = prng(7);
        const pool = ds.orderablePool;
        return () => {
          const picked = new Set<string>();
          while (picked.size < 3) picked.add(pool[Math.floor(rnd() * pool.length)]);
          const items = [...picked].map((product_id) => ({ product_id, quantity: 1 + Math.floor(rnd() * 3) }));
          return { method: 'POST', path: '/api/v1/orders', body: JSON.stringify({ supplier_id: supplierB.id, items }) };
        };
      },
      // Two placements are never identical: compare with ids, numbers and times blanked.
      compare: (a, b) => diff(blankVolatile(a), blankVolatile(b)),
    },
  ];
  return all.filter((c) => cfg.cases.includes(c.key));
}

const authHeaders = (ds: Dataset, s: Sample): Record<string, string> => ({
  authorization: `Bearer ${ds.consumer.buyer.token}`,
  ...(s.body !== undefined ? { 'content-type': 'application/json' } : {}),
});

/** Sends one sample request; returns status and parsed body. */
async function send(ds: Dataset, base: string, s: Sample): Promise<{ status: number; body: unknown; bytes: number }> {
  const res = await fetch(`${base}${s.path}`, { method: s.method, headers: authHeaders(ds, s), body: s.body });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* keep the text */
  }
  return { status: res.status, body, bytes: Buffer.byteLength(text) };
}

/* ---------- parity ---------- */

/** Paths where two JSON values differ (at most `max`). */
function diff(a: unknown, b: unknown, at = '$', out: string[] = [], max = 8): string[] {
  if (out.length >= max) return out;
  if (a === b) return out;
  const show = (v: unknown) => (v === undefined ? 'absent' : JSON.stringify(v)?.slice(0, 80));
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    out.push(`${at}: Agora ${show(a)} / baseline ${show(b)}`);
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${at}.length: Agora ${a.length} / baseline ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) diff(a[i], b[i], `${at}[${i}]`, out, max);
    return out;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) diff(ao[k], bo[k], `${at}.${k}`, out, max);
  return out;
}

const VOLATILE = new Set(['id', 'number', 'created_at', 'updated_at']);
function blankVolatile(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(blankVolatile);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, VOLATILE.has(k) && x !== null ? '…' : blankVolatile(x)]));
  }
  return v;
}

interface Parity {
  agoraStatus: number;
  baselineStatus: number;
  agoraBytes: number;
  baselineBytes: number;
  differences: string[];
  agoraTotal?: number;
}

async function checkParity(ds: Dataset, c: Case, agora: Server, baseline: Server): Promise<Parity> {
  const sample = c.generator()();
  const a = await send(ds, agora.url, sample);
  const b = await send(ds, baseline.url, sample);
  const differences = a.status !== b.status ? [`status: Agora ${a.status} / baseline ${b.status}`] : [];
  differences.push(...c.compare(a.body, b.body));
  const total = (a.body as { total?: number })?.total;
  return {
    agoraStatus: a.status,
    baselineStatus: b.status,
    agoraBytes: a.bytes,
    baselineBytes: b.bytes,
    differences,
    agoraTotal: typeof total === 'number' ? total : undefined,
  };
}

/* ---------- SQL trace ---------- */

interface Trace {
  agora: string[];
  baseline: string[];
}

/**
 * Statements sent between `from` (byte offset) and the end of a trace file, without the outbox
 * dispatcher's transactions (recognised by their `FOR UPDATE SKIP LOCKED` on their connection).
 */
function readTrace(file: string, from: number): string[] {
  const text = readFileSync(file, 'utf8').slice(from);
  const rows = text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { c: number; sql: string });
  const drop = new Set<number>();
  const open = new Map<number, number[]>();
  rows.forEach((r, i) => {
    const s = r.sql.toLowerCase();
    if (s === 'begin' || s.startsWith('begin ')) open.set(r.c, [i]);
    else if (open.has(r.c)) {
      const block = open.get(r.c)!;
      block.push(i);
      if (s === 'commit' || s === 'rollback') {
        if (block.some((j) => /for update skip locked/i.test(rows[j].sql))) block.forEach((j) => drop.add(j));
        open.delete(r.c);
      }
    }
  });
  // A dispatcher transaction still open at the end of the window.
  for (const block of open.values()) if (block.some((j) => /for update skip locked/i.test(rows[j].sql))) block.forEach((j) => drop.add(j));
  return rows.filter((_, i) => !drop.has(i)).map((r) => r.sql);
}

async function traceCases(ds: Dataset, cases: Case[]): Promise<Map<string, Trace>> {
  const preload = ['./bench/trace-sql.ts'];
  const agoraFile = path.join(logDir, 'trace-agora.jsonl');
  const baselineFile = path.join(logDir, 'trace-baseline.jsonl');
  writeFileSync(agoraFile, '');
  writeFileSync(baselineFile, '');
  const out = new Map<string, Trace>();
  const agora = await startAgora('agora-trace', preload, { BENCH_TRACE_FILE: agoraFile });
  let baseline: Server | undefined;
  try {
    baseline = await startBaseline('baseline-trace', preload, { BENCH_TRACE_FILE: baselineFile });
    for (const c of cases) {
      const next = c.generator();
      const t: Trace = { agora: [], baseline: [] };
      for (const [server, file, key] of [
        [agora, agoraFile, 'agora'],
        [baseline, baselineFile, 'baseline'],
      ] as const) {
        await send(ds, server.url, next()); // first call: connections opened, caches filled
        await new Promise((r) => setTimeout(r, 100));
        const from = statSync(file).size;
        const s = next();
        await send(ds, server.url, s);
        await new Promise((r) => setTimeout(r, 150));
        t[key] = readTrace(file, from);
      }
      out.set(c.key, t);
    }
  } finally {
    await baseline?.stop();
    await agora.stop();
  }
  return out;
}

/* ---------- measurement ---------- */

interface Measure {
  result: Result;
  peakRss?: number;
  /** Server CPU time (user + system) per completed request, in ms: less sensitive than req/s to other load on the machine. */
  cpuMsPerRequest?: number;
}

function fire(ds: Dataset, server: Server, c: Case, seconds: number): Promise<Result> {
  const next = c.generator();
  const first = next();
  return autocannon({
    url: server.url,
    connections: cfg.connections,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        method: first.method,
        path: first.path,
        headers: authHeaders(ds, first),
        body: first.body,
        setupRequest: (req: RawRequest) => {
          const s = next();
          req.method = s.method;
          req.path = s.path;
          if (s.body !== undefined) req.body = s.body;
          return req;
        },
      },
    ],
  });
}

async function measure(ds: Dataset, server: Server, c: Case): Promise<Measure> {
  if (cfg.warmup > 0) await fire(ds, server, c, cfg.warmup);
  const rss = sampleRss(server.pid);
  const cpuBefore = cpuSeconds(server.pid);
  const result = await fire(ds, server, c, cfg.duration);
  const cpuAfter = cpuSeconds(server.pid);
  const done = result.requests.total;
  const cpuMsPerRequest = cpuBefore !== undefined && cpuAfter !== undefined && done > 0 ? ((cpuAfter - cpuBefore) * 1000) / done : undefined;
  return { result, peakRss: rss.stop(), cpuMsPerRequest };
}

/* ---------- report ---------- */

const mb = (b?: number) => (b === undefined ? 'n/a' : `${(b / 1024 / 1024).toFixed(0)} MB`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function statusSummary(r: Result): string {
  const codes = Object.entries(r.statusCodeStats ?? {})
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, s]) => `${code}×${s.count}`);
  return codes.length ? codes.join(', ') : '';
}

function row(label: string, m: Measure): string {
  const r = m.result;
  const bytes = r.requests.total > 0 ? r.throughput.total / r.requests.total : 0;
  const non2xx = r.non2xx + (statusSummary(r) ? ` (${statusSummary(r)})` : '');
  const failures = r.errors + r.timeouts;
  const cpu = m.cpuMsPerRequest === undefined ? 'n/a' : fmt(m.cpuMsPerRequest, 2);
  return `| ${label} | ${fmt(r.requests.average)} | ${fmt(r.latency.p50, 1)} | ${fmt(r.latency.p99, 1)} | ${non2xx} | ${failures} | ${cpu} | ${mb(m.peakRss)} | ${fmt(bytes)} |`;
}

function machine(pgVersion: string, loadAtStart: number[]) {
  let cpu = 'unknown';
  try {
    cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    /* not Linux */
  }
  return [
    `- CPU: ${cpu}, ${cpus().length} cores`,
    `- RAM: ${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `- Node.js ${process.version}, autocannon 8 (in the harness process, on the same machine)`,
    `- ${pgVersion}`,
    `- load average (1, 5, 15 min) at start: ${loadAtStart.map((l) => l.toFixed(2)).join(', ')}; at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`,
  ].join('\n');
}

function command(): string {
  const set = Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_'))
    .map(([k, v]) => `${k}=${v}`)
    .sort();
  return [...set, 'npm run bench'].join(' ');
}

/* ---------- main ---------- */

async function main() {
  installCleanup();
  const started = new Date();
  const loadAtStart = loadavg();
  log(
    `Agora benchmark: ${cfg.products} products, ${cfg.connections} connections, ${cfg.duration} s per measurement (+${cfg.warmup} s warm-up), pool ${cfg.pool}; logs in ${logDir}`,
  );
  const pgVersion = await resetDatabase(cfg.databaseUrl);
  log(`Fresh database ${databaseName(cfg.databaseUrl)} on ${pgVersion.split(' on ')[0]}`);

  // The instance that seeds is not the one measured: seeding (hundreds of API calls, argon2
  // hashing, a CSV import) leaves it with a larger heap, and the baseline is measured fresh too.
  let agora = await startAgora('agora-seed');
  log(`Agora started for seeding (pid ${agora.pid}, ${agora.url})`);
  let baseline: Server | undefined;
  try {
    log('Seeding through the API…');
    const ds = await seed(agora.url, { productCount: cfg.products, apiProducts: cfg.seedApi, databaseUrl: cfg.databaseUrl }, log);
    await analyze(cfg.databaseUrl);
    log(`Seeded in ${ds.seedSeconds.toFixed(1)} s (then ANALYZE)`);
    const cases = buildCases(ds);

    let traces = new Map<string, Trace>();
    if (cfg.trace) {
      log('Tracing the SQL of one request per case (separate instances)…');
      traces = await traceCases(ds, cases);
      for (const c of cases) {
        const t = traces.get(c.key)!;
        log(`  ${c.key}: Agora ${t.agora.length} statements, baseline ${t.baseline.length}`);
      }
    }

    await agora.stop();
    agora = await startAgora('agora');
    log(`Agora restarted for the measurements (pid ${agora.pid}, ${agora.url})`);
    baseline = await startBaseline('baseline');
    log(`Baseline started (pid ${baseline.pid}, ${baseline.url})`);

    const parity = new Map<string, Parity>();
    for (const c of cases) {
      const p = await checkParity(ds, c, agora, baseline);
      parity.set(c.key, p);
      log(`  parity ${c.key}: ${p.differences.length === 0 ? 'same answer' : `DIFFERENT — ${p.differences.slice(0, 3).join('; ')}`}`);
    }
    // Facts about the data set, from Agora's own answers.
    const qOnly = await send(ds, agora.url, { method: 'GET', path: `/api/v1/catalog/products?limit=1&q=${encodeURIComponent(ds.catalogQuery)}` });
    const visibleAll = await send(ds, agora.url, { method: 'GET', path: '/api/v1/catalog/products?limit=1' });

    const results = new Map<string, { agora: Measure; baseline: Measure }[]>();
    for (const c of cases) {
      const rounds: { agora: Measure; baseline: Measure }[] = [];
      for (let r = 0; r < cfg.rounds; r++) {
        const order = r % 2 === 0 ? (['agora', 'baseline'] as const) : (['baseline', 'agora'] as const);
        const got: Partial<Record<'agora' | 'baseline', Measure>> = {};
        for (const who of order) {
          const server = who === 'agora' ? agora : baseline;
          log(`Case ${c.key}, round ${r + 1}/${cfg.rounds}: ${who}…`);
          got[who] = await measure(ds, server, c);
          const m = got[who];
          log(
            `  ${fmt(m.result.requests.average)} req/s, p50 ${fmt(m.result.latency.p50, 1)} ms, p99 ${fmt(m.result.latency.p99, 1)} ms, non-2xx ${m.result.non2xx}, errors ${m.result.errors + m.result.timeouts}, CPU ${m.cpuMsPerRequest?.toFixed(2) ?? 'n/a'} ms/req, peak RSS ${mb(m.peakRss)}`,
          );
        }
        rounds.push(got as { agora: Measure; baseline: Measure });
      }
      results.set(c.key, rounds);
    }

    const report = renderReport({
      started,
      loadAtStart,
      pgVersion,
      ds,
      cases,
      traces,
      parity,
      results,
      qOnlyTotal: (qOnly.body as { total?: number }).total,
      visibleTotal: (visibleAll.body as { total?: number }).total,
    });
    writeFileSync(cfg.results, report);
    log(`\n${report}`);
    log(`Written to ${path.relative(process.cwd(), cfg.results)}`);
  } finally {
    await baseline?.stop();
    await agora.stop();
  }
}

function renderReport(x: {
  started: Date;
  loadAtStart: number[];
  pgVersion: string;
  ds: Dataset;
  cases: Case[];
  traces: Map<string, Trace>;
  parity: Map<string, Parity>;
  results: Map<string, { agora: Measure; baseline: Measure }[]>;
  qOnlyTotal?: number;
  visibleTotal?: number;
}): string {
  const { ds } = x;
  const short = cfg.duration < 10;
  const lines: string[] = [];
  lines.push('# Benchmark results', '');
  // Only the load before the run says whether other work shared the machine: during the run the
  // servers, PostgreSQL and the load generator keep a 2-core machine's load above 2 by themselves.
  const busy = x.loadAtStart[0] > cpus().length;
  if (short || busy) {
    const why = [
      short ? `a smoke run (${cfg.duration} s per measurement)` : '',
      busy ? `the machine was busy before the run (1-minute load average ${x.loadAtStart[0].toFixed(1)} on ${cpus().length} cores)` : '',
    ]
      .filter(Boolean)
      .join(', and ');
    lines.push(
      `> **Not a reference run: this was ${why}.** Re-run \`npm run bench\` with the defaults on a quiet machine; until then read the ratios and CPU per request, not the absolute figures.`,
      '',
    );
  }
  lines.push(
    `> Servers, PostgreSQL and the load generator share this machine's ${cpus().length} cores, and a virtual machine's speed moves between runs (±30% in absolute req/s seen here): compare Agora with the baseline of the same round, not runs with each other.`,
    '',
  );
  lines.push(
    `Date: ${x.started.toISOString()}  `,
    `Command: \`${command()}\`  `,
    `Settings: ${cfg.connections} connections, ${cfg.duration} s measured after ${cfg.warmup} s of warm-up, ${cfg.rounds} round(s), PostgreSQL pool of ${cfg.pool} connections in both servers.`,
    '',
  );
  lines.push('## Machine', '', machine(x.pgVersion, x.loadAtStart), '');
  const perSupplier = ds.suppliers
    .map((s) => `${s.name} (${s.visibility}${s.key === 'B' ? ', accepted link' : s.key === 'C' ? ', no link: hidden' : ''}): ${s.productIds.length}`)
    .join('; ');
  lines.push(
    '## Data set',
    '',
    `- ${ds.productCount.toLocaleString('en-US')} products in 3 suppliers — ${perSupplier}. 12 categories per supplier (3 roots × 3 children).`,
    `- Seeded ${ds.method}; ${ds.seedSeconds.toFixed(1)} s in all.`,
    `- Actor of every request: a \`buyer\` of the consumer "${ds.consumer.name}" (JWT verified and actor loaded per request by both servers).`,
    `- Catalog visible to that buyer: ${x.visibleTotal ?? '?'} products; text query \`${ds.catalogQuery}\` alone: ${x.qOnlyTotal ?? '?'}; with \`category_id\` = ${ds.catalogCategory.name} (+ descendants): ${x.parity.get('a')?.agoraTotal ?? '?'} (Agora's totals).`,
    `- ${ds.orderIds.length} orders of 3–5 lines for (b); case (c) adds orders as it runs.`,
    '',
  );
  lines.push(
    '## Results',
    '',
    "req/s is autocannon's mean of per-second samples; p50/p99 are latencies seen by the client; non-2xx counts answers that are not 2xx (by status); " +
      "errors counts connection errors and timeouts; CPU ms/req is the server process's user + system CPU time during the measurement divided by the " +
      "requests it completed (PostgreSQL's own work not included), steadier than req/s when other processes share the machine; peak RSS is the " +
      "server process's highest VmRSS during the measurement; bytes/response is the mean size of an answer with its headers (Agora sends more " +
      'headers: request id, rate limit, security headers).',
    '',
  );
  for (const c of x.cases) {
    const rounds = x.results.get(c.key) ?? [];
    lines.push(`### ${c.title}`, '', c.what, '');
    lines.push(
      '| server | req/s | p50 ms | p99 ms | non-2xx | errors | CPU ms/req | peak RSS | bytes/response |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    rounds.forEach((r, i) => {
      const suffix = rounds.length > 1 ? ` (round ${i + 1})` : '';
      lines.push(row(`Agora${suffix}`, r.agora), row(`baseline${suffix}`, r.baseline));
    });
    const ar = rounds.reduce((s, r) => s + r.agora.result.requests.average, 0);
    const br = rounds.reduce((s, r) => s + r.baseline.result.requests.average, 0);
    const ratio = br > 0 ? ar / br : 0;
    const p99 = Math.max(...rounds.map((r) => r.agora.result.latency.p99));
    lines.push('');
    const target = c.targetRatio !== undefined ? ` (target ≥ ${c.targetRatio}: ${ratio >= c.targetRatio ? 'met' : '**not met**'})` : ' (no ratio target)';
    lines.push(
      `**Ratio Agora/baseline (req/s): ${ratio.toFixed(2)}**${target}. Agora p99 ${fmt(p99, 1)} ms (target < ${c.targetP99Ms} ms: ${p99 < c.targetP99Ms ? 'met' : '**not met**'}).`,
    );
    const cpuA = rounds.map((r) => r.agora.cpuMsPerRequest).filter((v): v is number => v !== undefined);
    const cpuB = rounds.map((r) => r.baseline.cpuMsPerRequest).filter((v): v is number => v !== undefined);
    if (cpuA.length && cpuB.length) {
      const a = cpuA.reduce((x, y) => x + y, 0) / cpuA.length;
      const b = cpuB.reduce((x, y) => x + y, 0) / cpuB.length;
      lines.push(`Server CPU per request: Agora ${fmt(a, 2)} ms, baseline ${fmt(b, 2)} ms (baseline/Agora ${(b / a).toFixed(2)}).`);
    }
    lines.push('');
    const p = x.parity.get(c.key);
    if (p) {
      lines.push(
        p.differences.length === 0
          ? `Parity: both servers gave the same answer to the same request (${p.agoraBytes} bytes${c.key === 'c' ? ', ids, numbers and times aside' : ''}).`
          : `**Parity: the answers differ** — the baseline may not do the same work; update bench/baseline.ts:\n${p.differences.map((d) => `  - \`${d}\``).join('\n')}`,
      );
      lines.push('');
    }
    const t = x.traces.get(c.key);
    if (t) {
      const same = t.agora.length === t.baseline.length;
      lines.push(
        `SQL per request (BEGIN/COMMIT included): Agora ${t.agora.length}, baseline ${t.baseline.length}${same ? '' : ' — **different counts: check bench/baseline.ts**'}.`,
        '',
      );
      lines.push(
        '<details><summary>Statements</summary>',
        '',
        'Agora:',
        '',
        '```sql',
        ...t.agora.map((s) => `${s};`),
        '```',
        '',
        'Baseline:',
        '',
        '```sql',
        ...t.baseline.map((s) => `${s};`),
        '```',
        '',
        '</details>',
        '',
      );
    }
  }
  lines.push(
    '## How to read this',
    '',
    "The baseline (bench/baseline.ts) is a bare Fastify + pg server that verifies the same JWT, runs the same actor query and the same SQL per request and replies with JSON.stringify. The ratio is the share of the bare handler's throughput Agora keeps with everything it adds (validation, access checks, serialisation by schema, rate limiting, request ids, security headers, error handling, Drizzle). Both servers ran on the same machine, database and pool size, one after the other, while the load generator shared the same CPU.",
    '',
  );
  return lines.join('\n');
}

main().catch((err) => {
  console.error(`\nBenchmark failed: ${err instanceof Error ? err.message : String(err)}`);
  if (err instanceof Error && err.stack && !/^PostgreSQL is not reachable|^refusing/.test(err.message))
    console.error(err.stack.split('\n').slice(1, 6).join('\n'));
  console.error(`Logs: ${logDir}`);
  process.exitCode = 1;
});
