import type { FastifyInstance } from 'fastify';
import type { ModuleOptions } from '../../infra/module.js';
import { auditRoutes } from './audit.routes.js';

export { auditLog } from './audit.tables.js';
/**
 * `recordAudit(tx, entry)`: one audit row in the caller's transaction, with the context's actor and
 * request id, secrets stripped; `diff(before, after, fields)`: the changed fields as `{field: {from, to}}`;
 * `snapshot(row, fields)`: the created or deleted values;
 * `redact(value)`: a value without its secret keys (the one deny-list).
 */
export { diff, recordAudit, redact, snapshot, type AuditEntry, type FieldChange } from './audit.service.js';

/** The audit log: the bottom module (it imports no other); every module may record through its index. */
export async function auditModule(app: FastifyInstance, _opts: ModuleOptions) {
  await app.register(auditRoutes);
}
