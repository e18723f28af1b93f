// Security events: every refusal and detection, with the original design's names and severities.
// Each event is a structured log line (`event_type: "security_<name>"`), a stored row (visible to
// the tenant's admins when it has a tenant, to operators always) and, through listeners, a metric,
// an automated response or an alert. Recording never fails the request that caused it.
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../platform/db/index.ts';

export const SECURITY_EVENT_TYPES = [
  'token_expired',
  'token_invalid',
  'token_revoked',
  'inactive_user_access',
  'login_failed',
  'multiple_failed_logins',
  'brute_force_detected',
  'suspicious_api_usage',
  'unauthorized_access_attempt',
  'data_exfiltration_attempt',
  'ip_blocked',
  'rate_limited',
  'ssrf_blocked',
  'refresh_token_reuse',
  'user_throttled',
  'alert_failed',
] as const;

export type SecurityEventType = (typeof SECURITY_EVENT_TYPES)[number];
export type Severity = 'high' | 'medium' | 'low';

// The seed's CRITICAL_EVENTS (plus refresh-token reuse and brute force, which the contract adds):
// severity "high" and an alert. Everything else is "medium", as in the seed's log_security_event.
export const CRITICAL_EVENTS: ReadonlySet<SecurityEventType> = new Set([
  'multiple_failed_logins',
  'brute_force_detected',
  'suspicious_api_usage',
  'unauthorized_access_attempt',
  'data_exfiltration_attempt',
  'refresh_token_reuse',
]);

export function severityOf(type: SecurityEventType): Severity {
  return CRITICAL_EVENTS.has(type) ? 'high' : 'medium';
}

export interface SecurityEventInput {
  type: SecurityEventType;
  description: string;
  ip?: string | undefined;
  userId?: string | undefined;
  tenantId?: string | undefined;
  requestId?: string | undefined;
  details?: Record<string, unknown>;
}

export interface SecurityEvent extends SecurityEventInput {
  severity: Severity;
  occurredAt: Date;
}

export type SecurityEventListener = (event: SecurityEvent) => void | Promise<void>;

export interface SecurityEventRecorder {
  record(input: SecurityEventInput): Promise<void>;
  /** Metrics, automated responses and alerts subscribe here. */
  onEvent(listener: SecurityEventListener): void;
}

export function createSecurityEventRecorder(deps: {
  db: Database;
  log: FastifyBaseLogger;
}): SecurityEventRecorder {
  const listeners: SecurityEventListener[] = [];
  return {
    onEvent(listener) {
      listeners.push(listener);
    },
    async record(input) {
      const event: SecurityEvent = { ...input, severity: severityOf(input.type), occurredAt: new Date() };
      deps.log.warn(
        {
          event_type: `security_${event.type}`,
          severity: event.severity,
          ip_address: event.ip,
          user_id: event.userId,
          tenant_id: event.tenantId,
          request_id: event.requestId,
          ...event.details,
        },
        event.description,
      );
      try {
        await deps.db.withTenant(event.tenantId ?? null, (tx) =>
          tx.query(
            `INSERT INTO security_events (tenant_id, occurred_at, event_type, severity, ip, user_id, request_id, details)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
            [
              event.tenantId ?? null,
              event.occurredAt,
              event.type,
              event.severity,
              event.ip ?? null,
              event.userId ?? null,
              event.requestId ?? null,
              JSON.stringify(event.details ?? {}),
            ],
          ),
        );
      } catch (error) {
        deps.log.error({ err: error, event_type: `security_${event.type}` }, 'security event not stored');
      }
      for (const listener of listeners) {
        try {
          await listener(event);
        } catch (error) {
          deps.log.error(
            { err: error, event_type: `security_${event.type}` },
            'security event listener failed',
          );
        }
      }
    },
  };
}
