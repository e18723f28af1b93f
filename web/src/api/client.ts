// The console's API client: the typed TradeWise client (types generated from /openapi.json,
// clients/typescript) over a fetch that
//   - sends this tab's in-memory access token as the bearer token,
//   - sends the double-submit CSRF header on every state change,
//   - on a 401 from an expired or revoked access token, refreshes once (session.ts) and retries,
//   - answers a 503 by retrying with backoff a few times before giving up (the console says
//     "service unavailable, retrying" meanwhile: see onRetry).
import { createTradeWiseClient } from '@tradewise/client';
import { accessToken, csrfToken, endSession, RefreshUnavailable, refresh } from './session.ts';

/** `call(api.GET(...))`: the data of a success, or the API's error as an ApiError (status, code, detail, issues, retry). */
export { TradeWiseApiError as ApiError, unwrap as call } from '@tradewise/client';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const RETRIES_ON_503 = 3;

type RetryListener = (state: { retrying: boolean; attempt: number; waitMs: number }) => void;
const retryListeners = new Set<RetryListener>();

/** Hears when a request waits to retry a 503 (the banner "service unavailable, retrying"). */
export function onRetry(listener: RetryListener): () => void {
  retryListeners.add(listener);
  return () => retryListeners.delete(listener);
}

function tellRetry(state: { retrying: boolean; attempt: number; waitMs: number }): void {
  for (const listener of retryListeners) listener(state);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function prepare(request: Request): Request {
  const prepared = new Request(request);
  const token = accessToken();
  if (token !== undefined) prepared.headers.set('Authorization', `Bearer ${token}`);
  if (!SAFE_METHODS.has(prepared.method)) {
    const csrf = csrfToken();
    if (csrf !== undefined) prepared.headers.set('X-CSRF-Token', csrf);
  }
  return prepared;
}

/** Whether a 401 means "get a new access token": any 401 of a request that carried one. */
function tokenRefused(response: Response, request: Request): boolean {
  return response.status === 401 && request.headers.has('Authorization');
}

/** The API's `400 Inactive user`: the account was deactivated while this tab was signed in. */
async function deactivated(response: Response, request: Request): Promise<boolean> {
  if (response.status !== 400 || !request.headers.has('Authorization')) return false;
  const body: unknown = await response
    .clone()
    .json()
    .catch(() => undefined);
  return typeof body === 'object' && body !== null && (body as { code?: unknown }).code === 'INACTIVE_USER';
}

async function consoleFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const original = new Request(input, { ...init, credentials: 'same-origin' });
  // Kept unread, so the request can be sent again after a refresh or a 503.
  const pristine = () => original.clone();
  if (accessToken() === undefined && !original.url.includes('/api/v1/auth/')) {
    // The token expired while the tab slept (timers pause): refresh before the request, not after.
    await refresh().catch(() => false);
  }
  let request = prepare(pristine());
  let response = await fetch(request);
  if (tokenRefused(response, request)) {
    let renewed = false;
    try {
      renewed = await refresh();
    } catch (error) {
      if (!(error instanceof RefreshUnavailable) || error.response === undefined) throw error;
      return error.response;
    }
    if (!renewed) return response;
    request = prepare(pristine());
    response = await fetch(request);
  }
  if (await deactivated(response, request)) endSession('deactivated');
  for (let attempt = 1; response.status === 503 && attempt <= RETRIES_ON_503; attempt += 1) {
    const retryAfter = Number(response.headers.get('retry-after'));
    const waitMs =
      Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 10) * 1000 : 500 * 2 ** attempt;
    tellRetry({ retrying: true, attempt, waitMs });
    await sleep(waitMs);
    response = await fetch(prepare(pristine()));
  }
  tellRetry({ retrying: false, attempt: 0, waitMs: 0 });
  return response;
}

export const api = createTradeWiseClient({
  baseUrl: typeof location === 'undefined' ? '' : location.origin,
  fetch: consoleFetch,
});
