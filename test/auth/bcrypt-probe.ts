// Counts bcrypt comparisons made anywhere in this process by wrapping the password module's engine
// (every comparison goes through it). Counting, rather than timing, is how the tests show that an
// unknown e-mail and a wrong password cost the same bcrypt work.
import { bcryptEngine } from '../../src/platform/passwords/hashing.ts';

const original = bcryptEngine.compare;
const seen: string[] = [];

bcryptEngine.compare = async (data, encrypted) => {
  seen.push(encrypted);
  return original(data, encrypted);
};

/** The hashes compared against since the last call, then forgets them. */
export function takeComparisons(): string[] {
  return seen.splice(0, seen.length);
}
