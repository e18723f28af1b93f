/**
 * Any failure to open an envelope: unknown key id, tampering, wrong associated data, malformed input.
 * The message is fixed and vague on purpose (as panva/jose's `decryption operation failed`), so that
 * neither a log line nor an error response tells an attacker which check failed or echoes material.
 */
export class DecryptionError extends Error {
  readonly code = 'DECRYPTION_FAILED';

  constructor() {
    super('decryption failed');
    this.name = 'DecryptionError';
  }
}

/**
 * A key setting (`ENCRYPTION_KEY`, `SECRET_KEY`) that cannot be used. The message names the variable
 * and the entry's position, never the entry itself: a half-pasted key is still a secret.
 */
export class KeyConfigurationError extends Error {
  readonly code = 'KEY_CONFIGURATION_INVALID';

  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'KeyConfigurationError';
  }
}
