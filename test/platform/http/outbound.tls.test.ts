// TLS with a pinned address: the socket goes to the vetted IP, while SNI and the certificate
// check use the URL's host name (RFC 6066 §3, RFC 9110 §4.3.4), and verification stays on.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { testConnection } from '../../../src/platform/http/index.ts';
import { BOT_TOKEN } from './fixtures/fake-bot-server.ts';
import { networkViolations } from './fixtures/network-guard.ts';
import { loopbackDialler, PUBLIC_V4, tableResolver } from './fixtures/test-network.ts';
import type { TlsBot } from './fixtures/tls-bot-server.ts';
import { CERT_PATH, startTlsBot } from './fixtures/tls-bot-server.ts';

let bot: TlsBot;
before(async () => {
  bot = await startTlsBot();
});
after(async () => {
  await bot.close();
  assert.deepEqual(networkViolations(), []);
});

describe('testConnection over TLS', () => {
  test('an untrusted certificate fails as tls_error, and the server never receives the token', async () => {
    const dns = tableResolver({ 'bot.example.com': [PUBLIC_V4] });
    const dialler = loopbackDialler({ [PUBLIC_V4]: bot.port });
    const result = await testConnection('https://bot.example.com/health', BOT_TOKEN, {
      resolver: dns.resolve,
      dial: dialler.dial,
    });
    assert.deepEqual(
      { ok: result.ok, status_code: result.status_code, error: result.error },
      {
        ok: false,
        status_code: null,
        error: 'tls_error',
      },
    );
    assert.equal(bot.requests, 0);
    assert.deepEqual(bot.serverNames, ['bot.example.com']);
  });

  test('an IP literal URL sends no SNI (RFC 6066 §3 allows host names only)', async () => {
    bot.serverNames.length = 0;
    const result = await testConnection(`https://127.0.0.1:${bot.port}/health`, BOT_TOKEN, {
      allowPrivateNetworks: true,
    });
    assert.equal(result.error, 'tls_error');
    assert.deepEqual(bot.serverNames, []);
  });

  test('with the certificate trusted, the pinned connection verifies it against the URL’s host name', {
    timeout: 30_000,
  }, async () => {
    const probe = fileURLToPath(new URL('./fixtures/tls-probe.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', probe], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: fileURLToPath(CERT_PATH) },
      timeout: 25_000,
    });
    const report = JSON.parse(stdout);
    assert.deepEqual(report.matching, { ...report.matching, ok: true, status_code: 200 });
    assert.equal(report.requestsAfterMatching, 1);
    // Same address, same certificate, another name: the identity check fails (RFC 9110 §4.3.4).
    assert.deepEqual(report.mismatched, {
      ...report.mismatched,
      ok: false,
      status_code: null,
      error: 'tls_error',
    });
    assert.equal(report.requests, 1);
    assert.deepEqual(report.serverNames, ['bot.example.com', 'other.example.com']);
    assert.deepEqual(report.dialled, [PUBLIC_V4, PUBLIC_V4]);
    assert.deepEqual(report.violations, []);
  });
});
