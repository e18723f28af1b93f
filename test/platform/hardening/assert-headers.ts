// Shared assertions: the security headers every answer must carry, and the CORS grant an allowed
// origin gets on every answer (refusals included, so that its script can read them).
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { API_CONTENT_SECURITY_POLICY } from '../../../src/platform/hardening/security-headers.ts';

export function assertSecurityHeaders(
  headers: IncomingHttpHeaders | OutgoingHttpHeaders,
  csp = API_CONTENT_SECURITY_POLICY,
): void {
  assert.equal(headers['content-security-policy'], csp);
  assert.match(String(headers['content-security-policy']), /frame-ancestors 'none'/);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['x-frame-options'], 'DENY');
  assert.equal(headers['referrer-policy'], 'no-referrer');
  assert.equal(headers['cross-origin-opener-policy'], 'same-origin');
  assert.equal(headers['cross-origin-resource-policy'], 'same-origin');
  assert.equal(headers['x-powered-by'], undefined);
}

/** An allowed origin's grant: its own origin back, credentials, and the fields a script may read. */
export function assertCorsGrant(headers: IncomingHttpHeaders | OutgoingHttpHeaders, origin: string): void {
  assert.equal(headers['access-control-allow-origin'], origin);
  assert.equal(headers['access-control-allow-credentials'], 'true');
  const exposed = String(headers['access-control-expose-headers'] ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase());
  for (const name of ['retry-after', 'ratelimit', 'ratelimit-policy', 'x-request-id']) {
    assert.ok(exposed.includes(name), `${name} exposed`);
  }
  assert.match(String(headers.vary), /\bOrigin\b/);
  assert.equal(typeof headers['x-request-id'], 'string');
}
