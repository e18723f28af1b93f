// How every API error is shown (issue 17): 422 field errors sit next to their fields (field.tsx);
// everything else becomes one message where the action was: 429 with the time until a retry,
// 403 and 404 in words, 503 as "service unavailable" with a retry, a network failure likewise.
import type { ReactNode } from 'react';
import { useEffect, useState } from 'react';
import { ApiError, onRetry } from '../api/client.ts';

/** Seconds left of a wait that started now, ticking down once a second. */
function useCountdown(seconds: number | undefined): number | undefined {
  const [left, setLeft] = useState(seconds);
  useEffect(() => {
    setLeft(seconds);
    if (seconds === undefined) return undefined;
    const started = Date.now();
    const timer = setInterval(() => {
      const remaining = Math.max(0, Math.ceil(seconds - (Date.now() - started) / 1000));
      setLeft(remaining);
      if (remaining === 0) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [seconds]);
  return left;
}

/** The words for an error that no field owns. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.status) {
      case 401:
        return error.code === 'NOT_AUTHENTICATED' ? 'Your session has ended. Sign in again.' : error.detail;
      case 403:
        return error.code === 'IP_BLOCKED' ? error.detail : `Not allowed: ${error.detail}`;
      case 404:
        return 'Not found: it may have been deleted, or it is not in your tenant.';
      case 409:
        return error.detail;
      case 422:
        return error.issues.length > 0 ? error.issues.map((issue) => issue.msg).join('. ') : error.detail;
      case 429:
        return 'Too many requests.';
      case 503:
        return 'The service is unavailable right now.';
      default:
        return error.status >= 500 ? `The server failed (${error.status}).` : error.detail;
    }
  }
  if (error instanceof TypeError) return 'The server cannot be reached. Check your connection.';
  return 'Something went wrong.';
}

/**
 * One error, said where the action was (role="alert": read out when it appears). A 429 counts down
 * to its Retry-After; a 503 or a network failure offers `retry` when given.
 */
export function ErrorNotice(props: { error: unknown; retry?: () => void }) {
  const { error, retry } = props;
  const wait =
    error instanceof ApiError && error.status === 429 ? (error.retryAfterSeconds ?? 60) : undefined;
  const left = useCountdown(wait);
  if (error === undefined || error === null) return null;
  const requestId = error instanceof ApiError ? error.requestId : undefined;
  const retriable = error instanceof TypeError || (error instanceof ApiError && error.status >= 500);
  return (
    <div className="notice notice-error" role="alert">
      <p>
        {errorText(error)}
        {left !== undefined && (left > 0 ? ` Try again in ${left} s.` : ' You can try again now.')}
      </p>
      {retriable && retry !== undefined && (
        <button type="button" className="button-secondary" onClick={retry}>
          Retry
        </button>
      )}
      {requestId !== undefined && <p className="notice-reference">Reference: {requestId}</p>}
    </div>
  );
}

/** A success or information message (role="status": announced without moving focus). */
export function Notice(props: { children: ReactNode }) {
  return (
    <div className="notice notice-ok" role="status">
      {props.children}
    </div>
  );
}

/** While a request waits out a 503 (api/client.ts retries it), the whole console says so. */
export function RetryBanner() {
  const [state, setState] = useState({ retrying: false, attempt: 0, waitMs: 0 });
  useEffect(() => onRetry(setState), []);
  return (
    <div className="retry-banner" role="status" hidden={!state.retrying}>
      {state.retrying && `Service unavailable, retrying (attempt ${state.attempt})…`}
    </div>
  );
}

/** What an empty list says: what it holds and what to do. */
export function EmptyState(props: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{props.title}</p>
      {props.children}
    </div>
  );
}

/** A long operation in progress (a connection test, a verification). */
export function Busy(props: { label: string }) {
  return (
    <div className="busy" role="status">
      <progress aria-label={props.label} />
      <span>{props.label}</span>
    </div>
  );
}
