// Request ids and the one access-log line per request. A well-formed incoming X-Request-ID is
// kept (so a proxy's id follows the request), anything else is replaced by a fresh UUID.
//
// The kept id is the client's to choose, so two requests may carry the same one, or one naming
// another's. Every request therefore also gets the server's own id (`request.serverRequestId`, a
// fresh UUID nobody outside chooses), written beside the client's in the access log, the audit
// record and every security event of the request (SecurityEventInput requires it, so no call site
// can forget it). It is passed explicitly, not through an AsyncLocalStorage: on Node 20 that turns
// on promise hooks for the whole process, which cost a quarter of a read's CPU in the bench.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    /** The server's own id for this request (UUID), whatever X-Request-ID the client sent. */
    serverRequestId: string;
  }
}

const WELL_FORMED_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Both ids of a request, as audit records and security events carry them. */
export function requestIds(request: { id: string; serverRequestId: string }): {
  requestId: string;
  serverRequestId: string;
} {
  return { requestId: request.id, serverRequestId: request.serverRequestId };
}

export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && WELL_FORMED_ID.test(incoming) ? incoming : randomUUID();
}

export const requestContextPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('serverRequestId', '');
    app.addHook('onRequest', (request, reply, done) => {
      request.serverRequestId = randomUUID();
      reply.header('x-request-id', request.id);
      done();
    });
    // Written through the root logger with the request id as a field: the request's own logger
    // would first have to become a pino child (see lazyChildLoggerFactory) only for this line.
    app.addHook('onResponse', async (request, reply) => {
      app.log.info(
        {
          request_id: request.id,
          server_request_id: request.serverRequestId,
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
