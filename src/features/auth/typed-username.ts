// What a security event, log line or alert may say about the username a client typed at login.
// People type passwords into the e-mail field: the typed text is kept only when it names an existing
// account (then it is that account's e-mail); otherwise only a keyed hash of it, enough to see that
// attempts repeat the same name without keeping what was typed (OWASP Logging Cheat Sheet: never log
// passwords, even misplaced ones). The same hash keys the brute-force counters in the state store.
//
// HMAC-SHA256 with a key derived from the first SECRET_KEY under its own HKDF purpose, truncated to
// 64 bits: stable across instances and restarts (so attempts correlate), useless without the key
// for guessing what was typed. A rotation of the first SECRET_KEY starts new hashes.
import { createHmac } from 'node:crypto';
import { hkdf } from '../../platform/crypto/key-ring.ts';

const INFO = 'tradewise/typed-username/v1';

export type UsernameHash = (normalisedUsername: string) => string;

export function createUsernameHash(secretKeys: readonly string[]): UsernameHash {
  const first = secretKeys[0];
  if (first === undefined) throw new Error('the username hash needs a SECRET_KEY');
  const key = hkdf(Buffer.from(first, 'utf8'), INFO, 32);
  return (username) => createHmac('sha256', key).update(username, 'utf8').digest('hex').slice(0, 16);
}
