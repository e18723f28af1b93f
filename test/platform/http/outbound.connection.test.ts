// testConnection against a fake bot on 127.0.0.1: the token, what comes back, and the pinning of
// the vetted address (DNS rebinding). Public-looking names reach the fake bot only through the
// loopback dialler; the network guard stops any other socket.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { testConnection } from '../../../src/platform/http/index.ts';
import type { FakeBot } from './fixtures/fake-bot-server.ts';
import { BOT_TOKEN, healthRoute, REMOTE_SECRET, startFakeBot } from './fixtures/fake-bot-server.ts';
import { networkViolations } from './fixtures/network-guard.ts';
import { loopbackDialler, PUBLIC_V4, rebindingResolver, tableResolver } from './fixtures/test-network.ts';

let bot: FakeBot;
before(async () => {
  bot = await startFakeBot({ '/health': healthRoute });
});
after(async () => {
  await bot.close();
  assert.deepEqual(networkViolations(), []);
});

const local = { allowPrivateNetworks: true };

describe('testConnection reports on a reachable bot', () => {
  test('a bot that accepts the bearer token is ok, with its status code and a latency', async () => {
    const result = await testConnection(`${bot.origin}/health`, BOT_TOKEN, local);
    assert.equal(result.ok, true);
    assert.equal(result.status_code, 200);
    assert.equal(result.error, undefined);
    assert.ok(Number.isInteger(result.latency_ms) && result.latency_ms >= 0);
    assert.equal(bot.received.at(-1)?.authorization, `Bearer ${BOT_TOKEN}`);
  });

  test('a bot that rejects the token is not ok, and its status code says why', async () => {
    const result = await testConnection(`${bot.origin}/health`, 'some-other-token-123', local);
    assert.deepEqual(
      { ok: result.ok, status_code: result.status_code, error: result.error },
      {
        ok: false,
        status_code: 401,
        error: undefined,
      },
    );
  });

  test('the path and query are sent as given', async () => {
    await testConnection(`${bot.origin}/health?probe=1`, BOT_TOKEN, local);
    assert.equal(bot.received.at(-1)?.path, '/health?probe=1');
  });

  test('neither the remote body nor the token appear in the result', async () => {
    for (const token of [BOT_TOKEN, 'some-other-token-123']) {
      const text = JSON.stringify(await testConnection(`${bot.origin}/health`, token, local));
      assert.ok(!text.includes(REMOTE_SECRET) && !text.includes(token), text);
      assert.deepEqual(Object.keys(JSON.parse(text)).sort(), ['latency_ms', 'ok', 'status_code']);
    }
  });

  test('a closed port is reported as connection_failed', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const result = await testConnection(`http://127.0.0.1:${port}/`, BOT_TOKEN, local);
    assert.deepEqual(
      { ok: result.ok, status_code: result.status_code, error: result.error },
      {
        ok: false,
        status_code: null,
        error: 'connection_failed',
      },
    );
  });
});

describe('testConnection guards the token', () => {
  for (const token of ['abc\r\nX-Injected: 1', 'with space', 'tab\there', 'é-non-ascii', '']) {
    test(`the token ${JSON.stringify(token)} is refused before any connection, without being echoed`, async () => {
      const before = bot.received.length;
      await assert.rejects(testConnection(`${bot.origin}/health`, token, local), (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.equal(error.message, 'invalid bearer token');
        return true;
      });
      assert.equal(bot.received.length, before);
    });
  }
});

describe('testConnection connects to the address it vetted', () => {
  test('a public name is reached at its vetted address, with the name in the Host header', async () => {
    const dns = tableResolver({ 'bot.example.com': [PUBLIC_V4] });
    const dialler = loopbackDialler({ [PUBLIC_V4]: bot.port });
    const result = await testConnection('http://bot.example.com/health', BOT_TOKEN, {
      resolver: dns.resolve,
      dial: dialler.dial,
    });
    assert.equal(result.ok, true);
    assert.deepEqual(dialler.calls, [{ address: PUBLIC_V4, port: 80, hostname: 'bot.example.com' }]);
    assert.equal(bot.received.at(-1)?.host, 'bot.example.com');
  });

  test('DNS rebinding: the name is resolved once, and the socket goes to that first vetted answer', async () => {
    const dns = rebindingResolver([PUBLIC_V4], ['10.0.0.7']);
    const dialler = loopbackDialler({ [PUBLIC_V4]: bot.port });
    const result = await testConnection('http://rebind.example.com:8080/health', BOT_TOKEN, {
      resolver: dns.resolve,
      dial: dialler.dial,
    });
    assert.equal(result.ok, true);
    assert.deepEqual(dns.calls, ['rebind.example.com']);
    assert.deepEqual(
      dialler.calls.map((c) => c.address),
      [PUBLIC_V4],
    );
  });

  test('a name with one public and one private address is refused before any connection', async () => {
    const dns = tableResolver({ 'mixed.example.com': [PUBLIC_V4, '10.0.0.7'] });
    const dialler = loopbackDialler({ [PUBLIC_V4]: bot.port });
    await assert.rejects(
      testConnection('http://mixed.example.com/health', BOT_TOKEN, {
        resolver: dns.resolve,
        dial: dialler.dial,
      }),
      { name: 'OutboundRefusedError', reason: 'resolved:private' },
    );
    assert.deepEqual(dialler.calls, []);
  });

  test('a name that does not resolve is reported as dns_failed, not refused', async () => {
    const result = await testConnection('http://nowhere.example.com/', BOT_TOKEN, {
      resolver: tableResolver({}).resolve,
    });
    assert.deepEqual(
      { ok: result.ok, status_code: result.status_code, error: result.error },
      {
        ok: false,
        status_code: null,
        error: 'dns_failed',
      },
    );
  });
});

describe('testConnection options', () => {
  for (const opts of [
    { maxBytes: 0 },
    { totalTimeoutMs: -1 },
    { connectTimeoutMs: 1.5 },
    { maxRedirects: -1 },
  ]) {
    test(`${JSON.stringify(opts)} is rejected as a programming error`, async () => {
      await assert.rejects(
        testConnection(`${bot.origin}/health`, BOT_TOKEN, { ...local, ...opts }),
        RangeError,
      );
    });
  }
});
