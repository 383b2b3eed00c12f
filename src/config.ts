/**
 * Agora's configuration: every setting comes from the environment, is parsed and validated here,
 * once, at start. Nothing else in the code base reads `process.env`.
 *
 * `.env.example` lists every variable with its default; a `.env` file in the current directory
 * is read first when present (`loadEnvFile`), and real environment variables win over it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Typed, validated configuration. Durations are in seconds unless the name says otherwise. */
export interface Config {
  /** `development`, `production` or `test`. */
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  /** Listening address: `127.0.0.1` by default on PGlite (the demo's published passwords), `0.0.0.0` on a server. */
  host: string;
  /** `pglite://.data/agora` (default, on disk), `pglite://memory`, or `postgres://…`. */
  databaseUrl: string;
  /** Size of the node-postgres pool (server mode only). */
  databasePoolMax: number;
  /** Redis for rate limits and fan-out; in-memory when unset. */
  redisUrl: string | undefined;
  jwtSecret: string;
  jwtIssuer: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /**
   * Allowed CORS origins; `*` allows any origin (without credentials): the default, except in
   * production, where the default is none and `*` is refused.
   */
  corsOrigins: string[] | '*';
  /** Requests per minute per client on the whole API, and on the auth routes. */
  rateLimitMax: number;
  rateLimitAuthMax: number;
  logLevel: string;
  /** Load the demo data on a first start with an empty database (default: on for PGlite). */
  loadDemo: boolean;
  /**
   * Which proxies to trust for the client address (rate limits key on it): `false` (default: the
   * socket's peer), a hop count, or a comma-separated list of addresses/CIDRs. Never `true`: then
   * any client could pick its address with X-Forwarded-For.
   */
  trustProxy: false | number | string[];
  /**
   * Bearer token for `GET /metrics`. Set: the token is required. Unset: open in development and
   * test, 404 in production (metrics are never public there).
   */
  metricsToken: string | undefined;
  /** NATS server(s) with JetStream: events are published there when set (docs/events.md); none when unset. */
  natsUrl: string | undefined;
  /** Tries of an event delivery to one consumer before it is parked (dead letter). */
  eventsMaxAttempts: number;
  /** The longest backoff between two tries of a delivery, in seconds (1 s, 2 s, 4 s… up to it). */
  eventsRetryMaxSeconds: number;
  /** Create (or promote) this platform admin at start when both are set. */
  adminEmail: string | undefined;
  adminPassword: string | undefined;
}

/** Thrown at start when the environment holds an invalid setting; the message names it. */
export class ConfigError extends Error {}

/** `METRICS_TOKEN`: sent as `Authorization: Bearer <token>`, so it must be an RFC 6750 token (e.g. `openssl rand -hex 32`). */
function metricsToken(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(value)) {
    throw new ConfigError('METRICS_TOKEN may hold only letters, digits and -._~+/ (it is sent as a bearer token): use e.g. openssl rand -hex 32');
  }
  return value;
}

/**
 * Reads `file` (default `.env` in the current directory) into `process.env` when it exists.
 * Variables already in the environment win, even when empty. Called by the server and the
 * commands before `loadConfig`; tests never read it.
 * @returns the absolute path read, or undefined when there is no such file.
 * @throws ConfigError when the file exists but cannot be read, or this Node (before 20.12) cannot parse it.
 */
export function loadEnvFile(file = '.env'): string | undefined {
  if (!existsSync(file)) return undefined;
  if (typeof process.loadEnvFile !== 'function') {
    throw new ConfigError(`${file} is present but Node ${process.version} cannot read it: use Node 20.12 or later, or export its variables instead`);
  }
  try {
    process.loadEnvFile(file);
  } catch (err) {
    throw new ConfigError(`${file} could not be read (${(err as Error).message})`);
  }
  return path.resolve(file);
}

const DEV_JWT_SECRET = 'agora-development-secret-change-me-in-production';

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function trustProxy(raw: string | undefined): Config['trustProxy'] {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (/^[0-9]+$/.test(raw)) return Number(raw);
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0 || list.some((a) => !/^[0-9a-fA-F:.]+(\/[0-9]{1,3})?$/.test(a))) {
    throw new ConfigError(`TRUST_PROXY must be false, a hop count or a comma-separated list of addresses/CIDRs, got "${raw}"`);
  }
  return list;
}

