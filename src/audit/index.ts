export { appendAudit, verifyAudit, headPath, recordHash, type AuditEvent, type AuditRecord, type AuditCheck } from './audit-log.js';
