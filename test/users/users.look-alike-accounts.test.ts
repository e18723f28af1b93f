// Issue 14, item 6: look-alike accounts. An e-mail is one account in all its spellings (NFKC,
// case, Unicode or A-label domain): the second spelling is a 409, whichever route creates it, and
// logging in by any spelling reaches that one account. Invisible, control and direction
// characters are refused (422) in every e-mail and every name people see: users, tenants, bots.
// OWASP ASVS 5.1.4 (allow-list of characters), UTS #39 / UTR #36 (look-alike spoofing), CWE-1007.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { bearer, loginOk, PASSWORD } from '../auth/support.ts';
import type { Caller } from '../bots/bots.fixtures.ts';
import { as, createBot, validBot } from '../bots/bots.fixtures.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import { createTenantUser } from '../helpers/identity.ts';
import { patchUser, registerAdmin } from './support.ts';

const INVISIBLE = {
  msg: 'must not contain invisible or control characters',
  type: 'string_invisible_characters',
};

// Characters that render as nothing or re-order the text around them, one of each kind.
const HIDDEN: [string, string][] = [
  ['zero-width space', '\u200b'],
  ['right-to-left override', '\u202e'],
  ['left-to-right isolate', '\u2066'],
  ['right-to-left mark', '\u200f'],
  ['zero-width joiner between Latin letters', '\u200d'],
  ['byte-order mark', '\ufeff'],
  ['soft hyphen', '\u00ad'],
  ['control character U+0001', '\u0001'],
  ['DEL', '\u007f'],
  ['C1 control U+0085', '\u0085'],
  ['line separator', '\u2028'],
  ['tag letter', '\u{E0041}'],
  ['unassigned code point', '\u{50000}'],
];

// Names in real writing that must stay accepted, joiners and flags included where writing needs them.
const REAL_NAMES = [
  'Zoë Müller',
  '李小龍',
  'Ελένη Παπαδοπούλου',
  "Seán O'Brien-Smith",
  'محمد\u200cرضا', // Persian: a zero-width non-joiner between Arabic letters
  'क्\u200dष', // Devanagari: a zero-width joiner in a conjunct
  '👩\u200d💻 Desk', // an emoji ZWJ sequence
  '🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F} Fund', // a subdivision flag
  '🚀 Moon',
  'e\u0301cole', // a combining accent
];

