// Password hashing with bcrypt (OWASP ASVS 2.4.4: cost chosen for the hardware, raised over time).
// Hashing runs on low-priority worker threads (bcrypt-pool.ts), never on the event loop. Hashes are
// `$2b$`, the form passlib and every current implementation read and write.
import { randomBytes } from 'node:crypto';
import { genSaltSync } from 'bcrypt';
import type { BcryptEngine } from './bcrypt-pool.ts';
import { createBcryptPool } from './bcrypt-pool.ts';
import { MAX_PASSWORD_BYTES } from './policy.ts';

let pool: BcryptEngine | undefined;

/** The engine every hash and comparison goes through (tests may wrap its methods to count them). */
export const bcryptEngine: BcryptEngine = {
  hash: (data, salt) => {
    pool ??= createBcryptPool();
    return pool.hash(data, salt);
  },
  compare: (data, encrypted) => {
    pool ??= createBcryptPool();
    return pool.compare(data, encrypted);
  },
};

const MIN_COST = 4;
const MAX_COST = 31;
// $2a$, $2b$ and $2y$ (PHP's name for the corrected $2a$) compute the same function for inputs of at
// most 72 bytes; $2x$ (the old crypt_blowfish sign bug) is not accepted.
const BCRYPT_HASH = /^\$2([aby])\$(\d{2})\$[./A-Za-z0-9]{53}$/;

function requireCost(cost: number): void {
  if (!Number.isInteger(cost) || cost < MIN_COST || cost > MAX_COST) {
    throw new RangeError(`bcrypt cost must be an integer from ${MIN_COST} to ${MAX_COST}`);
  }
}

/**
 * A `$2b$` hash of `plain` at `cost`. Throws RangeError for input bcrypt would not hash faithfully:
 * over 72 UTF-8 bytes (bcrypt would silently ignore the rest) or containing NUL.
 */
export async function hashPassword(plain: string, cost: number): Promise<string> {
  requireCost(cost);
  if (Buffer.byteLength(plain, 'utf8') > MAX_PASSWORD_BYTES) {
    throw new RangeError(`password is longer than ${MAX_PASSWORD_BYTES} bytes`);
  }
  if (plain.includes('\0')) throw new RangeError('password contains a NUL character');
  return bcryptEngine.hash(plain, genSaltSync(cost, 'b'));
}

/**
 * Whether `plain` matches `storedHash`; false, never an exception, for a malformed or unsupported hash.
 * Input is cut to 72 bytes as bcrypt defines it: hashes made by the original service (passlib, which
 * truncated silently) of longer passwords must keep verifying, and cutting here also avoids the
 * length wrap-around of the native $2a$ code for inputs of 255+ bytes. New hashes never see such input.
 */
export async function verifyPassword(plain: string, storedHash: string): Promise<boolean> {
  const match = BCRYPT_HASH.exec(storedHash);
  if (match === null) return false;
  // The native binding knows $2a$ and $2b$ only; $2y$ is the same algorithm as $2b$.
  const normalised = match[1] === 'y' ? `$2b$${storedHash.slice(4)}` : storedHash;
  const input = Buffer.from(plain, 'utf8').subarray(0, MAX_PASSWORD_BYTES);
  try {
    return await bcryptEngine.compare(input, normalised);
  } catch {
    return false;
  }
}

/** True when a stored hash should be replaced at the next successful login: weaker cost, or not $2b$. */
export function needsRehash(storedHash: string, cost: number): boolean {
  const match = BCRYPT_HASH.exec(storedHash);
  return match === null || match[1] !== 'b' || Number(match[2]) < cost;
}

const dummies = new Map<number, Promise<string>>();

/**
 * A hash of a random password at `cost`, made once per cost. Login compares against it when the
 * e-mail is unknown, so both outcomes spend one bcrypt comparison at the same cost (ASVS 2.2.x /
 * CWE-208: no user enumeration by timing). Nothing can match it: its password is never known.
 */
export function dummyHash(cost: number): Promise<string> {
  let dummy = dummies.get(cost);
  if (dummy === undefined) {
    dummy = hashPassword(randomBytes(24).toString('base64url'), cost);
    dummies.set(cost, dummy);
    // A failed attempt (a bad cost) must not be remembered as the answer.
    dummy.catch(() => dummies.delete(cost));
  }
  return dummy;
}

/** Spends one comparison against the dummy hash and answers false: the unknown-e-mail path of login. */
export async function verifyAgainstDummy(plain: string, cost: number): Promise<false> {
  await verifyPassword(plain, await dummyHash(cost));
  return false;
}
