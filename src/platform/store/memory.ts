// In-process state store for the embedded shape (one instance). Expired entries are removed on
// access and by a sweep that touches only what has expired (expiring-map.ts), so memory stays
// bounded by live keys: counters and revocations that are never read again leave too.
import type { SweepReport } from './expiring-map.ts';
import { ExpiringMap } from './expiring-map.ts';
import type { Counter, StateStore, StoreOp, StoreResult } from './types.ts';

export function createMemoryStore(
  options: { now?: () => number; sweepIntervalMs?: number; onSweep?: (report: SweepReport) => void } = {},
): StateStore {
  const now = options.now ?? Date.now;
  const entries = new ExpiringMap<string>(now);
  const live = (key: string) => entries.entry(key);
  entries.startSweeping({
    intervalMs: options.sweepIntervalMs ?? 1_000,
    ...(options.onSweep === undefined ? {} : { onSweep: options.onSweep }),
  });

  const ops = {
    get: (key: string): string | null => live(key)?.value ?? null,
    set: (key: string, value: string, ttlMs?: number): void => {
      entries.set(key, value, ttlMs === undefined ? null : now() + ttlMs);
    },
    exists: (key: string): boolean => live(key) !== undefined,
    delete: (key: string): void => {
      entries.delete(key);
    },
    increment: (key: string, windowMs: number, by = 1): Counter => {
      const entry = live(key);
      if (entry === undefined) {
        entries.set(key, String(by), now() + windowMs);
        return { count: by, ttlMs: windowMs };
      }
      const count = Number(entry.value) + by;
      const expiresAt = entry.expiresAt ?? now() + windowMs;
      entries.set(key, String(count), expiresAt);
      return { count, ttlMs: expiresAt - now() };
    },
  };

  const run = (op: StoreOp): StoreResult => {
    switch (op.op) {
      case 'get':
        return ops.get(op.key);
      case 'set':
        ops.set(op.key, op.value, op.ttlMs);
        return undefined;
      case 'exists':
        return ops.exists(op.key);
      case 'delete':
        ops.delete(op.key);
        return undefined;
      case 'increment':
        return ops.increment(op.key, op.windowMs, op.by);
    }
  };

  return {
    kind: 'memory',
    get: async (key) => ops.get(key),
    set: async (key, value, ttlMs) => ops.set(key, value, ttlMs),
    exists: async (key) => ops.exists(key),
    delete: async (key) => ops.delete(key),
    increment: async (key, windowMs, by) => ops.increment(key, windowMs, by),
    batch: async (list) => list.map(run),
    keys: async (prefix) => [...entries.keys()].filter((key) => key.startsWith(prefix)),
    ttl: async (key) => {
      const entry = live(key);
      return entry?.expiresAt == null ? null : entry.expiresAt - now();
    },
    ping: async () => {},
    // An in-process store never loses its connection.
    onReconnect: () => {},
    close: async () => {
      entries.stop();
      entries.clear();
    },
  };
}
