import { numeric, timestamp, uuid } from 'drizzle-orm/pg-core';
import { v7 as uuidv7 } from 'uuid';

/** Primary key: a UUID v7 made by the application (time-ordered, so indexes stay compact). */
export const id = () =>
  uuid('id')
    .primaryKey()
    .$defaultFn(() => uuidv7());

/** A money amount: exact `numeric(19,4)`; read and written as a decimal string, never a float. */
export const money = (name: string) => numeric(name, { precision: 19, scale: 4 });

/** `created_at` / `updated_at`, UTC, set by the database. */
export const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
/** `updated_at timestamptz not null default now()`: set again by every update the repos write. */
export const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
