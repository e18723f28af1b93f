// The words the bot pages use for the API's enums (bots.schemas.ts), in one place.
import type { Bot, ConnectionResult } from '../../api/types.ts';

export const KIND_OPTIONS: readonly { value: Bot['kind']; label: string }[] = [
  { value: 'internal', label: 'Internal' },
  { value: 'external', label: 'External (called at its API URL)' },
];

export const STATUS_OPTIONS: readonly { value: Bot['status']; label: string }[] = [
  { value: 'stopped', label: 'Stopped' },
  { value: 'running', label: 'Running' },
  { value: 'paused', label: 'Paused' },
  { value: 'error', label: 'Error' },
];

export function kindLabel(kind: Bot['kind']): string {
  return kind === 'external' ? 'External' : 'Internal';
}

export function statusLabel(status: Bot['status']): string {
  return STATUS_OPTIONS.find((option) => option.value === status)?.label ?? status;
}

/** A connection test's `error` category (ConnectionTestResult) in a user's words. */
const CONNECTION_ERRORS: Record<string, string> = {
  dns_failed: 'the host name does not resolve',
  connect_timeout: 'the connection timed out',
  timeout: 'the bot did not answer in time',
  connection_failed: 'the connection was refused or dropped',
  tls_error: 'the secure (TLS) connection could not be set up',
  invalid_response: 'the answer was not valid HTTP',
  too_many_redirects: 'the bot redirected too many times',
  response_too_large: 'the answer was too large',
  redirect_refused: 'the bot redirected to an address that is not allowed',
};

export function connectionErrorText(result: ConnectionResult): string | undefined {
  if (result.error === undefined) {
    return result.ok ? undefined : `the bot answered with HTTP status ${result.status_code ?? 'none'}`;
  }
  return CONNECTION_ERRORS[result.error] ?? result.error;
}
