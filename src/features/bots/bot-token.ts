// The rules and the at-rest binding of a bot's API token. The token is write-only: it is checked
// here, sealed by the data cipher and never returned, logged or put in an error.
import type { DataCipher } from '../../platform/crypto/index.ts';
import { createDataCipher, parseEncryptionKeys } from '../../platform/crypto/index.ts';
import type { ValidationIssue } from '../../platform/validation.ts';

export const MIN_TOKEN_LENGTH = 10;

// The seed's characters (<>&"'`;), plus everything that is not visible ASCII: the token travels in
// an `Authorization: Bearer` header, where a space, a control or a non-ASCII character could split
// or smuggle a header (RFC 9110 §5.5, RFC 6750 §2.1 b64token is narrower still).
const INVALID_CHARACTERS = /[<>&"'`;]|[^\x21-\x7e]/;

/** The seed's checks with the seed's messages; the rejected value is never echoed. */
export function tokenIssues(token: string, loc: (string | number)[]): ValidationIssue[] {
  if (token.length < MIN_TOKEN_LENGTH) return [{ loc, msg: 'API token too short', type: 'value_error' }];
  if (INVALID_CHARACTERS.test(token)) {
    return [{ loc, msg: 'API token contains invalid characters', type: 'value_error' }];
  }
  return [];
}

/** True when a (possibly legacy, decrypted) token can be sent as a bearer token. */
export function isUsableToken(token: string): boolean {
  return tokenIssues(token, []).length === 0;
}

/**
 * Associated data binding a sealed token to its tenant, bot and column: a ciphertext copied into
 * another row or tenant fails to decrypt (OWASP ASVS 6.2.x authenticated encryption).
 */
export function botTokenAad(tenantId: string, botId: string): string {
  return `tenant:${tenantId.toLowerCase()}|bot:${botId.toLowerCase()}|field:api_token`;
}

/** The cipher for bot tokens, from ENCRYPTION_KEY (first key encrypts, all decrypt). */
export function createBotTokenCipher(encryptionKey: readonly string[]): DataCipher {
  return createDataCipher(parseEncryptionKeys(encryptionKey), 'bot-token');
}
