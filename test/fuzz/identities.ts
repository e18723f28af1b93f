// Who a generated request claims to be. Valid identities get a freshly minted token per request,
// so that a generated logout, logout-all or password change (which revoke everything issued
// before them) never locks the fuzzer out; forged ones get a token the service must refuse.
import type { TestApp } from '../helpers/app.ts';
import { issueToken } from '../helpers/identity.ts';
import { decodePart, hmacToken, unsignedToken } from '../security/forge.ts';
import type { Member, World } from './world.ts';

export const IDENTITIES = [
  'A.admin',
  'A.user',
  'B.admin',
  'B.user',
  'operator',
  'none',
  'forged.alg-none',
  'forged.other-key',
  'forged.expired',
  'garbage',
] as const;

export type IdentityName = (typeof IDENTITIES)[number];

export const isForged = (identity: IdentityName): boolean =>
  identity.startsWith('forged.') || identity === 'garbage';

/** The tenant whose data the identity may see; null for no tenant (and for the operator). */
export function tenantOf(identity: IdentityName): 'A' | 'B' | null {
  if (identity.startsWith('A.')) return 'A';
  if (identity.startsWith('B.')) return 'B';
  return null;
}

export function memberOf(world: World, identity: IdentityName): Member | undefined {
  switch (identity) {
    case 'A.admin':
      return world.A.admin;
    case 'A.user':
      return world.A.user;
    case 'B.admin':
      return world.B.admin;
    case 'B.user':
      return world.B.user;
    case 'operator':
      return world.operator;
    default:
      return undefined;
  }
}

/** The Authorization header for one request as `identity`, or none. */
export function authorizationFor(t: TestApp, world: World, identity: IdentityName): string | undefined {
  const member = memberOf(world, identity);
  if (member) return `Bearer ${issueToken(t, member)}`;
  if (identity === 'none') return undefined;
  if (identity === 'garbage') return 'Bearer abc.def.ghi';
  const genuine = issueToken(t, world.A.admin);
  const header = decodePart(genuine, 0);
  const claims = decodePart(genuine, 1);
  if (identity === 'forged.alg-none') return `Bearer ${unsignedToken({ ...header, alg: 'none' }, claims)}`;
  if (identity === 'forged.other-key') {
    return `Bearer ${hmacToken(header, claims, 'not-the-service-key-but-long-enough-000000')}`;
  }
  const now = Math.floor(Date.now() / 1000);
  return `Bearer ${hmacToken(header, { ...claims, iat: now - 7200, exp: now - 3600 }, t.config.secretKey[0] as string)}`;
}
