import { defineConfig } from 'drizzle-kit';

/** drizzle-kit reads every module's tables and writes SQL migrations into db/migrations. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/infra/db/schema.ts',
  out: './db/migrations',
});
