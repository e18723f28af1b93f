import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  dummyHash,
  hashPassword,
  needsRehash,
  verifyAgainstDummy,
  verifyPassword,
} from '../../../src/platform/passwords/index.ts';

const COST = 4;
const PASSWORD = 'Vx7!kelpMoth';

describe('password hashing', () => {
  test('a hash verifies its own password and no other', async () => {
    const hash = await hashPassword(PASSWORD, COST);
    assert.equal(await verifyPassword(PASSWORD, hash), true);
    assert.equal(await verifyPassword('Vx7!kelpMotH', hash), false);
    assert.equal(await verifyPassword('', hash), false);
  });

  test('hashes are $2b$ at the requested cost, salted differently each time', async () => {
    const a = await hashPassword(PASSWORD, COST);
    const b = await hashPassword(PASSWORD, COST);
    assert.match(a, /^\$2b\$04\$[./A-Za-z0-9]{53}$/);
    assert.notEqual(a, b);
  });

  test('the production cost 12 gives a $2b$12$ hash', async () => {
    const hash = await hashPassword(PASSWORD, 12);
    assert.match(hash, /^\$2b\$12\$[./A-Za-z0-9]{53}$/);
  });

  test('verification runs off the event loop: timers keep firing while it works', async () => {
    // Cost 10: tens of milliseconds of hashing. A compare on the event loop would resolve without a
    // single timer having run; on a worker thread the loop stays free the whole time. (Ordering a
    // single setImmediate against the answer was flaky: a reply that arrives while the worker's
    // port is still being drained is handled before the check phase.)
    const hash = await hashPassword(PASSWORD, 10);
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
    }, 1);
    try {
      assert.equal(await verifyPassword(PASSWORD, hash), true);
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks >= 3, `only ${ticks} timer callbacks ran during the verification`);
  });

  test('more than 72 UTF-8 bytes is refused rather than truncated, while exactly 72 is hashed', async () => {
    const p72 = `Vx7!${'€'.repeat(22)}ab`;
    assert.equal(Buffer.byteLength(p72), 72);
    const hash = await hashPassword(p72, COST);
    assert.equal(await verifyPassword(p72, hash), true);
    assert.equal(await verifyPassword(p72.slice(0, -1), hash), false);
    await assert.rejects(hashPassword(`${p72}c`, COST), RangeError);
    await assert.rejects(hashPassword(`Vx7!${'€'.repeat(22)}😀`, COST), RangeError);
  });

  test('a password containing NUL is refused', async () => {
    await assert.rejects(hashPassword('Vx7!kelp\0Moth', COST), RangeError);
  });

  test('a cost outside 4..31 or not an integer is refused', async () => {
    for (const cost of [3, 32, 10.5, Number.NaN]) {
      await assert.rejects(hashPassword(PASSWORD, cost), RangeError, String(cost));
    }
  });

  test('a malformed or foreign hash never verifies and never throws', async () => {
    const good = await hashPassword(PASSWORD, COST);
    for (const bad of [
      '',
      'not a hash',
      '$2b$04$short',
      `${good}x`,
      good.replace('$2b$', '$2x$'),
      good.replace('$2b$', '$2$'),
      '$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG',
      'pbkdf2_sha256$260000$salt$hash',
    ]) {
      assert.equal(await verifyPassword(PASSWORD, bad), false, bad);
    }
  });
});

