/**
 * Regenerates the pending (unreleased) migration from the tables: drops every migration after the
 * last released one (named in db/migrations/RELEASED), then runs `drizzle-kit generate`. Released
 * migrations are never rewritten: a database that ran them must keep working.
 *
 *   npm run db:generate               # pending migration named "next"
 *   npm run db:generate -- orders_v2  # with a name
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = path.resolve('db/migrations');
const released = readFileSync(path.join(dir, 'RELEASED'), 'utf8').trim().split(/\s+/).filter(Boolean);
const journalPath = path.join(dir, 'meta/_journal.json');
if (existsSync(journalPath)) {
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number; tag: string }[] };
  const pending = journal.entries.filter((e) => !released.includes(e.tag));
  for (const e of pending) {
    rmSync(path.join(dir, `${e.tag}.sql`), { force: true });
    rmSync(path.join(dir, 'meta', `${String(e.idx).padStart(4, '0')}_snapshot.json`), { force: true });
  }
  journal.entries = journal.entries.filter((e) => released.includes(e.tag));
  writeFileSync(journalPath, `${JSON.stringify(journal, null, 2)}\n`);
}
for (const f of readdirSync(dir)) {
  if (f.endsWith('.sql') && !released.includes(f.replace(/\.sql$/, ''))) rmSync(path.join(dir, f));
}
const name = process.argv[2] ?? 'next';
execFileSync('npx', ['drizzle-kit', 'generate', '--name', name], { stdio: 'inherit' });
