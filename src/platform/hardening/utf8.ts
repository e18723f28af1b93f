// Request bodies are UTF-8 or refused: JSON has no other encoding (RFC 8259 §8.1) and forms are
// UTF-8 by WHATWG's rules. A lossy decode (Node's default, and URLSearchParams for escapes) turns
// every invalid sequence into U+FFFD, so the service would store, and audit, something the client
// never sent; refusing it leaves nothing changed (issue 14, item 11).
import { AppError } from '../errors.ts';

export const notUtf8 = (): AppError =>
  new AppError(400, 'INVALID_ENCODING', 'Request body is not valid UTF-8');

// `fatal` makes an invalid sequence an error instead of U+FFFD; a leading BOM is still dropped.
const strict = new TextDecoder('utf-8', { fatal: true });

/** `bytes` as text; a 400 if they are not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    throw notUtf8();
  }
}

const ESCAPE_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/**
 * Whether the percent-escapes of a form-encoded `text` decode to UTF-8. Each run of escapes must
 * hold whole sequences on its own: a literal character between escapes is a whole code point,
 * which would break a sequence that straddled it. `%` escaping nothing stays literal (WHATWG).
 */
export function escapesAreUtf8(text: string): boolean {
  if (!text.includes('%')) return true;
  for (const [run] of text.matchAll(ESCAPE_RUN)) {
    const bytes = Buffer.from(run.replace(/%/g, ''), 'hex');
    try {
      strict.decode(bytes);
    } catch {
      return false;
    }
  }
  return true;
}
