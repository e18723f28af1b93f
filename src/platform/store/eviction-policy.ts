// Start-up check of Redis's maxmemory-policy. Revocations, IP blocks and throttles are keys with a
// TTL: under any eviction policy but `noeviction` — the volatile-* ones included, which evict
// exactly keys with a TTL — Redis may drop them when memory runs short, and a revoked token would
// be accepted again until the next re-seed from the database. Production refuses to start; other
// environments warn loudly. Managed Redis often forbids CONFIG: then the check says it could not
// be made, and the operator has to confirm the setting with the provider.
import type { FastifyBaseLogger } from 'fastify';
import type { StateStore } from './types.ts';

export class EvictionPolicyError extends Error {}

interface WithPolicies {
  evictionPolicies(): Promise<{ node: string; policy?: string; error?: string }[]>;
}

function hasPolicies(store: StateStore): store is StateStore & WithPolicies {
  return typeof (store as Partial<WithPolicies>).evictionPolicies === 'function';
}

export async function checkEvictionPolicy(
  store: StateStore,
  options: { production: boolean; log: FastifyBaseLogger },
): Promise<void> {
  if (!hasPolicies(store)) return;
  let policies: Awaited<ReturnType<WithPolicies['evictionPolicies']>>;
  try {
    policies = await store.evictionPolicies();
  } catch {
    options.log.warn(
      'Redis maxmemory-policy could not be checked (Redis unreachable at start-up): it must be noeviction',
    );
    return;
  }
  const evicting = policies.filter((p) => p.policy !== undefined && p.policy !== 'noeviction');
  for (const { node, error } of policies.filter((p) => p.error !== undefined)) {
    options.log.warn(
      { node, reason: error },
      'Redis maxmemory-policy could not be checked (CONFIG GET not permitted?): make sure it is noeviction',
    );
  }
  if (evicting.length === 0) return;
  const list = evicting.map((p) => `${p.node}=${p.policy}`).join(', ');
  const message =
    `Redis maxmemory-policy is not noeviction (${list}): Redis may evict revocation, IP block and ` +
    'throttle keys (they have TTLs, so volatile-* policies evict them too) and revoked tokens would ' +
    'be accepted again; set maxmemory-policy noeviction';
  if (options.production) throw new EvictionPolicyError(`${message} (refusing to start in production)`);
  options.log.error({ policies: evicting }, `WARNING: ${message}`);
}
