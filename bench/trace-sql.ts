/**
 * Preload for the SQL trace step of `npm run bench` (never loaded in measured processes).
 *
 *   node --import tsx --import ./bench/trace-sql.ts src/server.ts
 *
 * Wraps node-postgres' `Client.prototype.query` so that every statement sent by this process is
 * appended to the file named by `BENCH_TRACE_FILE`, one JSON object a line: `{ c, sql }`, where
 * `c` numbers the pool connection that sent it (the harness uses it to tell a request's statements
 * from the outbox dispatcher's, which run on their own connection in their own transaction).
 * Both Agora (drizzle over a `pg` pool) and the baseline (a `pg` pool) go through this method.
 */
import { appendFileSync } from 'node:fs';
import pg from 'pg';

const file = process.env.BENCH_TRACE_FILE;
if (file) {
  const ids = new WeakMap<object, number>();
  let next = 1;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function traced(this: object, ...args: unknown[]) {
    const first = args[0] as string | { text?: string } | undefined;
    const text = typeof first === 'string' ? first : first?.text;
    if (text) {
      let c = ids.get(this);
      if (c === undefined) ids.set(this, (c = next++));
      appendFileSync(file, `${JSON.stringify({ c, sql: text.replace(/\s+/g, ' ').trim() })}\n`);
    }
    return original.apply(this, args);
  };
}
