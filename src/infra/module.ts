import type { Config } from '../config.js';
import type { Database } from './db/client.js';

/** What buildApp hands every module plugin. */
export interface ModuleOptions {
  config: Config;
  database: Database;
}
