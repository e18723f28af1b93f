// The state-store keys every request reads (revocations, inactive users, IP blocks, user
// throttles), which the Redis store keeps in a local mirror. Each prefix is the constant of the
// feature that owns its keys, so renaming a key renames what is mirrored; the store itself
// (src/platform/store/) knows no feature and is handed this list where it is created.
import { INACTIVE_PREFIX, REVOKED_PREFIX } from './features/auth/revocation.ts';
import { IP_BLOCK_PREFIX } from './features/protection/ip-blocks.ts';
import { USER_THROTTLE_PREFIX } from './features/protection/throttles.ts';

export const MIRRORED_PREFIXES: readonly string[] = [
  REVOKED_PREFIX,
  INACTIVE_PREFIX,
  IP_BLOCK_PREFIX,
  USER_THROTTLE_PREFIX,
];
