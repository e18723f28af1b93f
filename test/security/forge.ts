// JWTs built by hand, the way an attacker builds them: any header, any payload, any algorithm.
import { generateKeyPairSync, sign } from 'node:crypto';

// The HMAC and unsigned forgeries are the auth suite's; this file adds what the attacker's view needs.
export { hmacToken, unsignedToken } from '../auth/forge.ts';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

export function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index] as string, 'base64url').toString('utf8'));
}

/** Signed with a fresh key pair of the given kind; the public key is returned to embed it. */
export function asymmetricToken(
  kind: 'rsa' | 'ec',
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
) {
  const pair =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const input = `${b64({ ...header, alg: kind === 'rsa' ? 'RS256' : 'ES256' })}.${b64(payload)}`;
  const signature = sign('sha256', Buffer.from(input), {
    key: pair.privateKey,
    ...(kind === 'ec' ? { dsaEncoding: 'ieee-p1363' as const } : {}),
  });
  return { token: `${input}.${signature.toString('base64url')}`, publicKey: pair.publicKey };
}
