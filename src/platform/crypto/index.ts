export type { DataCipher } from './data-cipher.ts';
export { createDataCipher } from './data-cipher.ts';
export { DecryptionError, KeyConfigurationError } from './errors.ts';
export { decodeEncryptionKey, generateEncryptionKey, KeyRing, parseEncryptionKeys } from './key-ring.ts';
export { keyWeakness } from './key-strength.ts';
export type { SigningKey } from './secret-keys.ts';
export { generateSecretKey, parseSecretKeys, parseSigningKeys, secretKeyId } from './secret-keys.ts';
