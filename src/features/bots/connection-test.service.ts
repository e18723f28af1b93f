// The bot feature's use of the outbound client: the SSRF check when an api_url is stored, and the
// connection test each time one is used (OWASP ASVS 5.0 V1.3.6: checked again at use, since DNS
// answers and the DEBUG setting may have changed since). A refused URL is a 422 in the validation
// shape saying why in a user's words (url-refusal.ts), a refused redirect hop a test result saying
// so; each is an `ssrf_blocked` security event carrying the reason. The token is in none of them.

import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { ValidationFailed } from '../../platform/errors.ts';
import type { RefusalReason } from '../../platform/http/index.ts';
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
import type { ConnectionTestView } from './bots.schemas.ts';
import type { UrlField } from './url-refusal.ts';
import { BODY_API_URL, refusedRedirectDetail, refusedUrlIssue, STORED_API_URL } from './url-refusal.ts';

export interface ConnectionTestDeps {
  config: Config;
  metrics: Metrics;
  securityEvents: SecurityEventRecorder;
}

export interface ConnectionTester {
  /** Refuses (422 + event) a URL that must not be stored; a name that does not resolve yet is allowed. */
  vetUrlForStorage(request: FastifyRequest, url: string, botId: string): Promise<void>;
  /**
   * Runs the test of a URL given in the body, or stored on bot `botId`; refuses (422 + event) a URL
   * that must not be called, and reports a redirect hop that must not be (`redirect_refused` + event).
   */
  test(request: FastifyRequest, url: string, token: string, botId?: string): Promise<ConnectionTestView>;
}

type Outcome = 'ok' | 'failed' | 'refused' | 'timeout';

function outcomeOf(result: ConnectionTestView): Outcome {
  if (result.ok) return 'ok';
  if (result.error === 'redirect_refused') return 'refused';
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

  function ssrfBlocked(
    request: FastifyRequest,
    reason: RefusalReason,
    url: string,
    context: Record<string, unknown>,
  ): Promise<void> {
    return deps.securityEvents.record({
      type: 'ssrf_blocked',
      description: 'Outbound URL refused',
      ip: request.ip,
      userId: request.auth?.userId,
      tenantId: request.auth?.tenantId,
      ...requestIds(request),
      details: { reason, host: hostOf(url), ...context },
    });
  }

  async function refuse(
    request: FastifyRequest,
    error: OutboundRefusedError,
    url: string,
    field: UrlField,
    context: Record<string, unknown>,
  ): Promise<ValidationFailed> {
    await ssrfBlocked(request, error.reason, url, context);
    return new ValidationFailed([refusedUrlIssue(error.reason, field)]);
  }

  return {
    async vetUrlForStorage(request, url, botId) {
      try {
        await checkUrl(url, { ...policy, signal: AbortSignal.timeout(OUTBOUND_DEFAULTS.connectTimeoutMs) });
      } catch (error) {
        if (error instanceof OutboundRefusedError) {
          throw await refuse(request, error, url, BODY_API_URL, { phase: 'store', bot_id: botId });
        }
        // Not resolvable right now (dns_failed, timeout): nothing to classify yet. Storing is
        // harmless, because every use checks the URL again before any connection is opened.
        if (!(error instanceof OutboundFailedError)) throw error;
      }
    },

    async test(request, url, token, botId) {
      const context = { phase: 'test', ...(botId ? { bot_id: botId } : {}) };
      try {
        const { refusal, ...result } = await testConnection(url, token, policy);
        const view: ConnectionTestView =
          refusal === undefined ? result : { ...result, detail: refusedRedirectDetail(refusal) };
        if (refusal !== undefined) await ssrfBlocked(request, refusal, url, context);
        deps.metrics.outboundTests.inc({ outcome: outcomeOf(view) });
        return view;
      } catch (error) {
        if (error instanceof OutboundRefusedError) {
          deps.metrics.outboundTests.inc({ outcome: 'refused' });
          throw await refuse(request, error, url, botId ? STORED_API_URL : BODY_API_URL, context);
        }
        throw error;
      }
    },
  };
}
