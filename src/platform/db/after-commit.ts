// Work that must follow a transaction's commit: copying what the transaction made durable into a
// cache (the state store). Done inside the transaction, a cache write that succeeded before a
// failed COMMIT would enforce on some instances a revocation the database — and so every fresh
// instance — does not have. After the commit, the database is the source of truth and the cache
// only ever lags it (re-seeding closes that gap; see src/platform/store/reseed.ts).
import type { Database, Tx } from './types.ts';

type Work = () => Promise<void>;

// A symbol, so that spreading the transaction (`{ ...tx, audit }`) keeps the queue.
const QUEUE = Symbol('afterCommit');

type WithQueue = Tx & { [QUEUE]?: Work[] };

/**
 * Runs `work` after the transaction `tx` commits, before `withTenant` returns; a failure of the
 * work then rejects the caller (the change is committed, the cache may lag: answer 503). Never
 * runs when the transaction rolls back.
 */
export function afterCommit(tx: Tx, work: Work): void {
  const queue = (tx as WithQueue)[QUEUE];
  if (queue === undefined) throw new TypeError('afterCommit needs a transaction of withAfterCommit(db)');
  queue.push(work);
}

/** The same database, whose transactions accept `afterCommit` work. */
export function withAfterCommit(db: Database): Database {
  return {
    kind: db.kind,
    runtimeLogin: db.runtimeLogin,
    async withTenant(tenantId, fn, options) {
      const queue: Work[] = [];
      const result = await db.withTenant(
        tenantId,
        (tx) => fn({ ...tx, [QUEUE]: queue } as WithQueue),
        options,
      );
      // In order, each after the previous one: later work may depend on earlier (mark, then keys).
      for (const work of queue) await work();
      return result;
    },
    // Delegated at call time, not copied: a test may replace the wrapped database's methods.
    withOwner: (fn) => db.withOwner(fn),
    ping: () => db.ping(),
    close: () => db.close(),
  };
}
