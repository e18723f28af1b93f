export { commonPasswords, isCommonPassword } from './common-passwords.ts';
export { dummyHash, hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from './hashing.ts';
export {
  checkPasswordPolicy,
  MAX_PASSWORD_BYTES,
  PASSWORD_POLICY_DESCRIPTION,
  PASSWORD_POLICY_MESSAGES,
  SPECIAL_CHARACTERS,
} from './policy.ts';
