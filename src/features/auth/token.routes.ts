// POST /auth/token: login with the OAuth2 password form (RFC 6749 §4.3.2) or JSON. The only route
// that accepts form bodies: its own context holds the form parser. A login asking for the refresh
// cookie must come from an allowed Origin (login CSRF: a cross-site form must not plant someone
// else's session in the victim's browser).

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.ts';
import { ValidationFailed } from '../../platform/errors.ts';
import { errorResponse } from '../../platform/openapi.ts';
import type { SecurityEventRecorder } from '../audit/index.ts';
import { csrfCheckFailed, inactiveUser, invalidCredentials } from './auth.errors.ts';
import { TokenFormBody, TokenJsonBody, TokenResponse } from './auth.schemas.ts';
import type { AuthServices } from './auth.services.ts';
import { setDeviceCookie } from './device-cookie.ts';
import { acceptFormBodies, FORM_CONTENT_TYPE } from './form-body.ts';
import { requireCsrfProof } from './refresh-cookie.ts';
import { tokenResponse } from './token-response.ts';

/** What the token (login) route uses. */
export interface TokenRouteDeps {
  config: Config;
  securityEvents: SecurityEventRecorder;
}

export async function tokenRoute(
  scope: FastifyInstance,
  { deps, services }: { deps: TokenRouteDeps; services: AuthServices },
): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  acceptFormBodies(app);

  app.post(
    '/auth/token',
    {
      config: { rateLimit: ['login'] },
      schema: {
        tags: ['auth'],
        summary: 'Log in: OAuth2 password form or JSON {username|email, password}',
        description:
          'Unknown e-mail and wrong password get the same 401. Form fields grant_type (must be "password"), ' +
          'scope, client_id and client_secret are accepted and ignored. `cookie`: see the schema. ' +
          'A successful login also sets the HttpOnly device cookie tw_device (Path=/api/v1/auth): ' +
          "presented later, it spares this account's logins the slowdown others' failures cause.",
        body: {
          content: {
            'application/json': { schema: TokenJsonBody },
            [FORM_CONTENT_TYPE]: { schema: TokenFormBody },
          },
        },
        response: {
          200: TokenResponse,
          400: errorResponse(
            'The account has been deactivated (and the password was right).',
            inactiveUser(),
          ),
          401: errorResponse('Unknown e-mail or wrong password (one answer for both).', invalidCredentials()),
          403: errorResponse(
            '`cookie: true` from an Origin that is not allowed (CORS_ORIGINS).',
            csrfCheckFailed(),
          ),
        },
      },
    },
    async (request, reply) => {
      // Without a body (and so without a content type) neither schema ran: refuse it as a body would be.
      if (request.body === undefined || request.body === null) {
        throw new ValidationFailed([
          { loc: ['body'], msg: 'Input should be a valid object', type: 'dict_type' },
        ]);
      }
      const body = request.body as {
        username?: string;
        email?: string;
        password: string;
        cookie?: boolean | 'true' | 'false';
      };
      if (body.username !== undefined && body.email !== undefined) {
        throw new ValidationFailed([
          { loc: ['body', 'email'], msg: 'Give either username or email, not both', type: 'value_error' },
        ]);
      }
      const username = body.username ?? body.email;
      if (username === undefined) {
        throw new ValidationFailed([{ loc: ['body', 'username'], msg: 'Field required', type: 'missing' }]);
      }
      const cookieMode = body.cookie === true || body.cookie === 'true';
      if (cookieMode) await requireCsrfProof(request, deps.config, deps.securityEvents, { originOnly: true });
      const { pair, deviceCookie } = await services.login.login(request, {
        username,
        password: body.password,
      });
      // Every client that logs in may keep a device cookie: its later logins are not slowed by
      // others' failures against the account (brute-force.ts).
      setDeviceCookie(request, reply, deps.config, deviceCookie);
      return tokenResponse(request, reply, deps.config, pair, cookieMode);
    },
  );
}
