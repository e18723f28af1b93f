// Builds JWTs by hand, the way an attacker would: any header, any payload, any algorithm.
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

export function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'));
}

export function decodeHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString('utf8'));
}

export function hmacToken(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret: string,
  hash: 'sha256' | 'sha384' | 'sha512' = 'sha256',
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

export function unsignedToken(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  return `${b64(header)}.${b64(payload)}.`;
}

export function rsaToken(header: Record<string, unknown>, payload: Record<string, unknown>) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const input = `${b64({ ...header, alg: 'RS256' })}.${b64(payload)}`;
  return {
    token: `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`,
    publicKey,
  };
}

export function ecToken(header: Record<string, unknown>, payload: Record<string, unknown>) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const input = `${b64({ ...header, alg: 'ES256' })}.${b64(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return { token: `${input}.${signature.toString('base64url')}`, publicKey };
}
