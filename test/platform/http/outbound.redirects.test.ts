// Redirects are followed by hand, at most `maxRedirects`, and every hop is checked like the first.
// The refused-hop tests start from a public-looking name with allowPrivateNetworks off: the
// loopback dialler is the only way in, and it knows one address only.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { testConnection } from '../../../src/platform/http/index.ts';
import type { FakeBot } from './fixtures/fake-bot-server.ts';
import { BOT_TOKEN, healthRoute, redirectRoute, startFakeBot } from './fixtures/fake-bot-server.ts';
import { networkViolations } from './fixtures/network-guard.ts';
import { loopbackDialler, PUBLIC_V4, rebindingResolver, tableResolver } from './fixtures/test-network.ts';

let bot: FakeBot;
let other: FakeBot;
before(async () => {
  other = await startFakeBot({
    '/landing': healthRoute,
    '/back': (_req, res: ServerResponse) => res.writeHead(302, { location: `${bot.origin}/health` }).end(),
  });
  bot = await startFakeBot({
    '/health': healthRoute,
    '/secret': healthRoute,
    '/same-origin': redirectRoute('/health'),
    '/to-other-origin': redirectRoute(`${other.origin}/landing`),
    '/to-other-and-back': redirectRoute(`${other.origin}/back`),
    '/loop': redirectRoute('/loop'),
    '/no-location': (_req, res: ServerResponse) => res.writeHead(302).end(),
    ...Object.fromEntries(
      [301, 302, 303, 307, 308].map((s) => [`/status-${s}`, redirectRoute('/health', s)]),
    ),
  });
});
after(async () => {
  await Promise.all([bot.close(), other.close()]);
  assert.deepEqual(networkViolations(), []);
});

const local = { allowPrivateNetworks: true };
const paths = (server: FakeBot) => server.received.map((r) => r.path);

describe('testConnection follows redirects by hand', () => {
  for (const status of [301, 302, 303, 307, 308]) {
    test(`a ${status} redirect is followed to its target`, async () => {
      bot.received.length = 0;
      const result = await testConnection(`${bot.origin}/status-${status}`, BOT_TOKEN, local);
      assert.equal(result.ok, true);
      assert.deepEqual(paths(bot), [`/status-${status}`, '/health']);
    });
  }

  test('a same-origin redirect keeps the bearer token', async () => {
    bot.received.length = 0;
    await testConnection(`${bot.origin}/same-origin`, BOT_TOKEN, local);
    assert.deepEqual(
      bot.received.map((r) => r.authorization),
      [`Bearer ${BOT_TOKEN}`, `Bearer ${BOT_TOKEN}`],
    );
  });

  test('a redirect to another origin does not carry the bearer token (as browsers strip it)', async () => {
    other.received.length = 0;
    const result = await testConnection(`${bot.origin}/to-other-origin`, BOT_TOKEN, local);
    assert.equal(result.status_code, 401); // the other origin saw no token
    assert.deepEqual(other.received, [
      { path: '/landing', host: `127.0.0.1:${other.port}`, authorization: undefined },
    ]);
  });

  test('once stripped, the token stays off even when a later hop returns to the first origin', async () => {
    bot.received.length = 0;
    const result = await testConnection(`${bot.origin}/to-other-and-back`, BOT_TOKEN, local);
    assert.equal(result.status_code, 401);
    assert.deepEqual(
      bot.received.map((r) => [r.path, r.authorization]),
      [
        ['/to-other-and-back', `Bearer ${BOT_TOKEN}`],
        ['/health', undefined],
      ],
    );
  });

  test('at most 3 redirects are followed; the 4th is reported as too_many_redirects', async () => {
    bot.received.length = 0;
    const result = await testConnection(`${bot.origin}/loop`, BOT_TOKEN, local);
    assert.deepEqual(
      { ok: result.ok, status_code: result.status_code, error: result.error },
      {
        ok: false,
        status_code: 302,
        error: 'too_many_redirects',
      },
    );
    assert.equal(bot.received.length, 4);
  });

  test('maxRedirects 0 follows none', async () => {
    bot.received.length = 0;
    const result = await testConnection(`${bot.origin}/same-origin`, BOT_TOKEN, {
      ...local,
      maxRedirects: 0,
    });
    assert.equal(result.error, 'too_many_redirects');
    assert.deepEqual(paths(bot), ['/same-origin']);
  });

  test('a redirect status without a Location is the final answer, not ok', async () => {
    const result = await testConnection(`${bot.origin}/no-location`, BOT_TOKEN, local);
    assert.deepEqual(
      { ok: result.ok, status_code: result.status_code, error: result.error },
      {
        ok: false,
        status_code: 302,
        error: undefined,
      },
    );
  });
});

