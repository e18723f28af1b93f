// Critical security events go to ALERT_WEBHOOK_URL as signed JSON, in the background: the
// request that caused the event never waits for the webhook. Deliveries are retried with
// exponential backoff and jitter; a delivery that finally fails is counted and logged.
//
// Floods are bounded (CONTRACT.md, "Security events"): an event and subject alert at most once per
// 10 minutes across instances (alert-floods.ts), the alert saying how many occurrences it stands
// for (`count`); at most MAX_IN_FLIGHT deliveries run at once and MAX_QUEUED wait, so a receiver
// that answers 503 (five attempts each) cannot make deliveries pile up in memory. An alert that
// finds the queue full is dropped, logged and counted in alert_deliveries_dropped_total.
//
// Signature (so the receiver can check origin and freshness): header
//   X-TradeWise-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
// The receiver recomputes the HMAC over the timestamp and the exact body bytes, compares in
// constant time and refuses stale timestamps (e.g. older than 5 minutes) to stop replays.
import { createHmac, hkdfSync, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../../platform/metrics.ts';
import type { StateStore } from '../../platform/store/index.ts';
import type { SecurityEvent } from '../audit/index.ts';
import type { AlertFloods } from './alert-floods.ts';
import { ALERT_WINDOW_MS, createAlertFloods } from './alert-floods.ts';

export const MAX_IN_FLIGHT = 4;
export const MAX_QUEUED = 100;

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
  /** The shared store in which instances claim an alert's 10-minute slot. */
  store: StateStore;
  maxAttempts?: number;
  maxInFlight?: number;
  maxQueued?: number;
  /** Instead of the store-backed flood rule (tests of the delivery itself). */
  floods?: AlertFloods;
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
  const maxInFlight = options.maxInFlight ?? MAX_IN_FLIGHT;
  const maxQueued = options.maxQueued ?? MAX_QUEUED;
  const floods = options.floods ?? createAlertFloods({ store: options.store });
  // Admissions asked of the flood rule and deliveries running: what drain() waits for.
  const pending = new Set<Promise<void>>();
  const queue: { event: SecurityEvent; count: number }[] = [];
  let running = 0;

  const track = (work: Promise<void>) => {
    const tracked = work.finally(() => pending.delete(tracked));
    pending.add(tracked);
  };

  function pump(): void {
    while (running < maxInFlight && queue.length > 0) {
      const next = queue.shift() as { event: SecurityEvent; count: number };
      running++;
      track(
        deliver(next.event, next.count).finally(() => {
          running--;
          pump();
        }),
      );
    }
  }

  function enqueue(event: SecurityEvent, count: number): void {
    if (queue.length >= maxQueued) {
      options.metrics.alertDeliveriesDropped.inc();
      options.log.error(
        { event_type: `security_${event.type}`, queued: queue.length, in_flight: running },
        'security alert dropped: too many deliveries pending',
      );
      return;
    }
    queue.push({ event, count });
    pump();
  }

  async function deliver(event: SecurityEvent, count: number): Promise<void> {
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
      // Occurrences of this event and subject since the last alert for them, this one included.
      count,
      window_seconds: ALERT_WINDOW_MS / 1000,
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
      track(
        floods.admit(event).then(
          (count) => {
            if (count !== null) enqueue(event, count);
          },
          (error: unknown) => {
            options.log.error(
              { err: error, event_type: `security_${event.type}` },
              'security alert not sent',
            );
          },
        ),
      );
    },
    async drain() {
      // A delivery starts (and is tracked) before the one it follows settles: nothing is missed.
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
