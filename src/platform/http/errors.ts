// Errors of the outbound client. Both carry fixed public messages: nothing the remote side sent and
// nothing the caller passed in (URL, token) ever ends up in a message (OWASP ASVS 5.0 V16.5.1).

/** Why a URL or address was refused, for the security event and the log; never for the client. */
export type RefusalReason = string;

/**
 * The URL points somewhere the platform must not call (SSRF defence, OWASP ASVS 5.0 V1.3.6). The
 * route maps `reason` to a 422 in words and an `ssrf_blocked` security event. A refused redirect
 * hop is no error but the test's outcome `redirect_refused` (test-connection.ts).
 */
export class OutboundRefusedError extends Error {
  readonly code = 'OUTBOUND_REFUSED';

  constructor(readonly reason: RefusalReason) {
    // A fixed message that names no host or address; the words a user reads come from `reason`.
    super('URL is not allowed');
    this.name = 'OutboundRefusedError';
  }
}

/** The fixed failure categories a connection test reports instead of remote content. */
export type OutboundFailure =
  | 'dns_failed'
  | 'connect_timeout'
  | 'timeout'
  | 'connection_failed'
  | 'tls_error'
  | 'invalid_response'
  | 'too_many_redirects'
  /** A redirect pointed somewhere the platform must not call; it was not followed. */
  | 'redirect_refused'
  | 'response_too_large';

/** The allowed URL could not be reached; `failure` is one of the fixed categories above. */
export class OutboundFailedError extends Error {
  readonly code = 'OUTBOUND_FAILED';

  constructor(readonly failure: OutboundFailure) {
    super(`outbound request failed: ${failure}`);
    this.name = 'OutboundFailedError';
  }
}
