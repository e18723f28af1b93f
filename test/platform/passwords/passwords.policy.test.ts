import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkPasswordPolicy,
  commonPasswords,
  isCommonPassword,
  PASSWORD_POLICY_MESSAGES as M,
} from '../../../src/platform/passwords/index.ts';

const GOOD = 'Vx7!kelpMoth';

describe('password policy: the seed rules and messages', () => {
  test('a password meeting every rule passes with no messages', () => {
    assert.deepEqual(checkPasswordPolicy(GOOD), []);
  });

  test('the seed messages are kept word for word', () => {
    assert.equal(M.tooShort, 'Password must be at least 8 characters long');
    assert.equal(M.noUppercase, 'Password must contain at least one uppercase letter');
    assert.equal(M.noLowercase, 'Password must contain at least one lowercase letter');
    assert.equal(M.noDigit, 'Password must contain at least one digit');
  });

  test('the special-character message keeps the seed words and lists the allowed set', () => {
    assert.equal(M.noSpecial, 'Password must contain at least one special character: !@#$%^&*(),.?":{}|<>');
    assert.ok(M.noSpecial.startsWith('Password must contain at least one special character'));
  });

  test('fewer than 8 characters is refused; exactly 8 is accepted', () => {
    assert.deepEqual(checkPasswordPolicy('Vx7!kel'), [M.tooShort]);
    assert.deepEqual(checkPasswordPolicy('Vx7!kelp'), []);
  });

  test('length counts characters, not UTF-16 units: 7 emoji-bearing characters are too short', () => {
    // 'Vx7!ke' + one astral character: 7 code points, 8 UTF-16 units.
    assert.deepEqual(checkPasswordPolicy('Vx7!ke😀'), [M.tooShort]);
  });

  test('each missing character class is reported with its own message', () => {
    assert.deepEqual(checkPasswordPolicy('vx7!kelpmoth'), [M.noUppercase]);
    assert.deepEqual(checkPasswordPolicy('VX7!KELPMOTH'), [M.noLowercase]);
    assert.deepEqual(checkPasswordPolicy('Vxs!kelpMoth'), [M.noDigit]);
    assert.deepEqual(checkPasswordPolicy('Vx7skelpMoth'), [M.noSpecial]);
  });

  test('every broken rule is reported, in the seed order', () => {
    assert.deepEqual(checkPasswordPolicy(''), [
      M.tooShort,
      M.noUppercase,
      M.noLowercase,
      M.noDigit,
      M.noSpecial,
    ]);
    assert.deepEqual(checkPasswordPolicy('abc'), [M.tooShort, M.noUppercase, M.noDigit, M.noSpecial]);
  });

  test('every character of the seed special set counts, and only those do', () => {
    for (const special of '!@#$%^&*(),.?":{}|<>') {
      assert.deepEqual(checkPasswordPolicy(`Vx7${special}kelpMoth`), [], special);
    }
    for (const other of ['-', '_', '+', '=', '[', ']', '/', '\\', '~', '`', "'", ';', ' ']) {
      assert.deepEqual(checkPasswordPolicy(`Vx7${other}kelpMoth`), [M.noSpecial], other);
    }
  });

  test('letter rules are ASCII only and any decimal digit counts, as the seed Python regexes behave', () => {
    assert.deepEqual(checkPasswordPolicy('ÉÇÀ7!éçà'), [M.noUppercase, M.noLowercase]);
    // U+0663 ARABIC-INDIC DIGIT THREE matches Python 3's \d.
    assert.deepEqual(checkPasswordPolicy('Vx\u0663!kelpMoth'), []);
  });
});

describe('password policy: length in bytes', () => {
  test('a 64-character ASCII password is accepted, and so is one of exactly 72 bytes', () => {
    const p64 = `Vx7!${'kelpmoth'.repeat(7)}abcd`;
    assert.equal(p64.length, 64);
    assert.deepEqual(checkPasswordPolicy(p64), []);
    const p72 = `${p64}efghijkl`;
    assert.equal(Buffer.byteLength(p72), 72);
    assert.deepEqual(checkPasswordPolicy(p72), []);
  });

  test('73 bytes is refused rather than silently truncated by bcrypt', () => {
    const p73 = `Vx7!${'kelpmoth'.repeat(8)}abcde`;
    assert.equal(Buffer.byteLength(p73), 73);
    assert.deepEqual(checkPasswordPolicy(p73), [M.tooLong]);
    assert.equal(M.tooLong, 'Password must be at most 72 bytes');
  });

  test('the limit counts UTF-8 bytes, not characters: 28 characters of 72 bytes fit, one more does not', () => {
    const base = 'Vx7!'; // 4 bytes
    const fits = `${base}${'€'.repeat(22)}ab`; // 4 + 66 + 2 = 72 bytes, 28 characters
    assert.equal(Buffer.byteLength(fits), 72);
    assert.deepEqual(checkPasswordPolicy(fits), []);
    const over = `${fits}c`;
    assert.equal([...over].length, 29);
    assert.deepEqual(checkPasswordPolicy(over), [M.tooLong]);
    // A four-byte character straddling the boundary: 70 + 4 bytes.
    const straddle = `${base}${'€'.repeat(22)}😀`;
    assert.equal(Buffer.byteLength(straddle), 74);
    assert.deepEqual(checkPasswordPolicy(straddle), [M.tooLong]);
  });

  test('a NUL character is refused, since other bcrypt implementations stop at it', () => {
    assert.deepEqual(checkPasswordPolicy(`${GOOD}\0x`), [M.nulCharacter]);
  });
});

describe('password policy: common passwords', () => {
  test('the list holds at least 10,000 lower-case entries', () => {
    const list = commonPasswords();
    assert.ok(list.size >= 10_000, `only ${list.size} entries`);
    assert.ok(list.has('password') && list.has('qwerty') && list.has('123456'));
  });

  test('the list is loaded once and shared', () => {
    assert.equal(commonPasswords(), commonPasswords());
  });

  test('common passwords are refused even when they meet every character rule', () => {
    for (const password of [
      'Password1!',
      'Qwerty123!',
      'P@ssw0rd!',
      'Letmein2024!',
      'Iloveyou!1',
      'Trustno1!',
      'Abc123!!',
    ]) {
      assert.deepEqual(checkPasswordPolicy(password), [M.tooCommon], password);
    }
    assert.equal(M.tooCommon, 'Password is too common');
  });

  test('a common password is reported alongside the character rules it also breaks', () => {
    assert.deepEqual(checkPasswordPolicy('password'), [M.noUppercase, M.noDigit, M.noSpecial, M.tooCommon]);
  });

  test('the comparison ignores case', () => {
    assert.equal(isCommonPassword('PASSWORD'), true);
    assert.equal(isCommonPassword('QwErTy'), true);
  });

  test('uncommon passwords, and short common words followed by many characters, are not refused', () => {
    assert.equal(isCommonPassword(GOOD), false);
    assert.equal(isCommonPassword('Correct-Horse7!Battery'), false);
    // 'max' is on the list, but a three-letter stem does not make a password common.
    assert.equal(isCommonPassword('Max!4827193'), false);
  });
});