describe('password hashes from other implementations', () => {
  // PHP manual, password_verify() example: crypt_blowfish's $2y$.
  test('a PHP $2y$ hash verifies', async () => {
    const hash = '$2y$07$BCryptRequires22Chrcte/VlQH0piJtjXl.0t1XkA8pw9dMXTpOq';
    assert.equal(await verifyPassword('rasmuslerdorf', hash), true);
    assert.equal(await verifyPassword('rasmuslerdorF', hash), false);
  });

  // OpenBSD / jBCrypt test vectors: $2a$.
  test('OpenBSD $2a$ vectors verify, including the empty password', async () => {
    assert.equal(
      await verifyPassword('abc', '$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i'),
      true,
    );
    assert.equal(
      await verifyPassword('', '$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.'),
      true,
    );
    assert.equal(
      await verifyPassword('abd', '$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i'),
      false,
    );
  });

  // $2b$ differs from $2a$ only for inputs over 255 bytes, so the same vector is a $2b$ (passlib) vector.
  test('a $2b$ vector, the form passlib writes, verifies', async () => {
    assert.equal(
      await verifyPassword('abc', '$2b$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i'),
      true,
    );
  });

  test('a legacy hash of a password longer than 72 bytes verifies as bcrypt defines it (first 72 bytes)', async () => {
    // What passlib produced before bcrypt refused long input: the hash of the first 72 bytes.
    const long = `Vx7!${'kelpmoth'.repeat(12)}`;
    const legacy = await hashPassword(long.slice(0, 72), COST);
    assert.equal(await verifyPassword(long, legacy), true);
    const legacy2a = legacy.replace('$2b$', '$2a$');
    assert.equal(await verifyPassword(long, legacy2a), true);
  });

  test('a 255-byte input against a $2a$ hash is read as its first 72 bytes, not by the native wrap-around', async () => {
    // The native $2a$ code stores length+1 in a byte: at 255 bytes it wraps to 0 and reads the first
    // character 72 times, so the input would match the hash of 'VVV…' instead of its own first 72 bytes.
    const long = 'Vx7!kelpMoth'.repeat(22).slice(0, 255);
    const own = (await hashPassword(long.slice(0, 72), COST)).replace('$2b$', '$2a$');
    const wrapped = (await hashPassword('V'.repeat(72), COST)).replace('$2b$', '$2a$');
    assert.equal(await verifyPassword(long, own), true);
    assert.equal(await verifyPassword(long, wrapped), false);
  });
});

describe('rehash detection', () => {
  test('a $2b$ hash at the configured cost or above needs no rehash', async () => {
    const hash = await hashPassword(PASSWORD, 5);
    assert.equal(needsRehash(hash, 5), false);
    assert.equal(needsRehash(hash, 4), false);
  });

  test('a hash below the configured cost needs a rehash', async () => {
    assert.equal(needsRehash(await hashPassword(PASSWORD, COST), 12), true);
  });

  test('$2a$ and $2y$ hashes need a rehash to $2b$, whatever their cost', () => {
    assert.equal(needsRehash('$2y$12$BCryptRequires22Chrcte/VlQH0piJtjXl.0t1XkA8pw9dMXTpOq', 12), true);
    assert.equal(needsRehash('$2a$12$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i', 12), true);
  });

  test('a malformed hash needs a rehash', () => {
    assert.equal(needsRehash('', 12), true);
    assert.equal(needsRehash('$2b$12$short', 12), true);
  });
});

describe('dummy hash for unknown e-mails', () => {
  test('the dummy hash is a $2b$ hash at the configured cost, made once per cost', async () => {
    const first = await dummyHash(COST);
    assert.match(first, /^\$2b\$04\$[./A-Za-z0-9]{53}$/);
    assert.equal(await dummyHash(COST), first);
    assert.equal(dummyHash(COST), dummyHash(COST));
    assert.match(await dummyHash(5), /^\$2b\$05\$/);
  });

  test('no password verifies against the dummy hash', async () => {
    const dummy = await dummyHash(COST);
    for (const guess of ['', PASSWORD, 'Password1!', 'dummy']) {
      assert.equal(await verifyPassword(guess, dummy), false);
      assert.equal(await verifyAgainstDummy(guess, COST), false);
    }
  });

  test('a failed dummy hash (bad cost) is not remembered', async () => {
    const failed = dummyHash(2);
    await assert.rejects(failed, RangeError);
    const again = dummyHash(2);
    assert.notEqual(again, failed);
    await assert.rejects(again, RangeError);
  });
});

test('hashing runs on worker threads of lower priority than the event loop', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { hashPassword } = await import('../../../src/platform/passwords/hashing.ts');
  await hashPassword('Priority-Check-1!', 4);
  const niceOf = (task: string) =>
    Number(readFileSync(`/proc/self/task/${task}/stat`, 'utf8').split(') ')[1]?.split(' ')[16]);
  const tasks = readdirSync('/proc/self/task');
  assert.equal(niceOf(String(process.pid)), 0, 'the event loop keeps its priority');
  assert.ok(
    tasks.some((task) => niceOf(task) > 0),
    'some thread (a bcrypt worker) runs niced',
  );
});
