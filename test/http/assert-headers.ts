// Shared assertion: the security headers every answer must carry.
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { API_CONTENT_SECURITY_POLICY } from '../../src/platform/hardening/security-headers.ts';

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
