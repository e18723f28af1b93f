// Critical security events go to ALERT_WEBHOOK_URL as signed JSON, in the background: the
// request that caused the event never waits for the webhook. Deliveries are retried with
// exponential backoff and jitter; a delivery that finally fails is counted and logged.
//
// Signature (so the receiver can check origin and freshness): header
//   X-TradeWise-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
// The receiver recomputes the HMAC over the timestamp and the exact body bytes, compares in
// constant time and refuses stale timestamps (e.g. older than 5 minutes) to stop replays.
import { createHmac, hkdfSync, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../../platform/metrics.ts';
import type { SecurityEvent } from '../audit/security-events.ts';

export const SIGNATURE_HEADER = 'x-tradewise-signature';

export function signPayload(secret: string, body: string, timestamp: number): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** The signing secret: ALERT_WEBHOOK_SECRET, or one derived from the first SECRET_KEY. */
export function alertSecret(configured: string | undefined, secretKeys: readonly string[]): string {
  if (configured) return configured;
  const base = secretKeys[0] ?? '';
  return Buffer.from(hkdfSync('sha256', base, '', 'tradewise/alert-webhook/v1', 32)).toString('base64url');
}

export interface AlertDispatcherOptions {
  url: string;
  secret: string;
  log: FastifyBaseLogger;
  metrics: Metrics;
  maxAttempts?: number;
  baseDelayMs?: number;
  attemptTimeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export interface AlertDispatcher {
  send(event: SecurityEvent): void;
  /** Resolves when every queued delivery has finished (graceful shutdown, tests). */
  drain(): Promise<void>;
}

export function createAlertDispatcher(options: AlertDispatcherOptions): AlertDispatcher {
  const maxAttempts = options.maxAttempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 5_000;
  const doFetch = options.fetchImpl ?? fetch;
  const inFlight = new Set<Promise<void>>();

  async function deliver(event: SecurityEvent): Promise<void> {
    const id = randomUUID();
    const body = JSON.stringify({
      id,
      event_type: `security_${event.type}`,
      severity: event.severity,
      description: event.description,
      occurred_at: event.occurredAt.toISOString(),
      ip_address: event.ip ?? null,
      user_id: event.userId ?? null,
      tenant_id: event.tenantId ?? null,
      request_id: event.requestId ?? null,
      details: event.details ?? {},
    });
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const timestamp = Math.floor(Date.now() / 1000);
      try {
        const response = await doFetch(options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'tradewise-alerts/1',
            'x-tradewise-event-id': id,
            [SIGNATURE_HEADER]: signPayload(options.secret, body, timestamp),
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(attemptTimeoutMs),
        });
        await response.body?.cancel();
        if (response.ok) {
          options.metrics.alertsSent.inc({ outcome: 'sent' });
          return;
        }
        // 4xx other than 408/429 will not get better by retrying.
        if (response.status < 500 && response.status !== 408 && response.status !== 429) break;
      } catch {
        // Network error or timeout: retry.
      }
      if (attempt < maxAttempts) {
        const delay = baseDelayMs * 2 ** (attempt - 1);
        await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay * 0.2));
      }
    }
    options.metrics.alertsSent.inc({ outcome: 'failed' });
    options.log.error(
      { event_type: `security_${event.type}`, alert_id: id },
      'security alert could not be delivered',
    );
  }

  return {
    send(event) {
      const delivery = deliver(event).finally(() => inFlight.delete(delivery));
      inFlight.add(delivery);
    },
    async drain() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
