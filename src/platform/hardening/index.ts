// HTTP hardening, first in the request pipeline: security headers and CORS grants on every
// answer, then the cheapest refusals (URL length, method, plain HTTP in production), CORS
// preflights, and 405 for a known path asked with the wrong method. One onRequest hook, so the
// per-request cost is a handful of header assignments and comparisons.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config.ts';
import { AppError } from '../errors.ts';
import { createCorsPolicy } from './cors.ts';
import { installJsonBodyParser } from './json-body.ts';
import { IMPLEMENTED_METHODS, methodNotAllowed, notImplemented, RouteTable } from './methods.ts';
import { SECURITY_HEADERS, STRICT_TRANSPORT_SECURITY } from './security-headers.ts';
import { httpsRequired, mayUsePlainHttp } from './transport.ts';

export { CONSOLE_CONTENT_SECURITY_POLICY, DOCS_CONTENT_SECURITY_POLICY } from './security-headers.ts';
export { clientErrorHandler, createFrameworkErrors, createServerFactory, tlsOptions } from './server.ts';

/** Longer request targets are 414 (RFC 9110 §15.5.15); Node's header limit would stop them at 16 KiB. */
export const MAX_URL_LENGTH = 8 * 1024;

const uriTooLong = (): AppError => new AppError(414, 'URI_TOO_LONG', 'Request URI too long');

export const hardeningPlugin = fp(
  async (app: FastifyInstance, options: { config: Config }) => {
    const { config } = options;
    const cors = createCorsPolicy(config.corsOrigins);
    const routes = new RouteTable();
    app.addHook('onRoute', (route) => routes.add(route.url, route.method));
    installJsonBodyParser(app, config.bodyLimitBytes);

    app.addHook('onRequest', async (request, reply) => {
      reply.headers(SECURITY_HEADERS);
      const preflight = cors.apply(request, reply);
      if (request.url.length > MAX_URL_LENGTH) throw uriTooLong();
      if (!IMPLEMENTED_METHODS.has(request.method)) throw notImplemented();
      if (config.production) {
        if (request.protocol === 'https') {
          reply.header('strict-transport-security', STRICT_TRANSPORT_SECURITY);
        } else if (!mayUsePlainHttp(request.method, request.url, request.socket.remoteAddress)) {
          throw httpsRequired();
        }
      }
      if (preflight) return reply.code(204).send();
      if (request.is404) {
        const query = request.url.indexOf('?');
        const allowed = routes.allowedMethods(query === -1 ? request.url : request.url.slice(0, query));
        if (allowed === null) return;
        if (request.method === 'OPTIONS') return reply.code(204).header('allow', allowed.join(', ')).send();
        throw methodNotAllowed(allowed.join(', '));
      }
    });
  },
  { name: 'hardening', dependencies: ['errors'] },
);