/**
 * Reads and validates the configuration.
 * @param env the environment (defaults to `process.env`); `overrides` win over it (tests use them).
 * @throws ConfigError naming the first invalid variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const nodeEnvRaw = env.NODE_ENV ?? 'development';
  if (!['development', 'production', 'test'].includes(nodeEnvRaw)) {
    throw new ConfigError(`NODE_ENV must be development, production or test, got "${nodeEnvRaw}"`);
  }
  const nodeEnv = nodeEnvRaw as Config['nodeEnv'];

  const databaseUrl = env.DATABASE_URL || 'pglite://.data/agora';
  if (!/^(pglite:\/\/|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must start with pglite:// or postgres://, got "${databaseUrl.replace(/:[^:@/]*@/, ':***@')}"`);
  }

  const jwtSecret = env.JWT_SECRET || DEV_JWT_SECRET;
  if (nodeEnv === 'production' && bool(env, 'LOAD_DEMO', false)) {
    throw new ConfigError('LOAD_DEMO cannot be on in production: the demo has published passwords');
  }
  if (nodeEnv === 'production' && jwtSecret === DEV_JWT_SECRET) {
    throw new ConfigError('JWT_SECRET must be set in production');
  }
  if (jwtSecret.length < 32) throw new ConfigError('JWT_SECRET must be at least 32 characters');

  // Production allows no cross-origin caller unless CORS_ORIGINS names them; `*` there is a mistake.
  const corsRaw = env.CORS_ORIGINS ?? (nodeEnv === 'production' ? '' : '*');
  if (nodeEnv === 'production' && corsRaw.trim() === '*') {
    throw new ConfigError(
      'CORS_ORIGINS=* is not allowed in production: list the origins of your web front ends (CORS_ORIGINS=https://shop.example.com,https://admin.example.com), or leave it unset to allow none',
    );
  }
  const corsOrigins =
    corsRaw.trim() === '*'
      ? '*'
      : corsRaw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  for (const o of corsOrigins === '*' ? [] : corsOrigins) {
    if (!/^https?:\/\/[^/]+$/.test(o)) throw new ConfigError(`CORS_ORIGINS entry "${o}" must be an origin like https://shop.example.com`);
  }

  const config: Config = {
    nodeEnv,
    port: int(env, 'PORT', 3000, 0, 65535),
    // The embedded default carries the demo (published passwords): this machine only, unless HOST says so.
    host: env.HOST || (databaseUrl.startsWith('pglite://') ? '127.0.0.1' : '0.0.0.0'),
    databaseUrl,
    databasePoolMax: int(env, 'DATABASE_POOL_MAX', 10, 1, 500),
    redisUrl: env.REDIS_URL || undefined,
    jwtSecret,
    jwtIssuer: env.JWT_ISSUER || 'agora',
    accessTokenTtlSeconds: int(env, 'JWT_ACCESS_TOKEN_EXPIRES_MINUTES', 30, 1, 24 * 60) * 60,
    refreshTokenTtlSeconds: int(env, 'JWT_REFRESH_TOKEN_EXPIRES_DAYS', 30, 1, 365) * 86400,
    corsOrigins,
    rateLimitMax: int(env, 'RATE_LIMIT_MAX', 600, 1, 1_000_000),
    rateLimitAuthMax: int(env, 'RATE_LIMIT_AUTH_MAX', 10, 1, 1_000_000),
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'),
    loadDemo: bool(env, 'LOAD_DEMO', databaseUrl.startsWith('pglite://') && nodeEnv !== 'production'),
    trustProxy: trustProxy(env.TRUST_PROXY),
    metricsToken: metricsToken(env.METRICS_TOKEN),
    natsUrl: env.NATS_URL || undefined,
    eventsMaxAttempts: int(env, 'EVENTS_MAX_ATTEMPTS', 8, 1, 100),
    eventsRetryMaxSeconds: int(env, 'EVENTS_RETRY_MAX_SECONDS', 300, 1, 86_400),
    adminEmail: env.ADMIN_EMAIL || undefined,
    adminPassword: env.ADMIN_PASSWORD || undefined,
  };
  return { ...config, ...overrides };
}
