// Configuration that would fail open (OWASP API8:2023 Security Misconfiguration): a weak
// password-hashing cost (the seed's checklist: bcrypt rounds ≥ 12), a NODE_ENV that is almost
// `production` (issue 14: `Production` ran development mode), and keys long enough but repetitive
// or all zero. Missing or short SECRET_KEY and missing ENCRYPTION_KEY are pinned in
// test/platform/config.test.ts.
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

const refusal = (variable: string, pattern?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof ConfigError, `a ConfigError, got ${String(error)}`);
  assert.equal(error.variable, variable);
  assert.ok(error.message.startsWith(`${variable}: `), error.message);
  if (pattern !== undefined) assert.match(error.message, pattern);
  return true;
};

describe('API8:2023 NODE_ENV is production, development, test or unset, nothing else (issue 14)', () => {
  for (const value of ['Production', 'production ', ' production', 'PRODUCTION', 'prod', 'staging', 'dev']) {
    test(`API8:2023 NODE_ENV=${JSON.stringify(value)} stops start-up naming NODE_ENV`, () => {
      assert.throws(() => loadConfig({ ...production(), NODE_ENV: value }), refusal('NODE_ENV'));
    });
  }

  test('API8:2023 the exact names are accepted, and only production is production', () => {
    assert.equal(loadConfig(production()).production, true);
    for (const value of ['development', 'test', '', undefined]) {
      const env = value === undefined ? {} : { NODE_ENV: value };
      assert.equal(loadConfig(env).production, false, `NODE_ENV=${String(value)}`);
    }
  });
});

describe('API8:2023 production refuses repetitive or all-zero keys, naming the variable (issue 14)', () => {
  const weakSecretKeys = {
    'one character 32 times': 'k'.repeat(32),
    'the digit 0, 40 times': '0'.repeat(40),
    'a three-character pattern': 'abc'.repeat(11),
    'the same 4 characters 8 times': 'Xy7!'.repeat(8),
    'a 16-character pattern twice': '0123456789abcdef'.repeat(2),
    'few distinct characters': 'aaaaaaaabbbbbbbbccccccccdddddddd',
  };
  for (const [what, key] of Object.entries(weakSecretKeys)) {
    test(`API8:2023 a SECRET_KEY of ${what} is refused`, () => {
      assert.throws(
        () => loadConfig({ ...production(), SECRET_KEY: key }),
        refusal('SECRET_KEY', /repetitive/),
      );
    });
  }

  test('API8:2023 every key of a SECRET_KEY list is checked, and the message names its position, not its content', () => {
    const weak = 'k'.repeat(40);
    assert.throws(
      () => loadConfig({ ...production(), SECRET_KEY: `${randomBytes(32).toString('hex')},${weak}` }),
      (error: unknown) => {
        refusal('SECRET_KEY', /key 2 is repetitive/)(error);
        assert.ok(!(error as Error).message.includes(weak));
        return true;
      },
    );
  });

  const weakEncryptionKeys = {
    'all zero': [Buffer.alloc(32), /all zero/],
    'one byte repeated': [Buffer.alloc(32, 7), /repetitive/],
    'the same 4 bytes 8 times': [
      Buffer.from(Array.from({ length: 32 }, (_, i) => [1, 2, 3, 4][i % 4] as number)),
      /repetitive/,
    ],
    'few distinct bytes': [Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 7) % 5)), /repetitive/],
  } as const;
  for (const [what, [key, pattern]] of Object.entries(weakEncryptionKeys)) {
    test(`API8:2023 an ENCRYPTION_KEY that is ${what} is refused, in base64 and base64url, alone or in a list`, () => {
      for (const text of [key.toString('base64'), key.toString('base64url')]) {
        assert.throws(
          () => loadConfig({ ...production(), ENCRYPTION_KEY: text }),
          refusal('ENCRYPTION_KEY', pattern),
        );
      }
      const list = `${randomBytes(32).toString('base64')},${key.toString('base64')}`;
      assert.throws(
        () => loadConfig({ ...production(), ENCRYPTION_KEY: list }),
        refusal('ENCRYPTION_KEY', /key 2/),
      );
    });
  }

  for (const variable of ['METRICS_TOKEN', 'ALERT_WEBHOOK_SECRET']) {
    test(`API8:2023 a ${variable} that is short or repetitive is refused`, () => {
      for (const [value, pattern] of [
        ['short-token', /at least 32 bytes/],
        ['t'.repeat(64), /repetitive/],
      ] as const) {
        assert.throws(() => loadConfig({ ...production(), [variable]: value }), refusal(variable, pattern));
      }
      assert.equal(
        loadConfig({ ...production(), [variable]: randomBytes(32).toString('hex') }).production,
        true,
      );
    });
  }

  test('API8:2023 generated keys of every format pass (no false refusals)', () => {
    for (let i = 0; i < 300; i++) {
      const config = loadConfig({
        ...production(),
        // 32 hex characters: the shortest a SECRET_KEY may be, from the smallest alphabet.
        SECRET_KEY: `${randomBytes(16).toString('hex')},${randomBytes(48).toString('base64')}`,
        ENCRYPTION_KEY: `${randomBytes(32).toString('base64')},${randomBytes(32).toString('base64url')}`,
        METRICS_TOKEN: randomBytes(32).toString('hex'),
      });
      assert.equal(config.production, true);
    }
  });

  test("API8:2023 development still takes any key (the rule is production's)", () => {
    assert.deepEqual([...loadConfig({ SECRET_KEY: 'k'.repeat(32) }).secretKey], ['k'.repeat(32)]);
  });
});