describe('look-alike accounts (issue 14, item 6)', () => {
  let t: TestApp;
  const tag = randomUUID().slice(0, 8);
  const register = (payload: Record<string, unknown>) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { password: PASSWORD, full_name: 'Alice', ...payload },
    });
  const emailCount = async (email: string): Promise<number> => {
    const { rows } = await t.db.withOwner((q) =>
      q.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE email = $1', [email]),
    );
    return rows[0]?.n ?? 0;
  };

  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
  });
  after(() => t.close());

  for (const [what, email] of [
    ['a zero-width space', `alice.${tag}\u200b@a.com`],
    ['a right-to-left override', `\u202etxt.exe.${tag}@a.com`],
    ['a control character', `a\u0001b.${tag}@a.com`],
    ['DEL', `a\u007f.${tag}@a.com`],
    ['a zero-width space in the domain', `alice.${tag}@a\u200b.com`],
    ['a byte-order mark in front', `\ufeffalice.${tag}@a.com`],
  ] as const) {
    test(`registration refuses an e-mail with ${what}: 422 at body.email, nothing stored`, async () => {
      const res = await register({ email });
      assert.equal(res.statusCode, 422, res.body);
      assert.deepEqual(res.json().detail, [{ loc: ['body', 'email'], ...INVISIBLE }]);
      const { rows } = await t.db.withOwner((q) =>
        q.query('SELECT 1 FROM users WHERE email LIKE $1', [`%${tag}%`]),
      );
      assert.equal(rows.length, 0);
    });
  }

  test('a full-width look-alike of a registered e-mail is the same account: 409', async () => {
    const first = await register({ email: `alice.${tag}@a.com` });
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(first.json().email, `alice.${tag}@a.com`);
    for (const email of [`ａlice.${tag}@a.com`, `ALICE.${tag}@Ａ.COM`, `alice.${tag}@a\uff0ecom`]) {
      const res = await register({ email });
      assert.equal(res.statusCode, 409, `${email}: ${res.body}`);
      assert.equal(res.json().code, 'EMAIL_ALREADY_REGISTERED');
    }
    assert.equal(await emailCount(`alice.${tag}@a.com`), 1);
  });

  test('a Unicode domain and its A-label are one domain, in either order; the A-label is what is stored', async () => {
    const unicodeFirst = await register({ email: `u.${tag}@bücher.de` });
    assert.equal(unicodeFirst.statusCode, 201, unicodeFirst.body);
    assert.equal(unicodeFirst.json().email, `u.${tag}@xn--bcher-kva.de`);
    const aLabel = await register({ email: `u.${tag}@xn--bcher-kva.de` });
    assert.equal(aLabel.statusCode, 409, aLabel.body);

    const aLabelFirst = await register({ email: `a.${tag}@xn--bcher-kva.de` });
    assert.equal(aLabelFirst.statusCode, 201, aLabelFirst.body);
    for (const email of [`a.${tag}@bücher.de`, `a.${tag}@BÜCHER.DE`, `a.${tag}@bu\u0308cher.de`]) {
      const res = await register({ email });
      assert.equal(res.statusCode, 409, `${email}: ${res.body}`);
    }
    assert.equal(await emailCount(`a.${tag}@xn--bcher-kva.de`), 1);
  });

  test('a domain with no valid IDNA form, or an A-label that does not decode, is a 422', async () => {
    for (const email of [`d.${tag}@xn--zz.de`, `d.${tag}@xn--a.com`]) {
      const res = await register({ email });
      assert.equal(res.statusCode, 422, `${email}: ${res.body}`);
      assert.deepEqual(res.json().detail[0].loc, ['body', 'email']);
    }
  });

  test('logging in by any spelling of an address reaches its one account, the canonical e-mail in sub', async () => {
    const plain = await register({ email: `login.${tag}@a.com` });
    const idn = await register({ email: `login.${tag}@bücher.de` });
    assert.equal(plain.statusCode, 201, plain.body);
    assert.equal(idn.statusCode, 201, idn.body);
    const cases: [string, string, string][] = [
      [`LOGIN.${tag}@A.COM`, plain.json().id, `login.${tag}@a.com`],
      [`ｌogin.${tag}@a.com`, plain.json().id, `login.${tag}@a.com`],
      [`login.${tag}@bücher.de`, idn.json().id, `login.${tag}@xn--bcher-kva.de`],
      [`login.${tag}@XN--BCHER-KVA.DE`, idn.json().id, `login.${tag}@xn--bcher-kva.de`],
    ];
    for (const [typed, userId, canonical] of cases) {
      const tokens = await loginOk(t, typed);
      const claims = JSON.parse(
        Buffer.from(tokens.access_token.split('.')[1] as string, 'base64url').toString(),
      );
      assert.deepEqual([claims.user_id, claims.sub], [userId, canonical], typed);
    }
  });

  test('logging in with an invisible character in the e-mail is the ordinary wrong-credentials 401', async () => {
    await register({ email: `hidden.${tag}@a.com` });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { username: `hidden.${tag}\u200b@a.com`, password: PASSWORD },
    });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().detail, 'Incorrect username or password');
  });

  test('an admin creating a user: a look-alike of any account is a 409, an invisible character a 422', async () => {
    const admin = await registerAdmin(t);
    const post = (payload: Record<string, unknown>) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: bearer(admin.token),
        payload: { password: PASSWORD, full_name: 'Member', ...payload },
      });
    await register({ email: `taken.${tag}@bücher.de` });
    for (const email of [`taken.${tag}@xn--bcher-kva.de`, `ｔaken.${tag}@bücher.de`]) {
      const res = await post({ email });
      assert.equal(res.statusCode, 409, `${email}: ${res.body}`);
    }
    const hidden = await post({ email: `new.${tag}\u202e@a.com` });
    assert.equal(hidden.statusCode, 422, hidden.body);
    assert.deepEqual(hidden.json().detail, [{ loc: ['body', 'email'], ...INVISIBLE }]);
    const created = await post({ email: `New.${tag}@Bücher.de` });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().email, `new.${tag}@xn--bcher-kva.de`);
  });

  for (const [what, char] of HIDDEN) {
    test(`a name with a ${what} is refused for users, tenants and bots (422 at its field)`, async () => {
      const name = `Ali${char}ce`;
      const email = `name.${randomUUID().slice(0, 8)}@example.test`;
      const checks: [Promise<{ statusCode: number; json(): { detail: unknown } }>, (string | number)[]][] =
        [];
      checks.push([register({ email, full_name: name }), ['body', 'full_name']]);
      checks.push([register({ email, full_name: 'Alice', tenant_name: name }), ['body', 'tenant_name']]);
      const admin = await registerAdmin(t);
      const me = () =>
        t.app.inject({
          method: 'PATCH',
          url: '/api/v1/users/me',
          headers: bearer(admin.token),
          payload: { full_name: name },
        });
      checks.push([me(), ['body', 'full_name']]);
      checks.push([patchUser(t, admin, admin.userId, { full_name: name }), ['body', 'full_name']]);
      checks.push([
        t.app.inject({
          method: 'POST',
          url: '/api/v1/users',
          headers: bearer(admin.token),
          payload: { email, password: PASSWORD, full_name: name },
        }),
        ['body', 'full_name'],
      ]);
      const bots = as(t, await createTenantUser(t, { roles: ['user'] }));
      const botId = await createBot(bots);
      for (const field of ['name', 'exchange', 'strategy']) {
        checks.push([bots.post('/bots', validBot({ [field]: name })), ['body', field]]);
        checks.push([
          bots.put(`/bots/${botId}`, { ...validBot({ [field]: name }), status: 'stopped' }),
          ['body', field],
        ]);
      }
      for (const [pending, loc] of checks) {
        const res = await pending;
        assert.equal(res.statusCode, 422, `${loc.join('.')}: ${JSON.stringify(res.json())}`);
        assert.deepEqual(res.json().detail, [{ loc, ...INVISIBLE }]);
      }
      assert.equal(await emailCount(email), 0);
      const stored = await bots.get(`/bots/${botId}`);
      assert.equal(stored.json().name, validBot().name);
      const self = await t.app.inject({
        method: 'GET',
        url: '/api/v1/users/me',
        headers: bearer(admin.token),
      });
      assert.equal(self.json().full_name, 'Ada Trader');
    });
  }

  test('names in real writing are accepted and kept as written, joiners and flags included', async () => {
    const bots: Caller = as(t, await createTenantUser(t, { roles: ['user'] }));
    for (const name of REAL_NAMES) {
      const res = await register({
        email: `real.${randomUUID().slice(0, 8)}@example.test`,
        full_name: name,
        tenant_name: name,
      });
      assert.equal(res.statusCode, 201, `${name}: ${res.body}`);
      assert.equal(res.json().full_name, name);
      const bot = await bots.post(
        '/bots',
        validBot({ name, exchange: name.slice(0, 20), strategy: name.slice(0, 20) }),
      );
      assert.equal(bot.statusCode, 201, `${name}: ${bot.body}`);
      assert.equal(bot.json().name, name);
    }
  });

  test('a non-ASCII local part is kept (NFKC, lower case): Ünïcode and 李 addresses register', async () => {
    const res = await register({ email: `Ünïcode.${tag}@例え.テスト` });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().email, `ünïcode.${tag}@xn--r8jz45g.xn--zckzah`);
    const han = await register({ email: `李.${tag}@a.com` });
    assert.equal(han.statusCode, 201, han.body);
  });
});
