// The console's session in the API's cookie mode (CONTRACT.md, "GET /"):
//   - the refresh token lives only in the HttpOnly `tw_refresh` cookie (Path=/api/v1/auth), which
//     script cannot read; the access token lives only in this module's memory, never in
//     localStorage or sessionStorage (OWASP ASVS 3.2.3, OWASP HTML5 Security Cheat Sheet);
//   - every state-changing request sends `X-CSRF-Token` equal to the readable `tw_csrf` cookie
//     (double submit), which the API requires of every cookie-authenticated request;
//   - refresh tokens rotate and a spent one revokes its session (RFC 9700 §4.14.2), so two tabs must
//     never present the same one: refreshes of every tab of this origin run one at a time under a
//     Web Lock, and a tab that got a fresh access token shares it with the others over a
//     BroadcastChannel, so that a tab waiting for the lock usually needs no refresh of its own.
// A tab that learns the session ended (a refresh refused, a sign-out in another tab) tells the
// others, and each returns to sign-in with the reason.

const REFRESH_LOCK = 'tradewise-refresh';
const CHANNEL = 'tradewise-session';
/** Refresh this long before the access token expires, so no request meets an expired token. */
const REFRESH_MARGIN_MS = 60_000;

/**
 * Why a session ended, as the sign-in page says it. The API answers every refused refresh with the
 * same 401 (expired, revoked, signed out everywhere: it tells an attacker nothing), so the console
 * cannot tell those apart either: they are all 'ended'. A deactivated account is the API's 400.
 */
export type SessionEnd = 'signed-out' | 'signed-out-elsewhere' | 'ended' | 'deactivated';

interface AccessToken {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

type Message = { kind: 'token'; token: string; expiresAt: number } | { kind: 'ended'; reason: SessionEnd };

type Listener = (state: { signedIn: boolean; ended?: SessionEnd }) => void;

/** A refusal of the refresh that is not "your session is over": a 429, a 503, the network. */
export class RefreshUnavailable extends Error {
  constructor(
    readonly response: Response | undefined,
    readonly body: unknown,
  ) {
    super(response === undefined ? 'network error' : `refresh answered ${response.status}`);
  }
}

let access: AccessToken | undefined;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<Listener>();
const channel = typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(CHANNEL);

channel?.addEventListener('message', (event: MessageEvent<Message>) => {
  const message = event.data;
  if (message.kind === 'token') {
    adopt({ token: message.token, expiresAt: message.expiresAt }, false);
  } else if (access !== undefined) {
    // Another tab's sign-out ended this session too (it is one session, in one cookie).
    end(message.reason === 'signed-out' ? 'signed-out-elsewhere' : message.reason, false);
  }
});

function emit(ended?: SessionEnd): void {
  const state = ended === undefined ? { signedIn: access !== undefined } : { signedIn: false, ended };
  for (const listener of listeners) listener(state);
}

/** Keeps `token` as this tab's access token; `share` sends it to the other tabs. */
function adopt(token: AccessToken, share: boolean): void {
  const wasSignedIn = access !== undefined;
  if (access !== undefined && access.expiresAt >= token.expiresAt) return;
  access = token;
  if (share) channel?.postMessage({ kind: 'token', ...token } satisfies Message);
  clearTimeout(refreshTimer);
  const wait = Math.max(0, token.expiresAt - Date.now() - REFRESH_MARGIN_MS);
  refreshTimer = setTimeout(() => {
    refresh().catch(() => {
      // A 429 or 503 now: the next request that needs the token tries again.
    });
  }, wait);
  if (!wasSignedIn) emit();
}

function end(reason: SessionEnd, share: boolean): void {
  access = undefined;
  clearTimeout(refreshTimer);
  if (share) channel?.postMessage({ kind: 'ended', reason } satisfies Message);
  emit(reason);
}

/** The readable half of the double submit. */
export function csrfToken(): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === 'tw_csrf') return decodeURIComponent(value.join('='));
  }
  return undefined;
}

export function accessToken(): string | undefined {
  return access !== undefined && access.expiresAt > Date.now() ? access.token : undefined;
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Takes the body of a token response (login, refresh, password change) as this tab's session. */
export function acceptTokens(body: { access_token: string; expires_in: number }): void {
  adopt({ token: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 }, true);
}

async function withRefreshLock<T>(work: () => Promise<T>): Promise<T> {
  // Every supported browser has Web Locks; without them (a very old one) refreshes are at least
  // serialised within the tab.
  if (typeof navigator !== 'undefined' && navigator.locks !== undefined) {
    return navigator.locks.request(REFRESH_LOCK, work);
  }
  return work();
}

let inFlight: Promise<boolean> | undefined;

/**
 * Gets a new access token from the refresh cookie. True when this tab has a usable token
 * afterwards; false when there is no session (never signed in, expired or revoked), in which
 * case listeners hear why. Throws RefreshUnavailable for a 429, a 503 or a network failure:
 * the session may well be alive, so nothing is ended.
 */
export function refresh(): Promise<boolean> {
  const stale = access?.token;
  inFlight ??= withRefreshLock(async () => {
    // Another tab refreshed while this one waited for the lock, and shared its token.
    const current = access;
    if (
      current !== undefined &&
      current.token !== stale &&
      current.expiresAt - Date.now() > REFRESH_MARGIN_MS
    ) {
      return true;
    }
    const csrf = csrfToken();
    if (csrf === undefined) {
      if (access !== undefined) end('ended', true);
      return false;
    }
    let response: Response;
    try {
      response = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-CSRF-Token': csrf, Accept: 'application/json' },
      });
    } catch {
      throw new RefreshUnavailable(undefined, undefined);
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (response.ok) {
      acceptTokens(body as { access_token: string; expires_in: number });
      return true;
    }
    if (response.status === 401 || response.status === 400 || response.status === 403) {
      // 401: the refresh token is spent, expired or its session revoked; 400: the user was
      // deactivated; 403: the CSRF proof failed (the cookie pair is unusable). Each ends the session.
      end(response.status === 400 ? 'deactivated' : 'ended', true);
      return false;
    }
    throw new RefreshUnavailable(response, body);
  }).finally(() => {
    inFlight = undefined;
  });
  return inFlight;
}

/** Forgets the session in this tab and the others (after the API ended it, or could not be reached). */
export function endSession(reason: SessionEnd): void {
  end(reason, true);
}
