// The bot feature's use of the outbound client: the SSRF check when an api_url is stored, and the
// connection test each time one is used (OWASP ASVS 5.0 V1.3.6: checked again at use, since DNS
// answers and the DEBUG setting may have changed since). A refusal is one uniform 422 and an
// `ssrf_blocked` security event carrying the reason; the token is never part of either.

import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import type { ConnectionTestResult } from '../../platform/http/index.ts';
import {
  checkUrl,
  OUTBOUND_DEFAULTS,
  OutboundFailedError,
  OutboundRefusedError,
  testConnection,
} from '../../platform/http/index.ts';
import type { Metrics } from '../../platform/metrics.ts';
import { requestIds } from '../../platform/request-context.ts';
import type { SecurityEventRecorder } from '../audit/index.ts';
import { urlNotAllowed } from './bots.errors.ts';

export interface ConnectionTestDeps {
  config: Config;
  metrics: Metrics;
  securityEvents: SecurityEventRecorder;
}

export interface ConnectionTester {
  /** Refuses (422 + event) a URL that must not be stored; a name that does not resolve yet is allowed. */
  vetUrlForStorage(request: FastifyRequest, url: string, botId: string): Promise<void>;
  /** Runs the test; refuses (422 + event) a URL or redirect hop that must not be called. */
  test(request: FastifyRequest, url: string, token: string, botId?: string): Promise<ConnectionTestResult>;
}

type Outcome = 'ok' | 'failed' | 'refused' | 'timeout';

function outcomeOf(result: ConnectionTestResult): Outcome {
  if (result.ok) return 'ok';
  return result.error === 'timeout' || result.error === 'connect_timeout' ? 'timeout' : 'failed';
}

/** The host only (never the path or query, which may carry credentials), bounded for storage. */
export function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.slice(0, 255);
  } catch {
    return undefined;
  }
}

export function createConnectionTester(deps: ConnectionTestDeps): ConnectionTester {
  const policy = { allowPrivateNetworks: deps.config.debug };

  async function refuse(
    request: FastifyRequest,
    error: OutboundRefusedError,
    url: string,
    context: Record<string, unknown>,
  ) {
    await deps.securityEvents.record({
      type: 'ssrf_blocked',
      description: 'Outbound URL refused',
      ip: request.ip,
      userId: request.auth?.userId,
      tenantId: request.auth?.tenantId,
      ...requestIds(request),
      details: { reason: error.reason, host: hostOf(url), ...context },
    });
    return urlNotAllowed();
  }

  return {
    async vetUrlForStorage(request, url, botId) {
      try {
        await checkUrl(url, { ...policy, signal: AbortSignal.timeout(OUTBOUND_DEFAULTS.connectTimeoutMs) });
      } catch (error) {
        if (error instanceof OutboundRefusedError) {
          throw await refuse(request, error, url, { phase: 'store', bot_id: botId });
        }
        // Not resolvable right now (dns_failed, timeout): nothing to classify yet. Storing is
        // harmless, because every use checks the URL again before any connection is opened.
        if (!(error instanceof OutboundFailedError)) throw error;
      }
    },

    async test(request, url, token, botId) {
      try {
        const result = await testConnection(url, token, policy);
        deps.metrics.outboundTests.inc({ outcome: outcomeOf(result) });
        return result;
      } catch (error) {
        if (error instanceof OutboundRefusedError) {
          deps.metrics.outboundTests.inc({ outcome: 'refused' });
          throw await refuse(request, error, url, { phase: 'test', ...(botId ? { bot_id: botId } : {}) });
        }
        throw error;
      }
    },
  };
}
