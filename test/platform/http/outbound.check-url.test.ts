// checkUrl on allowed URLs (positive controls: classification only, nothing connects), DNS
// failures, debug mode and the system resolver.
import assert from 'node:assert/strict';
import dns from 'node:dns';
import { describe, test } from 'node:test';
import { checkUrl, OutboundFailedError, OutboundRefusedError } from '../../../src/platform/http/index.ts';
import { PUBLIC_V4, PUBLIC_V4_B, PUBLIC_V6, tableResolver } from './fixtures/test-network.ts';

const noDns = tableResolver({});

describe('checkUrl allows public targets (positive controls, never connected to)', () => {
  const LITERALS: ReadonlyArray<readonly [string, string, 4 | 6, number]> = [
    ['http://8.8.8.8/', '8.8.8.8', 4, 80],
    ['https://1.1.1.1/dns-query', '1.1.1.1', 4, 443],
    ['http://172.217.0.1/', '172.217.0.1', 4, 80],
    ['http://172.32.0.1:8080/', '172.32.0.1', 4, 8080],
    ['http://100.128.0.1/', '100.128.0.1', 4, 80],
    ['http://134744072/', '8.8.8.8', 4, 80],
    ['http://0x8.0x8.0x8.0x8/', '8.8.8.8', 4, 80],
    ['https://[2606:4700:4700::1111]/', '2606:4700:4700::1111', 6, 443],
    ['http://[2001:4860:4860:0:0:0:0:8888]:8080/', '2001:4860:4860::8888', 6, 8080],
    ['http://[::ffff:8.8.8.8]/', '8.8.8.8', 4, 80],
    ['http://[64:ff9b::8.8.8.8]/', '64:ff9b::808:808', 6, 80],
  ];
  for (const [url, address, family, port] of LITERALS) {
    test(`${url} is allowed and pinned to ${address} port ${port}`, async () => {
      const target = await checkUrl(url, { resolver: noDns.resolve });
      assert.deepEqual(target.address, { address, family });
      assert.equal(target.port, port);
    });
  }
  test('an IP literal is never sent to the resolver', () => {
    assert.deepEqual(noDns.calls, []);
  });

  test('a name with only public addresses is allowed and pinned to the first answer', async () => {
    const dnsTable = tableResolver({ 'bot.example.com': [PUBLIC_V6, PUBLIC_V4, PUBLIC_V4_B] });
    const target = await checkUrl('https://bot.example.com:8443/health?x=1', { resolver: dnsTable.resolve });
    assert.equal(target.hostname, 'bot.example.com');
    assert.equal(target.port, 8443);
    assert.deepEqual(target.address, { address: PUBLIC_V6, family: 6 });
    assert.deepEqual(
      target.resolved.map((a) => a.address),
      [PUBLIC_V6, PUBLIC_V4, PUBLIC_V4_B],
    );
    assert.equal(target.url.href, 'https://bot.example.com:8443/health?x=1');
    assert.deepEqual(dnsTable.calls, ['bot.example.com']);
  });

  test('an internationalised name is resolved in its ASCII (punycode) form', async () => {
    const dnsTable = tableResolver({ 'xn--bcher-kva.example': [PUBLIC_V4] });
    const target = await checkUrl('http://bücher.example/', { resolver: dnsTable.resolve });
    assert.equal(target.address.address, PUBLIC_V4);
    assert.deepEqual(dnsTable.calls, ['xn--bcher-kva.example']);
  });
});

describe('checkUrl tells an unreachable host from a refused one', () => {
  test('a name that does not resolve fails with dns_failed, not as a refusal', async () => {
    await assert.rejects(
      checkUrl('http://nowhere.example.com/', { resolver: noDns.resolve }),
      (error: unknown) => error instanceof OutboundFailedError && error.failure === 'dns_failed',
    );
  });

  test('a resolver answering no address at all fails with dns_failed', async () => {
    await assert.rejects(
      checkUrl('http://empty.example.com/', { resolver: async () => [] }),
      (error: unknown) => error instanceof OutboundFailedError && error.failure === 'dns_failed',
    );
  });

  test('a resolution that hangs ends when the caller’s deadline aborts', async () => {
    const deadline = new AbortController();
    const pending = checkUrl('http://slow.example.com/', {
      resolver: () => new Promise(() => undefined),
      signal: deadline.signal,
    });
    deadline.abort();
    await assert.rejects(
      pending,
      (error: unknown) => error instanceof OutboundFailedError && error.failure === 'timeout',
    );
  });
});

describe('checkUrl in debug mode (allowPrivateNetworks)', () => {
  test('loopback, private addresses and localhost are allowed for local development', async () => {
    const local = tableResolver({ localhost: ['127.0.0.1', '::1'] });
    const opts = { resolver: local.resolve, allowPrivateNetworks: true };
    assert.equal((await checkUrl('http://localhost:9000/', opts)).address.address, '127.0.0.1');
    assert.equal((await checkUrl('http://127.1:9000/', opts)).address.address, '127.0.0.1');
    assert.equal((await checkUrl('http://[::1]/', opts)).address.address, '::1');
    assert.equal((await checkUrl('http://10.0.0.5/', opts)).address.address, '10.0.0.5');
  });

  test('cloud metadata, other schemes and credentials stay refused', async () => {
    const opts = { resolver: noDns.resolve, allowPrivateNetworks: true };
    for (const url of [
      'http://169.254.169.254/',
      'http://[fd00:ec2::254]/',
      'file:///etc/passwd',
      'http://u:p@127.0.0.1/',
    ]) {
      await assert.rejects(checkUrl(url, opts), OutboundRefusedError, url);
    }
  });
});

describe('checkUrl with the system resolver', () => {
  test('asks for every address, in the system’s order, and classifies all of them', async (t) => {
    const lookup = t.mock.method(dns.promises, 'lookup', async () => [
      { address: PUBLIC_V4, family: 4 },
      { address: '10.0.0.1', family: 4 },
    ]);
    await assert.rejects(checkUrl('http://bot.example.com/'), OutboundRefusedError);
    assert.equal(lookup.mock.callCount(), 1);
    assert.deepEqual(lookup.mock.calls[0]?.arguments, ['bot.example.com', { all: true, verbatim: true }]);
  });

  test('pins the first system answer when every answer is public', async (t) => {
    t.mock.method(dns.promises, 'lookup', async () => [
      { address: PUBLIC_V6, family: 6 },
      { address: PUBLIC_V4, family: 4 },
    ]);
    const target = await checkUrl('http://bot.example.com/');
    assert.deepEqual(target.address, { address: PUBLIC_V6, family: 6 });
  });
});

test('every refusal has the same public message, which names neither the URL nor the rule', async () => {
  const messages = new Set<string>();
  for (const url of [
    'http://127.0.0.1/',
    'ftp://8.8.8.8/',
    'http://u:p@8.8.8.8/',
    'nope',
    'http://localhost/',
  ]) {
    await checkUrl(url, { resolver: noDns.resolve }).catch((error: unknown) => {
      assert.ok(error instanceof OutboundRefusedError);
      messages.add(error.message);
    });
  }
  assert.deepEqual([...messages], ['URL is not allowed']);
});
