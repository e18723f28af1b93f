// The signed verified point: the (seq, hash) up to which a verification last found a tenant's
// chain intact, so that the next one starts there (see audit-verify.ts).
//
// The point lives in the database next to the chain, so a database-only attacker (or the runtime
// role) could rewrite the history and then move the point onto the rewritten chain. The point is
// therefore signed: HMAC-SHA256 (RFC 2104) over its tenant, seq, hash and time, keyed with
// HKDF(ENCRYPTION_KEY entry, "tradewise/audit-verified-point/hmac-sha256/v1"), a key of its own
// purpose that lives only in the service's configuration. The first configured key signs, every
// configured key verifies (rotation); a point under a key no longer configured, or whose MAC does
// not match, is ignored and the whole chain is walked again.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseEncryptionKeys } from '../../platform/crypto/index.ts';

const INFO = 'tradewise/audit-verified-point/hmac-sha256/v1';
const FORMAT = 'tradewise.audit-verified-point.v1';

export interface VerifiedPoint {
  tenantId: string;
  seq: number;
  hash: string;
  verifiedAt: Date;
}

export interface SignedVerifiedPoint extends VerifiedPoint {
  keyId: string;
  mac: string;
}

export interface VerifiedPointSeal {
  sign(point: VerifiedPoint): SignedVerifiedPoint;
  /** True when the point was signed by one of the configured keys and is unchanged since. */
  check(point: SignedVerifiedPoint): boolean;
}

function message(point: VerifiedPoint): string {
  return JSON.stringify([
    FORMAT,
    point.tenantId.toLowerCase(),
    point.seq,
    point.hash,
    point.verifiedAt.toISOString(),
  ]);
}

export function createVerifiedPointSeal(encryptionKey: readonly string[]): VerifiedPointSeal {
  const ring = parseEncryptionKeys(encryptionKey);
  const keys = new Map(ring.kids.map((kid) => [kid, ring.derive(kid, INFO)]));
  const mac = (key: Buffer, point: VerifiedPoint) =>
    createHmac('sha256', key).update(message(point), 'utf8').digest();
  return {
    sign(point) {
      const key = keys.get(ring.primaryKid) as Buffer;
      return { ...point, keyId: ring.primaryKid, mac: mac(key, point).toString('hex') };
    },
    check(point) {
      const key = keys.get(point.keyId);
      if (key === undefined || !/^[0-9a-f]{64}$/.test(point.mac)) return false;
      return timingSafeEqual(mac(key, point), Buffer.from(point.mac, 'hex'));
    },
  };
}