describe('a redirect to a refused address is not followed, and the result says why', () => {
  // Each target is served by `bot` itself under a loopback or internal address: if any hop were
  // followed, `/secret` would show up in what the fake bot received.
  const hops = (port: number): ReadonlyArray<readonly [string, string]> => [
    [`http://127.0.0.1:${port}/secret`, 'redirect:literal:loopback'],
    [`http://0x7f.1:${port}/secret`, 'redirect:literal:loopback'],
    [`http://[::ffff:127.0.0.1]:${port}/secret`, 'redirect:literal:ipv4_mapped:loopback'],
    [`http://localhost:${port}/secret`, 'redirect:name:localhost'],
    [`http://internal.example.com:${port}/secret`, 'redirect:resolved:private'],
    [`http://mixed.example.com:${port}/secret`, 'redirect:resolved:loopback'],
    ['http://169.254.169.254/latest/meta-data/iam/security-credentials/', 'redirect:literal:cloud_metadata'],
    ['http://[fd00:ec2::254]/latest/meta-data/', 'redirect:literal:cloud_metadata'],
    ['file:///etc/passwd', 'redirect:scheme'],
    [`gopher://127.0.0.1:${port}/_secret`, 'redirect:scheme'],
    [`http://user:pw@bot.example.com/secret`, 'redirect:userinfo'],
    ['http://[::1', 'redirect:invalid_url'],
  ];

  test('every refused hop ends the test (redirect_refused, with the reason), and nothing but the first vetted address was dialled', async () => {
    for (const [location, reason] of hops(bot.port)) {
      const start = await startFakeBot({ '/start': redirectRoute(location) });
      const dns = tableResolver({
        'bot.example.com': [PUBLIC_V4],
        'internal.example.com': ['10.20.30.40'],
        'mixed.example.com': [PUBLIC_V4, '127.0.0.1'],
      });
      const dialler = loopbackDialler({ [PUBLIC_V4]: start.port });
      bot.received.length = 0;
      try {
        const result = await testConnection('http://bot.example.com/start', BOT_TOKEN, {
          resolver: dns.resolve,
          dial: dialler.dial,
        });
        assert.deepEqual(
          { ok: result.ok, status_code: result.status_code, error: result.error, refusal: result.refusal },
          { ok: false, status_code: 302, error: 'redirect_refused', refusal: reason },
          location,
        );
        assert.deepEqual(paths(start), ['/start'], location);
        assert.deepEqual(paths(bot), [], location);
        assert.deepEqual(
          dialler.calls.map((c) => c.address),
          [PUBLIC_V4],
          location,
        );
      } finally {
        await start.close();
      }
    }
  });

  test('a redirect back to the same name re-resolves it, and a rebound answer is refused', async () => {
    const dns = rebindingResolver([PUBLIC_V4], ['127.0.0.1']);
    const dialler = loopbackDialler({ [PUBLIC_V4]: bot.port });
    bot.received.length = 0;
    const result = await testConnection('http://rebind.example.com/same-origin', BOT_TOKEN, {
      resolver: dns.resolve,
      dial: dialler.dial,
    });
    assert.equal(result.error, 'redirect_refused');
    assert.equal(result.refusal, 'redirect:resolved:loopback');
    assert.deepEqual(dns.calls, ['rebind.example.com', 'rebind.example.com']);
    assert.deepEqual(paths(bot), ['/same-origin']);
    assert.deepEqual(
      dialler.calls.map((c) => c.address),
      [PUBLIC_V4],
    );
  });
});
