// At most a few mutating transactions per tenant at once, per instance; the rest wait in memory.
//
// Why: writers of one tenant serialise on a per-tenant lock they take last, before commit (the
// audit chain head: features/audit/audit.repository.ts), so a burst of one tenant's writes cannot go faster than one commit after
// another. Without this gate every request of the burst would take a pooled connection and hold it
// while it waits for the head lock: one busy tenant would take the whole pool from every other
// tenant, and its own last requests would time out waiting for a connection (503). Measured: a
// burst of 200 writes to one tenant on a loaded 2-core machine got 503s that way. With two writers
// per tenant (one committing, one doing its work meanwhile), the burst runs as fast as the chain
// allows, uses two connections, and queues the rest in arrival order.
export const WRITERS_PER_TENANT = 2;

export interface TenantWriterGate {
  run<T>(tenantId: string, work: () => Promise<T>): Promise<T>;
}

interface Lane {
  active: number;
  waiting: (() => void)[];
}

export function createTenantWriterGate(perTenant = WRITERS_PER_TENANT): TenantWriterGate {
  const lanes = new Map<string, Lane>();
  return {
    async run(tenantId, work) {
      const key = tenantId.toLowerCase();
      let lane = lanes.get(key);
      if (lane === undefined) {
        lane = { active: 0, waiting: [] };
        lanes.set(key, lane);
      }
      if (lane.active >= perTenant) {
        const queued = lane;
        await new Promise<void>((resolve) => queued.waiting.push(resolve));
      } else {
        lane.active++;
      }
      try {
        return await work();
      } finally {
        const next = lane.waiting.shift();
        // Hand the slot straight to the next writer, so that arrival order is kept.
        if (next !== undefined) next();
        else if (--lane.active === 0) lanes.delete(key);
      }
    },
  };
}
