// In-process state store for the embedded shape (one instance). Expired entries are removed
// lazily on access and by a periodic sweep, so memory stays bounded by live keys.
import type { Counter, StateStore, StoreOp, StoreResult } from './types.ts';

interface Entry {
  value: string;
  expiresAt: number | null;
}

export function createMemoryStore(
  options: { now?: () => number; sweepIntervalMs?: number } = {},
): StateStore {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== null && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  const sweep = setInterval(() => {
    const t = now();
    for (const [key, entry] of entries) {
      if (entry.expiresAt !== null && entry.expiresAt <= t) entries.delete(key);
    }
  }, options.sweepIntervalMs ?? 30_000);
  sweep.unref();

  const ops = {
    get: (key: string): string | null => live(key)?.value ?? null,
    set: (key: string, value: string, ttlMs?: number): void => {
      entries.set(key, { value, expiresAt: ttlMs === undefined ? null : now() + ttlMs });
    },
    exists: (key: string): boolean => live(key) !== undefined,
    delete: (key: string): void => {
      entries.delete(key);
    },
    increment: (key: string, windowMs: number, by = 1): Counter => {
      const entry = live(key);
      if (entry === undefined) {
        entries.set(key, { value: String(by), expiresAt: now() + windowMs });
        return { count: by, ttlMs: windowMs };
      }
      const count = Number(entry.value) + by;
      entry.value = String(count);
      if (entry.expiresAt === null) entry.expiresAt = now() + windowMs;
      return { count, ttlMs: entry.expiresAt - now() };
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
    keys: async (prefix) => [...entries.keys()].filter((key) => key.startsWith(prefix) && live(key)),
    ttl: async (key) => {
      const entry = live(key);
      return entry?.expiresAt == null ? null : entry.expiresAt - now();
    },
    ping: async () => {},
    // An in-process store never loses its connection.
    onReconnect: () => {},
    close: async () => {
      clearInterval(sweep);
      entries.clear();
    },
  };
}
