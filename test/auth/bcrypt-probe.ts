// Counts bcrypt comparisons made anywhere in this process. Must be the FIRST import of a test file:
// it replaces the CommonJS module's `compare` before any ES module binds the name, so the
// platform's password module calls through this counter. Counting, rather than timing, is how
// the tests show that an unknown e-mail and a wrong password cost the same bcrypt work.
import { createRequire } from 'node:module';

interface BcryptModule {
  compare(data: string | Buffer, encrypted: string): Promise<boolean>;
}

const bcrypt = createRequire(import.meta.url)('bcrypt') as BcryptModule;
const original = bcrypt.compare.bind(bcrypt);
const seen: string[] = [];

bcrypt.compare = async (data, encrypted) => {
  seen.push(encrypted);
  return original(data, encrypted);
};

/** The hashes compared against since the last call, then forgets them. */
export function takeComparisons(): string[] {
  return seen.splice(0, seen.length);
}
