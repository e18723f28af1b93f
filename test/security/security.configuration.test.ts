// Production refuses a weak password-hashing cost (OWASP API8:2023 Security Misconfiguration; the
// seed's checklist: bcrypt rounds ≥ 12). The other production refusals (missing or short
// SECRET_KEY, missing ENCRYPTION_KEY) are pinned in test/platform/config.test.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

const production = (cost?: string) => ({
  NODE_ENV: 'production',
  SECRET_KEY: randomBytes(32).toString('hex'),
  ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  ...(cost === undefined ? {} : { PASSWORD_HASH_COST: cost }),
});

describe('API8:2023 password hashing cost in production', () => {
  test('API8:2023 production refuses a bcrypt cost below 12, naming the setting', () => {
    for (const cost of ['4', '10', '11']) {
      assert.throws(
        () => loadConfig(production(cost)),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, /PASSWORD_HASH_COST/);
          return true;
        },
      );
    }
  });

  test('API8:2023 production accepts cost 12 and above, and defaults to 12', () => {
    assert.equal(loadConfig(production('13')).passwordHashCost, 13);
    assert.equal(loadConfig(production()).passwordHashCost, 12);
  });
});
