// Brute-force detection on the login path (and the current-password check of a password change),
// plugged into the login hooks. Failed attempts are counted in sliding windows of
// BRUTE_FORCE_WINDOW_SECONDS:
//   - per client IP and per (IP, account): reaching BRUTE_FORCE_MAX_ATTEMPTS records
//     brute_force_detected (critical), whose automated response blocks the IP for IP_BLOCK_SECONDS;
//   - per account, from anywhere: the account's logins are slowed down progressively instead of
//     locked, so that an attacker cannot lock the owner out (OWASP ASVS 5.0 V6.3.1 / the OWASP
//     Authentication Cheat Sheet on account lockout as denial of service).
// Accounts are counted by the normalised e-mail the client typed, existing or not, so neither the
// delay nor the block tells whether an account exists.
import type { Config } from '../../config.ts';
import type { StateStore, StoreResult } from '../../platform/store/index.ts';
import { StoreUnavailableError } from '../../platform/store/index.ts';
import type { SecurityEventRecorder } from '../audit/security-events.ts';
import type { LoginAccount, LoginAttempt, LoginHooks } from '../auth/login-hooks.ts';
import { clientKey } from './client-key.ts';
import { slidingWindow } from './rate-limits.ts';

/** Delay before checking the password of an account under attack: 0.5 s, 1 s, 2 s, … up to 8 s. */
export function accountDelayMs(failures: number, maxAttempts: number): number {
  if (failures < maxAttempts) return 0;
  return Math.min(500 * 2 ** Math.floor(failures - maxAttempts), 8_000);
}

export interface BruteForceDeps {
  config: Config;
  store: StateStore;
  fallbackStore: StateStore;
  securityEvents: SecurityEventRecorder;
  /** The hooks this wraps (the default records login_failed and counts failed logins). */
  base: LoginHooks;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export function createBruteForceLoginHooks(deps: BruteForceDeps): LoginHooks {
  const { config } = deps;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  // "Reaching" the maximum detects: with a limit of max - 1, the decision is "limited" at max.
  const window = { limit: config.bruteForceMaxAttempts - 1, windowMs: config.bruteForceWindowSeconds * 1000 };
  const perIp = slidingWindow('bf-ip', window);
  const perPair = slidingWindow('bf-pair', window);
  const perAccount = slidingWindow('bf-account', window);

  // Counting must go on while Redis is down (per instance, like the route limits).
  const batch = async (ops: Parameters<StateStore['batch']>[0]): Promise<StoreResult[]> => {
    try {
      return await deps.store.batch(ops);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      return deps.fallbackStore.batch(ops);
    }
  };

  const accountFailures = async (email: string): Promise<number> => {
    const t = now();
    const [current, previous] = perAccount.ops(email, t);
    // Peek: read the two windows without counting this attempt.
    const [cur, prev] = await batch([
      { op: 'get', key: current.key },
      { op: 'get', key: previous.key },
    ]);
    const elapsed = (t % window.windowMs) / window.windowMs;
    return Number(prev ?? 0) * (1 - elapsed) + Number(cur ?? 0);
  };

  return {
    async beforeCredentialCheck(attempt) {
      await deps.base.beforeCredentialCheck(attempt);
      const delay = accountDelayMs(await accountFailures(attempt.email), config.bruteForceMaxAttempts);
      if (delay > 0) await sleep(delay);
    },

    async onFailure(attempt: LoginAttempt, account: LoginAccount | null, reason) {
      await deps.base.onFailure(attempt, account, reason);
      const t = now();
      const client = clientKey(attempt.ip);
      const results = await batch([
        ...perIp.ops(client, t),
        ...perPair.ops(`${client}|${attempt.email}`, t),
        ...perAccount.ops(attempt.email, t),
      ]);
      const ip = perIp.decide([results[0], results[1]] as [StoreResult, StoreResult], t);
      const pair = perPair.decide([results[2], results[3]] as [StoreResult, StoreResult], t);
      if (!ip.limited && !pair.limited) return;
      // Detected once per crossing: the block that follows stops further attempts from this IP.
      await deps.securityEvents.record({
        type: 'brute_force_detected',
        description: 'Multiple failed login attempts detected',
        ip: attempt.ip,
        userId: account?.userId,
        tenantId: account?.tenantId,
        requestId: attempt.requestId,
        details: {
          email: attempt.email,
          scope: pair.limited ? 'ip_and_account' : 'ip',
          max_attempts: config.bruteForceMaxAttempts,
          window_seconds: config.bruteForceWindowSeconds,
          context: attempt.context,
        },
      });
    },

    async onSuccess(attempt, account) {
      await deps.base.onSuccess(attempt, account);
      // The owner got in from here: this IP's failures on this account no longer count against it.
      const t = now();
      const client = clientKey(attempt.ip);
      const [current, previous] = perPair.ops(`${client}|${attempt.email}`, t);
      await batch([
        { op: 'delete', key: current.key },
        { op: 'delete', key: previous.key },
      ]);
    },
  };
}
