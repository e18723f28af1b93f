// The addresses an account logged in from recently: a login from one of them is spared the
// slowdown that failures from elsewhere put on the account (brute-force.ts), for clients that keep
// no device cookie. Recent and bounded: the newest KEEP client keys (an IPv4 address or an IPv6
// /64) of the last DAYS days per account.
//
// The login_addresses table is the source of truth, so the exemption survives a restart of the
// embedded shape and a Redis that lost data; the state store caches each account's list. The
// list is read only for an account under attack, written on each successful login.
import type { Database } from '../../platform/db/index.ts';
import type { StateStore } from '../../platform/store/index.ts';
import { StoreUnavailableError } from '../../platform/store/index.ts';
import { recentAddresses, rememberAddress } from './login-addresses.repository.ts';

const KEEP = 10;
const DAYS = 30;
/** How long a cached list lives; the database answers after that (or after a store loss). */
const CACHE_MS = 10 * 60_000;

// Hash-tagged like the account's brute-force windows (rate-limits.ts): same Redis Cluster slot.
const cacheKey = (accountHash: string) => `bf-known:{${accountHash}}`;

export interface KnownAddresses {
  /** Whether the account (by username hash) logged in from `clientKey` recently. */
  has(accountHash: string, clientKey: string): Promise<boolean>;
  remember(accountHash: string, clientKey: string): Promise<void>;
}

export function createKnownAddresses(deps: { db: Database; store: StateStore }): KnownAddresses {
  const { db, store } = deps;

  const cached = async (accountHash: string): Promise<string[] | undefined> => {
    try {
      const value = await store.get(cacheKey(accountHash));
      return value === null ? undefined : (JSON.parse(value) as string[]);
    } catch (error) {
      if (error instanceof StoreUnavailableError) return undefined;
      throw error;
    }
  };
  const cache = async (accountHash: string, list: string[]): Promise<void> => {
    try {
      await store.set(cacheKey(accountHash), JSON.stringify(list), CACHE_MS);
    } catch (error) {
      // The database still has it: the next read goes there.
      if (!(error instanceof StoreUnavailableError)) throw error;
    }
  };
  const load = async (accountHash: string): Promise<string[]> => {
    const list = await db.withTenant(null, (tx) => recentAddresses(tx, accountHash, DAYS));
    await cache(accountHash, list);
    return list;
  };

  return {
    async has(accountHash, clientKey) {
      const list = (await cached(accountHash)) ?? (await load(accountHash));
      return list.includes(clientKey);
    },
    async remember(accountHash, clientKey) {
      // Already the newest within the cache's lifetime: a burst of logins writes once.
      if ((await cached(accountHash))?.[0] === clientKey) return;
      const list = await db.withTenant(null, async (tx) => {
        await rememberAddress(tx, accountHash, clientKey, KEEP, DAYS);
        return recentAddresses(tx, accountHash, DAYS);
      });
      await cache(accountHash, list);
    },
  };
}
