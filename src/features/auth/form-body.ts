// `application/x-www-form-urlencoded` bodies, for the OAuth2 password grant (RFC 6749 §4.3.2) of
// POST /auth/token. Parsed with WHATWG URLSearchParams into a plain object of strings, which the
// route's schema then checks like any body (unknown fields refused). A field given twice is refused:
// which value wins would otherwise depend on the parser (RFC 6749 §3.1: "parameters MUST NOT be
// included more than once"). The bytes and their percent-escapes must be UTF-8 (a 400 otherwise).
import type { FastifyInstance } from 'fastify';
import { ValidationFailed } from '../../platform/errors.ts';
import { decodeUtf8, escapesAreUtf8, notUtf8 } from '../../platform/hardening/utf8.ts';

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

export function parseFormBody(body: string): Record<string, string> {
  // URLSearchParams would decode an escape that is not UTF-8 (`%C3%28`) to U+FFFD: refused instead.
  if (!escapesAreUtf8(body)) throw notUtf8();
  const seen = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(body)) {
    if (seen.has(key)) {
      throw new ValidationFailed([
        { loc: ['body', key], msg: 'Field given more than once', type: 'value_error' },
      ]);
    }
    seen.set(key, value);
  }
  // fromEntries defines own properties, so a field named __proto__ is data, not a prototype.
  return Object.fromEntries(seen);
}

/** Lets the routes of `scope` (and only those) accept form bodies. */
export function acceptFormBodies(scope: FastifyInstance): void {
  scope.addContentTypeParser(FORM_CONTENT_TYPE, { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseFormBody(typeof body === 'string' ? body : decodeUtf8(body)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
