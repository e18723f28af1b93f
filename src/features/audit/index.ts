// The audit feature's public surface: the audit trail (hash-chained records per tenant, their
// listing and verification) and the security-event recorder every refusal goes through.

export { appendAuditRecord } from './audit.repository.ts';
export {
  OpsAuditVerifyQuery,
  OpsSecurityEventQuery,
  SecurityEventPage,
  VerifyResponse,
} from './audit.schemas.ts';
export { timeWindow, toSecurityEventView } from './audit-listing.ts';
export { tenantChainStorage, verifyAndRecordPoint } from './audit-verify.ts';
export { listAllSecurityEvents } from './security-events.repository.ts';
export type { SecurityEvent, SecurityEventRecorder, SecurityEventType } from './security-events.ts';
export { CRITICAL_EVENTS } from './security-events.ts';
export { createVerifiedPointSeal } from './verified-point.ts';
