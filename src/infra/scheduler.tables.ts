import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * One row per periodic job (`src/infra/scheduler.ts`): who took its current period and until when.
 * A scheduler runs the job only after taking the lease with one conditional upsert (`… on conflict
 * (name) do update … where expires_at <= now()`), so across every instance over one database it
 * runs at most once per period (docs/decisions.md).
 */
export const jobLeases = pgTable('job_leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
});
