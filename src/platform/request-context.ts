// Request ids and the one access-log line per request. A well-formed incoming X-Request-ID is
// kept (so a proxy's id follows the request), anything else is replaced by a fresh UUID.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const WELL_FORMED_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && WELL_FORMED_ID.test(incoming) ? incoming : randomUUID();
}

export const requestContextPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRequest', async (request, reply) => {
      reply.header('x-request-id', request.id);
    });
    // Written through the root logger with the request id as a field: the request's own logger
    // would first have to become a pino child (see lazyChildLoggerFactory) only for this line.
    app.addHook('onResponse', async (request, reply) => {
      app.log.info(
        {
          reqId: request.id,
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status: reply.statusCode,
          duration_ms: Math.round(reply.elapsedTime * 100) / 100,
          ip: request.ip,
          user_id: request.auth?.userId,
          tenant_id: request.auth?.tenantId,
        },
        'request completed',
      );
    });
  },
  { name: 'request-context' },
);
