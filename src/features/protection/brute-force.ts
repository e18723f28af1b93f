// Brute-force detection on the login path (and the current-password check of a password change),
// plugged into the login hooks. Failed attempts are counted in sliding windows of
// BRUTE_FORCE_WINDOW_SECONDS:
//   - per client IP and per (IP, account): reaching BRUTE_FORCE_MAX_ATTEMPTS records
//     brute_force_detected (critical), whose automated response blocks the IP for IP_BLOCK_SECONDS
//     — for every client, trusted or not;
//   - per account, from anywhere: the account's logins are slowed down progressively instead of
//     locked, so that an attacker cannot lock the owner out (OWASP ASVS 5.0 V6.3.1 / the OWASP
//     Authentication Cheat Sheet on account lockout as denial of service).
// The slowdown must cost the attacker more than the owner (issue 14): it applies only to clients
// the account has no reason to trust. Exempt are (OWASP "Slow Down Online Guessing Attacks with
// Device Cookies"):
//   - a login presenting a device cookie issued to this account (device-cookie.ts), until that
//     cookie itself has been used for BRUTE_FORCE_MAX_ATTEMPTS failures within the window (the
//     scheme's per-cookie lockout: a stolen cookie buys a few guesses, not unlimited ones);
//   - a login from an address this account logged in from in the last 30 days (the newest 10), for
//     clients that keep no cookies (known-addresses.ts);
//   - a password change: its caller is authenticated as the owner, so only its own wrong current
//     passwords slow it, never others' guesses at the account.
// Accounts are counted by the keyed hash of the normalised e-mail the client typed, existing or
// not, so neither the delay nor the block tells whether an account exists, and no typed text (a
// password typed into the e-mail field) sits in the state store.
import type { Config } from '../../config.ts';
import { clientKey } from '../../platform/client-key.ts';
import type { StateStore, StoreOp, StoreResult } from '../../platform/store/index.ts';
import { StoreUnavailableError } from '../../platform/store/index.ts';
import type { SecurityEventRecorder } from '../audit/index.ts';
import type { KnownAddresses } from './known-addresses.ts';
import type { LoginAccount, LoginAttempt, LoginHooks } from './login-hooks.ts';
import { typedUsername } from './login-hooks.ts';
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
  /** The addresses each account logged in from recently. */
  knownAddresses: KnownAddresses;
  /** The hooks this wraps (the default records login_failed and counts failed logins). */
  base: LoginHooks;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export function createBruteForceLoginHooks(deps: BruteForceDeps): LoginHooks {
  const { config } = deps;
  const max = config.bruteForceMaxAttempts;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  // "Reaching" the maximum detects: with a limit of max - 1, the decision is "limited" at max.
  const window = { limit: max - 1, windowMs: config.bruteForceWindowSeconds * 1000 };
  const perIp = slidingWindow('bf-ip', window);
  const perPair = slidingWindow('bf-pair', window);
  const perAccount = slidingWindow('bf-account', window);
  // Failures made with one device cookie, and a password change's own wrong current passwords.
  const perDevice = slidingWindow('bf-device', window);
  const perChange = slidingWindow('bf-change', window);

  // Counting must go on while Redis is down (per instance, like the route limits).
  const batch = async (ops: readonly StoreOp[]): Promise<StoreResult[]> => {
    try {
      return await deps.store.batch(ops);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      return deps.fallbackStore.batch(ops);
    }
  };

  // Peek: the two windows' keys read without counting this attempt.
  const peekOps = (limiter: typeof perAccount, subject: string, t: number): StoreOp[] =>
    limiter.ops(subject, t).map((op) => ({ op: 'get', key: op.key }));
  const estimate = (current: StoreResult, previous: StoreResult, t: number): number => {
    const elapsed = (t % window.windowMs) / window.windowMs;
    return Number(previous ?? 0) * (1 - elapsed) + Number(current ?? 0);
  };

  const delayFor = async (attempt: LoginAttempt): Promise<number> => {
    const t = now();
    const account = attempt.usernameHash;
    if (attempt.context === 'password_change') {
      const [cur, prev] = await batch(peekOps(perChange, account, t));
      return accountDelayMs(estimate(cur, prev, t), max);
    }
    const ops = [...peekOps(perAccount, account, t)];
    if (attempt.device !== undefined) ops.push(...peekOps(perDevice, attempt.device, t));
    const results = await batch(ops);
    const delay = accountDelayMs(estimate(results[0], results[1], t), max);
    if (delay === 0) return 0;
    // A trusted device, not yet used for guessing.
    if (attempt.device !== undefined && estimate(results[2], results[3], t) < max) return 0;
    // Read only for an account under attack: an ordinary login costs no extra store round trip.
    if (await deps.knownAddresses.has(account, clientKey(attempt.ip))) return 0;
    return delay;
  };

  return {
    async beforeCredentialCheck(attempt) {
      await deps.base.beforeCredentialCheck(attempt);
      const delay = await delayFor(attempt);
      if (delay > 0) await sleep(delay);
    },

    async onFailure(attempt: LoginAttempt, account: LoginAccount | null, reason) {
      await deps.base.onFailure(attempt, account, reason);
      const t = now();
      const client = clientKey(attempt.ip);
      // Every failure counts against the account; one made in a password change counts against
      // that change's own allowance too, one made with a device cookie against the cookie.
      const results = await batch([
        ...perIp.ops(client, t),
        ...perPair.ops(`${client}|${attempt.usernameHash}`, t),
        ...perAccount.ops(attempt.usernameHash, t),
        ...(attempt.context === 'password_change' ? perChange.ops(attempt.usernameHash, t) : []),
        ...(attempt.device === undefined ? [] : perDevice.ops(attempt.device, t)),
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
        serverRequestId: attempt.serverRequestId,
        details: {
          ...typedUsername(attempt, account),
          scope: pair.limited ? 'ip_and_account' : 'ip',
          max_attempts: config.bruteForceMaxAttempts,
          window_seconds: config.bruteForceWindowSeconds,
          context: attempt.context,
        },
      });
    },

    async onSuccess(attempt, account) {
      await deps.base.onSuccess(attempt, account);
      // The owner got in from here: this IP's failures on this account no longer count against it,
      // and the address is one the account's logins are not slowed from.
      const t = now();
      const client = clientKey(attempt.ip);
      const [current, previous] = perPair.ops(`${client}|${attempt.usernameHash}`, t);
      await batch([
        { op: 'delete', key: current.key },
        { op: 'delete', key: previous.key },
      ]);
      await deps.knownAddresses.remember(attempt.usernameHash, client);
    },
  };
}
