// GET /metrics (Prometheus text) and the HTTP duration histogram behind it.
// Access: `Authorization: Bearer <METRICS_TOKEN>` when the token is configured; otherwise only a
// loopback peer (the socket's address; X-Forwarded-For can only make it stricter, when a trusted
// proxy on this machine forwards a remote client). Every refusal is an
// `unauthorized_access_attempt`: the deployment's proxy never forwards /metrics, so a refused
// scrape comes from inside the network and deserves a look.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config.ts';
import { type AppError, notAuthenticated, serviceUnavailable } from '../../platform/errors.ts';
import { IMPLEMENTED_METHODS } from '../../platform/hardening/methods.ts';
import { isLoopback } from '../../platform/hardening/transport.ts';
import type { Metrics } from '../../platform/metrics.ts';
import { errorResponse } from '../../platform/openapi.ts';
import { requestIds } from '../../platform/request-context.ts';
import type { SecurityEventRecorder } from '../audit/index.ts';
import { metricsLoopbackOnly } from './ops.refusals.ts';

/** What /metrics uses. */
export interface MetricsRouteDeps {
  config: Config;
  metrics: Metrics;
  securityEvents: SecurityEventRecorder;
}

type DurationChild = ReturnType<Metrics['httpDuration']['labels']>;

/**
 * Records every answer in `http_request_duration_seconds{method, route, status_code}`. The route
 * is the matched pattern (`/api/v1/bots/:id`), `unmatched` for 404s, never the raw path; methods
 * outside the implemented set are `OTHER`. All three labels are therefore bounded.
 */
export const httpMetricsPlugin = fp(
  async (app: FastifyInstance, options: { metrics: Metrics }) => {
    const histogram = options.metrics.httpDuration;
    // Label lookups hash and sort the label object; a map of children keyed by one string is cheaper.
    const children = new Map<string, DurationChild>();
    app.addHook('onResponse', async (request, reply) => {
      const method = IMPLEMENTED_METHODS.has(request.method) ? request.method : 'OTHER';
      const route = request.routeOptions.url ?? 'unmatched';
      const status = reply.statusCode;
      const key = `${method} ${status} ${route}`;
      let child = children.get(key);
      if (child === undefined) {
        child = histogram.labels({ method, route, status_code: String(status) });
        children.set(key, child);
      }
      child.observe(reply.elapsedTime / 1000);
    });
  },
  { name: 'http-metrics' },
);

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time check of the bearer token (hashing first makes the lengths equal). */
function presentsToken(request: FastifyRequest, expected: Buffer): boolean | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match) return false;
  return timingSafeEqual(digest(match[1] as string), expected);
}

export async function metricsRoutes(app: FastifyInstance, deps: MetricsRouteDeps) {
  const { metrics, securityEvents, config } = deps;
  const expected = config.metricsToken === undefined ? null : digest(config.metricsToken);

  async function refuse(request: FastifyRequest, reason: string, error: AppError): Promise<never> {
    await securityEvents.record({
      type: 'unauthorized_access_attempt',
      description: 'Metrics read refused',
      ip: request.ip,
      ...requestIds(request),
      details: { endpoint: '/metrics', reason },
    });
    throw error;
  }

  app.get(
    '/metrics',
    {
      // Never refused by an IP block or a route limit (scrapers come from fixed addresses); a
      // flood of wrong tokens is bounded by the recorder's flood rule instead.
      config: { probe: true },
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics (bearer METRICS_TOKEN, or loopback when it is unset)',
        description:
          'Prometheus text exposition of this instance (with WORKERS > 1, of all its workers merged). ' +
          'Never refused by an IP block or a route limit. Every refusal is an unauthorized_access_attempt.',
        security: [{ metricsToken: [] }],
        response: {
          200: {
            description: 'Prometheus text exposition format',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          403: errorResponse(
            'METRICS_TOKEN is unset and the client is not on loopback.',
            metricsLoopbackOnly(),
          ),
          503: errorResponse(
            "WORKERS > 1 and a worker's figures could not be collected, or the instance is shutting down.",
            serviceUnavailable('metrics of every worker'),
          ),
        },
      },
    },
    async (request, reply) => {
      if (expected !== null) {
        const presented = presentsToken(request, expected);
        if (presented !== true) {
          await refuse(request, presented === null ? 'missing_token' : 'wrong_token', notAuthenticated());
        }
      } else if (!isLoopback(request.socket.remoteAddress) || !isLoopback(request.ip)) {
        // Both the socket peer and the client it forwards (when it is a trusted proxy) must be
        // local: a reverse proxy on this machine is a loopback peer for any remote client.
        await refuse(request, 'not_loopback', metricsLoopbackOnly());
      }
      let body: string;
      try {
        body = await metrics.scrape();
      } catch (error) {
        // WORKERS > 1 and the primary could not collect every worker: no partial figures, which
        // Prometheus would read as counter resets.
        request.log.warn({ err: error }, 'instance metrics unavailable');
        throw serviceUnavailable('metrics of every worker');
      }
      return reply.header('cache-control', 'no-store').type(metrics.registry.contentType).send(body);
    },
  );
}
