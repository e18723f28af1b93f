// What production refuses in a key besides its length (CONTRACT.md: "Production refuses keys that
// are short, repetitive or all zero"; OWASP ASVS 4.0.3 V6.4.1/V2.9: keys generated, not typed).
// A key passes the length check and still has almost no entropy when it is one byte repeated
// (`'k'.repeat(32)`, an all-zero ENCRYPTION_KEY), a short pattern repeated (`abcabc…`, the same 4
// bytes eight times), or drawn from a handful of values. Generated keys are none of these: 32
// random hex characters cover fewer than 8 distinct values with probability below 1e-7, and have
// a period of half their length or less with probability 16^-16.

/** Below this many distinct bytes, a key is drawn from too few values to be secret. */
export const MIN_DISTINCT_BYTES = 8;

/** The smallest p such that key[i] = key[i - p] for every i ≥ p (Knuth–Morris–Pratt's failure function). */
function smallestPeriod(key: Uint8Array): number {
  const failure = new Array<number>(key.length).fill(0);
  for (let i = 1, k = 0; i < key.length; i++) {
    while (k > 0 && key[i] !== key[k]) k = failure[k - 1] as number;
    if (key[i] === key[k]) k++;
    failure[i] = k;
  }
  return key.length - (failure[key.length - 1] ?? 0);
}

/** Why `key` is too weak to use in production, in words that never quote it; undefined if none. */
export function keyWeakness(key: Uint8Array): string | undefined {
  if (key.length === 0) return 'is empty';
  if (key.every((byte) => byte === 0)) return 'is all zero';
  if (smallestPeriod(key) <= key.length / 2) return 'is repetitive (a short pattern repeated)';
  if (new Set(key).size < MIN_DISTINCT_BYTES) {
    return `is repetitive (fewer than ${MIN_DISTINCT_BYTES} distinct bytes)`;
  }
  return undefined;
}
