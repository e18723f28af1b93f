// Access tokens: HS256 JWTs with exactly the original design's claims. SECRET_KEY may list several
// keys: the first signs (its `kid` in the header), all verify, so keys rotate without logging
// everyone out. A token without `kid` is checked against the first key only, which keeps tokens
// of the original Python service (no kid) working. Verification pins HS256 (RFC 8725 §3.1),
// requires every claim and checks `iss` and `aud`.
import { randomBytes } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';
import { parseSigningKeys } from '../../platform/crypto/index.ts';
import { uuidV7 } from './revocation.ts';

export const ISSUER = 'tradewise-api';
export const AUDIENCE = 'tradewise-client';
const REQUIRED_CLAIMS = ['sub', 'tenant_id', 'user_id', 'roles', 'exp', 'iat', 'jti', 'iss', 'aud'];

export interface AccessClaims {
  sub: string;
  tenant_id: string;
  user_id: string;
  roles: string[];
  exp: number;
  iat: number;
  jti: string;
  iss: string;
  aud: string;
}

export interface IssuedToken {
  token: string;
  claims: AccessClaims;
}

/** Why a token was refused; each maps to its security event. */
export type TokenFailure = 'token_expired' | 'token_invalid';

export class TokenError extends Error {
  constructor(readonly reason: TokenFailure) {
    super('Could not validate credentials');
    this.name = 'TokenError';
  }
}

export interface TokenService {
  issue(subject: { email: string; tenantId: string; userId: string; roles: readonly string[] }): IssuedToken;
  verify(token: string): AccessClaims;
}

export function createTokenService(options: {
  secretKeys: readonly string[];
  expireMinutes: number;
}): TokenService {
  const keys = parseSigningKeys(options.secretKeys);
  const signing = keys[0] as (typeof keys)[number];
  const sign = createSigner({ key: signing.secret, algorithm: 'HS256', kid: signing.kid });

  const verifiers = new Map(
    keys.map(({ kid, secret }) => [
      kid,
      createVerifier({
        key: secret,
        algorithms: ['HS256'],
        allowedIss: ISSUER,
        allowedAud: AUDIENCE,
        requiredClaims: REQUIRED_CLAIMS,
        cache: 10_000,
        // The default cache key hashes the token so that the cache never holds bearer tokens.
      }),
    ]),
  );
  const verifyWithoutKid = verifiers.get(signing.kid);

  return {
    issue({ email, tenantId, userId, roles }) {
      // The jti is a UUIDv7 carrying the issue time in milliseconds (see revocation.ts).
      const now = Date.now();
      const iat = Math.floor(now / 1000);
      const claims: AccessClaims = {
        sub: email,
        tenant_id: tenantId,
        user_id: userId,
        roles: [...roles],
        exp: iat + options.expireMinutes * 60,
        iat,
        jti: uuidV7(now, randomBytes(10)),
        iss: ISSUER,
        aud: AUDIENCE,
      };
      return { token: sign(claims), claims };
    },
    verify(token) {
      const verifier = chooseVerifier(token, verifiers, verifyWithoutKid);
      if (verifier === undefined) throw new TokenError('token_invalid');
      let payload: unknown;
      try {
        payload = verifier(token);
      } catch (error) {
        const code = (error as { code?: string }).code;
        throw new TokenError(code === 'FAST_JWT_EXPIRED' ? 'token_expired' : 'token_invalid');
      }
      if (!hasClaimTypes(payload)) throw new TokenError('token_invalid');
      return payload;
    },
  };
}

type Verifier = (token: string) => unknown;

function chooseVerifier(
  token: string,
  verifiers: Map<string, Verifier>,
  withoutKid: Verifier | undefined,
): Verifier | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 8192) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (header === null || typeof header !== 'object') return undefined;
  const h = header as Record<string, unknown>;
  // Keys come from configuration only: a token naming its own key (jwk, jku, x5u, x5c) is forged.
  if ('jwk' in h || 'jku' in h || 'x5u' in h || 'x5c' in h || 'crit' in h) return undefined;
  if (h.kid === undefined) return withoutKid;
  return typeof h.kid === 'string' ? verifiers.get(h.kid) : undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function hasClaimTypes(payload: unknown): payload is AccessClaims {
  if (payload === null || typeof payload !== 'object') return false;
  const p = payload as Record<string, unknown>;
  return (
    typeof p.sub === 'string' &&
    typeof p.tenant_id === 'string' &&
    UUID.test(p.tenant_id) &&
    typeof p.user_id === 'string' &&
    UUID.test(p.user_id) &&
    Array.isArray(p.roles) &&
    p.roles.every((r) => typeof r === 'string') &&
    typeof p.jti === 'string' &&
    p.jti.length > 0 &&
    p.jti.length <= 128 &&
    Number.isInteger(p.iat) &&
    Number.isInteger(p.exp)
  );
}
