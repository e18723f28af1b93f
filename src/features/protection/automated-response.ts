// The original design's SecurityAutomation: each detection maps to its response, and each
// response is itself a recorded security event.
//   brute_force_detected  → block the client IP for IP_BLOCK_SECONDS       (→ ip_blocked)
//   suspicious_api_usage  → throttle the user for USER_RATE_LIMIT_SECONDS  (→ user_throttled)
//   any critical event    → alert the security team (signed webhook)
import type { Config } from '../../config.ts';
import type { Metrics } from '../../platform/metrics.ts';
import type { StateStore } from '../../platform/store/index.ts';
import type { SecurityEvent, SecurityEventRecorder } from '../audit/index.ts';
import { CRITICAL_EVENTS } from '../audit/index.ts';
import type { AlertDispatcher } from './alerts.ts';
import type { IpBlocks } from './ip-blocks.ts';
import type { UserThrottles } from './throttles.ts';

// Where the throttle lives moved to throttles.ts (durable, like IP blocks); the name stays here too.
export { throttleKey } from './throttles.ts';

export interface AutomatedResponseDeps {
  config: Config;
  store: StateStore;
  metrics: Metrics;
  ipBlocks: IpBlocks;
  throttles: UserThrottles;
  securityEvents: SecurityEventRecorder;
  alerts?: AlertDispatcher;
}

export function createAutomatedResponse(deps: AutomatedResponseDeps) {
  return async function respond(event: SecurityEvent): Promise<void> {
    if (CRITICAL_EVENTS.has(event.type)) deps.alerts?.send(event);

    if (event.type === 'brute_force_detected' && event.ip !== undefined) {
      const block = await deps.ipBlocks.block(event.ip, deps.config.ipBlockSeconds, 'brute_force_detected');
      deps.metrics.ipBlocks.inc();
      await deps.securityEvents.record({
        type: 'ip_blocked',
        description: `IP blocked for ${deps.config.ipBlockSeconds} seconds after brute force`,
        ip: event.ip,
        userId: event.userId,
        tenantId: event.tenantId,
        requestId: event.requestId,
        serverRequestId: event.serverRequestId,
        details: { blocked: block.ip, expires_at: block.expires_at, cause: 'brute_force_detected' },
      });
    }

    if (event.type === 'suspicious_api_usage' && event.userId !== undefined) {
      const seconds = deps.config.userRateLimitSeconds;
      await deps.throttles.throttle(event.userId, seconds);
      await deps.securityEvents.record({
        type: 'user_throttled',
        description: `User throttled for ${seconds} seconds after unusually high API usage`,
        ip: event.ip,
        userId: event.userId,
        tenantId: event.tenantId,
        requestId: event.requestId,
        serverRequestId: event.serverRequestId,
        details: { cause: 'suspicious_api_usage', seconds },
      });
    }
  };
}
