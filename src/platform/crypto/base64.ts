// Strict base64 decoding. Node's decoder skips characters outside the alphabet and ignores the unused
// low bits of the last character, so two different strings can decode to the same bytes. Accepting
// only the canonical spelling keeps "any changed character fails" true for stored envelopes.

const ALPHABETS = {
  base64: /^[A-Za-z0-9+/]*$/,
  base64url: /^[A-Za-z0-9_-]*$/,
} as const;

export type Base64Alphabet = keyof typeof ALPHABETS;

/**
 * Decodes `text` if it is the canonical encoding of some bytes in `alphabet`, with either no padding
 * or exactly the right padding; returns undefined otherwise.
 */
export function decodeCanonical(text: string, alphabet: Base64Alphabet): Buffer | undefined {
  const body = text.replace(/={1,2}$/, '');
  const padding = text.length - body.length;
  if (!ALPHABETS[alphabet].test(body) || body.length % 4 === 1) return undefined;
  if (padding > 0 && (body.length + padding) % 4 !== 0) return undefined;
  const bytes = Buffer.from(body, alphabet);
  const again = bytes.toString(alphabet).replace(/=+$/, '');
  return again === body ? bytes : undefined;
}
