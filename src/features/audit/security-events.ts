// Security events: every refusal and detection, with the original design's names and severities.
// Each event is a structured log line (`event_type: "security_<name>"`), a stored row (visible to
// the tenant's admins when it has a tenant, to operators always) and, through listeners, a metric,
// an automated response or an alert. Recording never fails the request that caused it, and a
// flood of events never takes the database from other requests (see security-event-writer.ts):
// repeats of the same event from the same source within a minute are stored as one row with a
// count (security-event-floods.ts), while the log line and the listeners see every occurrence.
import type { FastifyBaseLogger } from 'fastify';
import type { Counter } from 'prom-client';
import { clientKey } from '../../platform/client-key.ts';
import type { Database } from '../../platform/db/index.ts';
import { isUuid } from '../../platform/db/index.ts';
import { normaliseJson, storable } from './audit-chain.ts';
import { createSecurityEventFloods } from './security-event-floods.ts';
import { createSecurityEventWriter } from './security-event-writer.ts';
import type { SecurityEventRowInput } from './security-events.repository.ts';

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
  /**
   * The server's own id of the request (`request.serverRequestId`), beside the client's
   * `requestId`; undefined only for events no request caused. Required, so no call site forgets it.
   */
  serverRequestId: string | undefined;
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

/** The recorder the app owns: it also stores what is queued when the app closes. */
export interface BufferedSecurityEventRecorder extends SecurityEventRecorder {
  /** Resolves once every event recorded so far was written (or its write attempted). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

// How long a refusal waits for its event to be stored. Normally the write takes about a
// millisecond and the event is stored before the response leaves; if the database is slow or
// down, the response goes anyway and the writer keeps the event queued and retries.
const STORE_WAIT_MS = 1_000;

function eventRow(event: SecurityEvent): SecurityEventRowInput {
  const details: Record<string, unknown> = { ...event.details };
  // Ids go into uuid columns; anything else (never expected) is kept as text in the details.
  const uuidOrNull = (value: string | undefined, claim: string): string | null => {
    if (value === undefined) return null;
    if (isUuid(value)) return value.toLowerCase();
    details[claim] = value;
    return null;
  };
  const userId = uuidOrNull(event.userId, 'claimed_user_id');
  const tenantId = uuidOrNull(event.tenantId, 'claimed_tenant_id');
  const normalised = normaliseJson(details);
  return {
    tenant_id: tenantId,
    occurred_at: event.occurredAt.toISOString(),
    event_type: event.type,
    severity: event.severity,
    ip: event.ip === undefined ? null : storable(event.ip),
    user_id: userId,
    request_id: event.requestId === undefined ? null : storable(event.requestId),
    server_request_id: event.serverRequestId ?? null,
    description: storable(event.description),
    details:
      normalised !== null && typeof normalised === 'object' && !Array.isArray(normalised) ? normalised : {},
    count: 1,
  };
}

/** The source of the flood rule: the client (an IPv6 /64 counts as one, as limits do), the user, the tenant. */
function sourceOf(event: SecurityEvent): string {
  return `${event.ip === undefined ? '' : clientKey(event.ip)}|${event.userId ?? ''}|${event.tenantId ?? ''}`;
}

async function boundedWait(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function createSecurityEventRecorder(deps: {
  db: Database;
  log: FastifyBaseLogger;
  /** The flood rule's window (a minute; tests shorten it). */
  floodWindowMs?: number;
}): BufferedSecurityEventRecorder {
  const listeners: SecurityEventListener[] = [];
  const writer = createSecurityEventWriter(deps);
  const floods = createSecurityEventFloods({
    ...(deps.floodWindowMs === undefined ? {} : { windowMs: deps.floodWindowMs }),
    store: (row) => {
      void writer.write(row);
    },
  });
  return {
    onEvent(listener) {
      listeners.push(listener);
    },
    async record(input) {
      const event: SecurityEvent = {
        ...input,
        severity: severityOf(input.type),
        occurredAt: new Date(),
      };
      // The API's field names, but the seed's `security_` prefix on the type: the seed's log
      // consumers select these lines by it (docs/logging.md).
      deps.log.warn(
        {
          event_type: `security_${event.type}`,
          severity: event.severity,
          ip: event.ip,
          user_id: event.userId,
          tenant_id: event.tenantId,
          request_id: event.requestId,
          server_request_id: event.serverRequestId,
          ...event.details,
        },
        event.description,
      );
      let stored: Promise<void>;
      try {
        const row = eventRow(event);
        stored = floods.admit(row, sourceOf(event)) ? writer.write(row) : Promise.resolve();
      } catch (error) {
        deps.log.error({ err: error, event_type: `security_${event.type}` }, 'security event not stored');
        stored = Promise.resolve();
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
      await boundedWait(stored, STORE_WAIT_MS);
    },
    flush: () => writer.flush(),
    close: () => {
      // What was folded meanwhile is stored before the writer's last batch.
      floods.close();
      return writer.close();
    },
  };
}

/**
 * Counts every event in `security_events_total{event_type,severity}`. Each series starts at 0 when
 * the process starts, so the first event after a restart is an increase that `increase()` and
 * `rate()` can see (a series born at 1 looks to Prometheus like it always was 1).
 */
export function countSecurityEvents(
  recorder: SecurityEventRecorder,
  counter: Counter<'event_type' | 'severity'>,
): void {
  for (const type of SECURITY_EVENT_TYPES) counter.inc({ event_type: type, severity: severityOf(type) }, 0);
  recorder.onEvent((event) => counter.inc({ event_type: event.type, severity: event.severity }));
}
