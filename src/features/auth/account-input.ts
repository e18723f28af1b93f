// Rules for the account fields that need more than a schema: the e-mail (canonicalised, then
// checked), a name given outside a request body (the command line) and a new password (the
// platform's password policy). Failures are 422s in FastAPI's list shape at the field's location,
// like schema failures.
import { domainToASCII } from 'node:url';
import { ValidationFailed } from '../../platform/errors.ts';
import { checkPasswordPolicy } from '../../platform/passwords/index.ts';
import type { TextRule } from '../../platform/text-rules.ts';
import { hasInvisibleCharacters, INVISIBLE_CHARACTERS_MESSAGE } from '../../platform/text-rules.ts';

export const MAX_EMAIL_LENGTH = 254;

/**
 * The one form an e-mail is stored in, shown in, put in the token's `sub`, and looked up by:
 * trimmed, NFKC (so "ａlice" and "alice", "ﬁ" and "fi" are one address), lower-case, NFKC again
 * (lower-casing can undo normalisation), and the domain as its IDNA A-label through WHATWG's
 * "domain to ASCII" (UTS #46 non-transitional: "bücher.de" and "xn--bcher-kva.de" are one domain).
 * Lower-casing the local part is a deliberate simplification (RFC 5321 lets it be case-sensitive;
 * no real mailbox provider makes it so), and it is what makes the address unique platform-wide.
 *
 * Only the canonical form is kept, not the address as typed beside it: what a list, an audit
 * record or an alert shows is then exactly what identifies the account, so no display form can
 * be a look-alike of another account's (the spoofing this closes). The A-label is what a browser
 * shows for a domain it distrusts; a console may render it with url.domainToUnicode.
 *
 * Total, for lookups (login): a domain that has no A-label is left as it is, and matches nothing
 * that acceptEmail let in. migrations/0010_canonical_emails.sql applies the same steps in SQL.
 */
export function normaliseEmail(raw: string): string {
  const text = raw.trim().normalize('NFKC').toLowerCase().normalize('NFKC');
  const at = text.lastIndexOf('@');
  if (at < 0) return text;
  const domain = asciiDomain(text.slice(at + 1));
  return domain === undefined ? text : `${text.slice(0, at)}@${domain}`;
}

// WHATWG host parsing reads a domain whose last label is a number as an IPv4 address
// ("a@1.2" → "1.0.0.2"); no top-level domain is numeric, so such a domain is no e-mail domain.
const ENDS_IN_NUMBER = /(^|\.)(\d+|0x[0-9a-f]*)\.?$/;

/** The domain's A-label form, or undefined when it has none (refused by acceptEmail). */
function asciiDomain(domain: string): string | undefined {
  if (domain === '' || ENDS_IN_NUMBER.test(domain)) return undefined;
  const ascii = domainToASCII(domain);
  return ascii === '' ? undefined : ascii;
}

// A pragmatic address check (WHATWG's "valid e-mail address" shape, allowing a non-ASCII local
// part): one @, a non-empty local part without spaces or quotes, a dotted domain of sane labels.
const LOCAL = /^[^\s@"(),:;<>[\]\\]{1,64}$/u;
const DOMAIN_LABEL = /^(?!-)[\p{L}\p{N}-]{1,63}(?<!-)$/u;

export function isValidEmail(email: string): boolean {
  if (email.length === 0 || email.length > MAX_EMAIL_LENGTH) return false;
  const at = email.lastIndexOf('@');
  if (at <= 0 || email.indexOf('@') !== at) return false;
  const local = email.slice(0, at);
  const labels = email.slice(at + 1).split('.');
  if (!LOCAL.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..'))
    return false;
  return labels.length >= 2 && labels.every((label) => DOMAIN_LABEL.test(label));
}

const invalid = (loc: (string | number)[], msg: string): ValidationFailed =>
  new ValidationFailed([{ loc, msg, type: 'value_error' }]);

/**
 * The canonical e-mail, or a 422 at `loc`: invisible or control characters (before any
 * normalisation, which would hide some of them), a domain with no IDNA A-label, or no address.
 */
export function acceptEmail(raw: string, loc: (string | number)[] = ['body', 'email']): string {
  if (hasInvisibleCharacters(raw, 'strict')) {
    throw new ValidationFailed([
      { loc, msg: INVISIBLE_CHARACTERS_MESSAGE, type: 'string_invisible_characters' },
    ]);
  }
  const email = normaliseEmail(raw);
  if (!isValidEmail(email)) throw invalid(loc, 'value is not a valid email address');
  // A domain that normaliseEmail could not convert, or an A-label that does not decode.
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (asciiDomain(domain) !== domain) throw invalid(loc, "the e-mail's domain is not a valid domain name");
  return email;
}

/** A name given outside a request body (a command-line option): the schemas' text rule. */
export function acceptName(name: string, loc: (string | number)[], rule: TextRule = 'name'): string {
  if (hasInvisibleCharacters(name, rule)) {
    throw new ValidationFailed([
      { loc, msg: INVISIBLE_CHARACTERS_MESSAGE, type: 'string_invisible_characters' },
    ]);
  }
  return name;
}

/** Refuses a new password that breaks the policy: one 422 issue per broken rule, seed messages. */
export function acceptNewPassword(password: string, loc: (string | number)[] = ['body', 'password']): void {
  const failures = checkPasswordPolicy(password);
  if (failures.length > 0) {
    throw new ValidationFailed(failures.map((msg) => ({ loc, msg, type: 'value_error' })));
  }
}
