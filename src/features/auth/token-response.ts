// The body and headers of every response that carries tokens (RFC 6749 §5.1): `Cache-Control:
// no-store` and `Pragma: no-cache`, so that no cache keeps a token. In cookie mode the refresh token
// goes into the HttpOnly cookie instead of the body.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { setSessionCookies } from './refresh-cookie.ts';
import type { TokenPair } from './sessions.service.ts';

export interface TokenResponseBody {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_token?: string;
}

export function noStore(reply: FastifyReply): void {
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

export function tokenResponse(
  request: FastifyRequest,
  reply: FastifyReply,
  config: Config,
  pair: TokenPair,
  cookieMode: boolean,
): TokenResponseBody {
  noStore(reply);
  const body: TokenResponseBody = {
    access_token: pair.access.token,
    token_type: 'bearer',
    expires_in: pair.access.claims.exp - pair.access.claims.iat,
  };
  if (cookieMode) setSessionCookies(request, reply, config, pair.refreshToken, pair.sessionExpiresAt);
  else body.refresh_token = pair.refreshToken;
  return body;
}
