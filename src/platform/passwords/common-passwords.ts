// The common-password list (OWASP ASVS 2.1.7: refuse passwords found in breach / common lists).
// It is zxcvbn-ts' list of ~49k passwords ranked by frequency in public leaks, read once on first use:
// no start-up cost for processes that never check a password (workers, the CLI).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const LIST = '@zxcvbn-ts/language-common/src/passwords.json';

let common: ReadonlySet<string> | undefined;

/** The list as a set of lower-case entries, loaded on first call. */
export function commonPasswords(): ReadonlySet<string> {
  if (common === undefined) {
    const file = createRequire(import.meta.url).resolve(LIST);
    const entries: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!Array.isArray(entries)) throw new Error(`${LIST} is not a JSON array`);
    common = new Set(
      entries.filter((entry) => typeof entry === 'string').map((entry) => entry.toLowerCase()),
    );
  }
  return common;
}

// Mangling rules every cracker tries first: a common password with digits and symbols appended
// (`Password1!`, `Qwerty123!`, `Abc123!!`). So the stems without trailing symbols and without trailing
// digits-and-symbols are looked up too. A stem must be at least 4 characters, so that short words the
// list also holds (`max`, `tom`) do not condemn every password that merely starts with them.
const TRAILING_SYMBOLS = /[^\p{L}\p{N}]+$/u;
const TRAILING_NON_LETTERS = /[^\p{L}]+$/u;
const MIN_STEM = 4;

/** True when the password, ignoring case, or one of its stems (see above) is on the common list. */
export function isCommonPassword(password: string): boolean {
  const list = commonPasswords();
  const lower = password.toLowerCase();
  if (list.has(lower)) return true;
  return [lower.replace(TRAILING_SYMBOLS, ''), lower.replace(TRAILING_NON_LETTERS, '')].some(
    (stem) => stem.length >= MIN_STEM && list.has(stem),
  );
}
