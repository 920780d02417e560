// Where the job events of a deployment are chained: the store's own chain, or the repository's audit file.
import { fileTrail, storedTrail, type AuditTrail } from '../audit/audit-chain.js';
import type { TaskgateConfig } from '../config/config-types.js';
import type { JobStore } from '../store/store-types.js';

/**
 * The job events' chain (DESIGN §11): the store's own chain when it keeps one (postgres:
 * every host appends to one chain), else the repository's audit file. The gate always
 * writes the audit file: it must fail closed without the store. `background`: the exchange's
 * records are forced to disk while the worker goes on (appendAudit says how far that goes).
 */
export function jobAuditTrail(config: TaskgateConfig, store: JobStore | null, options: { background?: boolean } = {}): AuditTrail {
  return store?.auditStorage ? storedTrail(store.auditStorage) : fileTrail(config.audit.path, options);
}
