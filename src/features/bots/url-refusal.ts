// A refused URL in a user's words (CONTRACT.md "Bots"): which rule refused it ("a loopback
// address", "scheme not allowed", "api_url's host resolves to a private network address") and,
// where DEBUG=true would allow the target, that it does so in development. The words name the
// class of the address, never the address: a host name's resolved address is the service's
// knowledge, and echoing it would map the internal network for whoever asks (DNS rebinding
// reconnaissance). The full reason stays in the `ssrf_blocked` security event.
import type { RefusalReason } from '../../platform/http/index.ts';
import { debugOpens, describeAddressRefusal } from '../../platform/http/index.ts';
import type { ValidationIssue } from '../../platform/validation.ts';

const DEBUG_HINT = '; DEBUG=true allows private targets in development';
const NEVER_HINT = '; this is never allowed, not even with DEBUG=true';

interface Refusal {
  /** The rule, with the URL named by `subject`: "api_url's host is a loopback address". */
  says: (subject: string) => string;
  type: string;
  hint: string;
}

// `checkUrl`'s reasons: invalid_url | scheme | userinfo | name:localhost | literal:<class> |
// resolved:<class> (platform/http/url-policy.ts), with `redirect:` in front for a redirect hop.
function refusalOf(reason: RefusalReason): Refusal {
  const [rule = '', ...rest] = reason.split(':');
  const addressClass = rest.join(':');
  const hintFor = (refused: string) => (debugOpens(refused) ? DEBUG_HINT : NEVER_HINT);
  switch (rule) {
    case 'scheme':
      return { says: (s) => `scheme not allowed: ${s} must use http or https`, type: 'url_scheme', hint: '' };
    case 'userinfo':
      return { says: (s) => `${s} must not contain a user name or password`, type: 'url_userinfo', hint: '' };
    case 'name':
      return {
        says: (s) => `${s}'s host is localhost, a loopback address`,
        type: 'url_host_not_allowed',
        hint: DEBUG_HINT,
      };
    case 'literal':
      return {
        says: (s) => `${s}'s host is ${describeAddressRefusal(addressClass)}`,
        type: 'url_host_not_allowed',
        hint: hintFor(addressClass),
      };
    case 'resolved':
      return {
        says: (s) => `${s}'s host resolves to ${describeAddressRefusal(addressClass)}`,
        type: 'url_host_not_allowed',
        hint: hintFor(addressClass),
      };
    default:
      return { says: (s) => `${s} is not a valid absolute URL`, type: 'url_parsing', hint: '' };
  }
}

/** Where a refused URL was given, for the 422's `loc` and `msg`. */
export interface UrlField {
  loc: (string | number)[];
  /** How the message names the URL: `api_url`, `the stored api_url`. */
  subject: string;
}

export const BODY_API_URL: UrlField = { loc: ['body', 'api_url'], subject: 'api_url' };
/** `POST /bots/{id}/test-connection` takes no body: the refused URL is the one stored on the bot. */
export const STORED_API_URL: UrlField = { loc: ['bot', 'api_url'], subject: 'the stored api_url' };

/** The 422 issue of a URL refused where it was given. */
export function refusedUrlIssue(reason: RefusalReason, field: UrlField): ValidationIssue {
  const refusal = refusalOf(reason);
  return { loc: field.loc, msg: `${refusal.says(field.subject)}${refusal.hint}`, type: refusal.type };
}

/** A connection test's words for a redirect hop it refused (`redirect:<reason>`), not followed. */
export function refusedRedirectDetail(reason: RefusalReason): string {
  const refusal = refusalOf(reason.replace(/^redirect:/, ''));
  return `The bot answered with a redirect that was not followed: ${refusal.says('the redirect target')}${refusal.hint}`;
}
