/**
 * Periodic work that runs once across several instances (docs/decisions.md, "A lease row for
 * periodic jobs"): `scheduler.schedule(name, everySeconds, fn)`. Each instance polls a few times a
 * period; the one whose conditional upsert takes the job's lease row (`job_leases`, held for the
 * period) runs it, the others find the lease held and skip. Works alike over the PostgreSQL pool
 * and PGlite's one connection, since it holds no session state.
 *
 * - A failing job is logged; it runs again at the next period (wherever the lease is taken).
 * - An instance never overlaps its own runs of a job; a run longer than the period may overlap a
 *   run of another instance (keep jobs shorter than their period, or idempotent).
 * - `stop()` stops polling and waits for the runs in progress.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { queryRows, type Database } from './db/client.js';

export type Job = () => Promise<unknown>;

export interface Scheduler {
  /** Who this scheduler is in `job_leases.holder`. */
  readonly holder: string;
  /**
   * Runs `fn` once every `everySeconds` across every scheduler over the database (the first run
   * at once when no other instance holds the period). @throws Error for a name scheduled twice here.
   */
  schedule(name: string, everySeconds: number, fn: Job): void;
  /** Stops every job of this scheduler and waits for the runs in progress. */
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  /** This instance's name in the lease rows (default `<host>:<pid>:<random>`). */
  holder?: string;
  /** How often a job's lease is tried, in seconds (default a fifth of its period, between 0.05 and 10). */
  pollSeconds?: number;
}

/**
 * Takes the lease of `name` for `everySeconds` when it is free or expired: one statement, atomic
 * under concurrency (the upsert locks the row and re-checks `expires_at` on its latest version).
 * The database's clock decides, so instances' clocks need not agree. @returns whether it was taken.
 */
export async function takeLease(database: Database, name: string, holder: string, everySeconds: number): Promise<boolean> {
  const rows = await queryRows<{ holder: string }>(
    database.db,
    sql`insert into job_leases (name, holder, expires_at)
        values (${name}, ${holder}, now() + ${everySeconds}::float8 * interval '1 second')
        on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at
        where job_leases.expires_at <= now()
        returning holder`,
  );
  return rows.length === 1;
}

/** A scheduler over `database`; nothing runs until `schedule`. */
export function createScheduler(database: Database, log: FastifyBaseLogger, opts: SchedulerOptions = {}): Scheduler {
  const holder = opts.holder ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  const busy = new Set<string>();
  let stopped = false;

  const tick = (name: string, everySeconds: number, fn: Job) => {
    if (stopped || busy.has(name)) return;
    busy.add(name);
    const run = (async () => {
      let taken: boolean;
      try {
        taken = await takeLease(database, name, holder, everySeconds);
      } catch (err) {
        log.warn({ err, job: name }, 'scheduler: could not take the job lease; will try again');
        return;
      }
      if (!taken || stopped) return;
      const started = performance.now();
      try {
        await fn();
        log.debug({ job: name, ms: Math.round(performance.now() - started) }, 'scheduled job done');
      } catch (err) {
        log.error({ err, job: name }, 'scheduled job failed; it runs again next period');
      }
    })().finally(() => {
      busy.delete(name);
      running.delete(run);
    });
    running.add(run);
  };

  return {
    holder,
    schedule(name, everySeconds, fn) {
      if (stopped) throw new Error('scheduler is stopped');
      if (timers.has(name)) throw new Error(`job ${name} is already scheduled`);
      if (!(everySeconds > 0) || !Number.isFinite(everySeconds)) throw new Error(`job ${name}: everySeconds must be a positive number`);
      const poll = opts.pollSeconds ?? Math.min(10, Math.max(0.05, everySeconds / 5));
      const timer = setInterval(() => tick(name, everySeconds, fn), poll * 1000);
      timer.unref();
      timers.set(name, timer);
      tick(name, everySeconds, fn);
    },
    async stop() {
      stopped = true;
      for (const t of timers.values()) clearInterval(t);
      timers.clear();
      await Promise.all([...running]);
    },
  };
}
