// Start-up: put the revocations still in force back into the state store before serving. The
// in-process store starts empty after a restart and Redis may have been flushed or failed over;
// the database holds the durable copy. Idempotent (each instance of the server shape may run it),
// one query, and store writes in batches of one round trip each. Its cost grows with the live
// revocations only: expired ones are not read.
import type { Database } from '../../platform/db/index.ts';
import type { StateStore, StoreOp } from '../../platform/store/index.ts';
import { liveRevocations } from './revocation.repository.ts';
import { revocationKeys } from './revocation.ts';

const BATCH = 1_000;

export async function restoreRevocations(deps: { db: Database; store: StateStore }): Promise<number> {
  const rows = await deps.db.withTenant(null, (tx) => liveRevocations(tx));
  const now = Date.now();
  const ops: StoreOp[] = [];
  for (const row of rows) {
    const keys = revocationKeys(row.subject);
    if (row.kind === 'inactive') {
      ops.push({ op: 'set', key: keys.inactive, value: '1' });
      continue;
    }
    const ttlMs = (row.expires_at_ms ?? 0) - now;
    if (ttlMs <= 0) continue;
    if (row.kind === 'jti') {
      // For a jti row the subject is the jti itself; the user part of the keys is unused.
      ops.push({ op: 'set', key: keys.jti(row.subject), value: '1', ttlMs });
    } else {
      ops.push({ op: 'set', key: keys.revokedBefore, value: String(row.revoked_before_ms), ttlMs });
    }
  }
  for (let i = 0; i < ops.length; i += BATCH) await deps.store.batch(ops.slice(i, i + BATCH));
  return ops.length;
}
