// Issue 4: a table of URLs the connection test must refuse, in every spelling the WHATWG URL
// parser accepts. Names resolve through a table resolver; nothing here opens a connection.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkUrl, OutboundRefusedError } from '../../../src/platform/http/index.ts';
import { PUBLIC_V4, PUBLIC_V6, tableResolver } from './fixtures/test-network.ts';

const DNS: Record<string, readonly string[]> = {
  'metadata.google.internal': ['169.254.169.254'],
  'private.example.com': ['10.1.2.3'],
  'corp.example.com': ['192.168.10.20'],
  'docker.example.com': ['172.17.0.1'],
  'shared.example.com': ['100.64.1.1'],
  'alibaba-meta.example.com': ['100.100.100.200'],
  'zero.example.com': ['0.0.0.0'],
  'loopback.example.com': ['127.0.0.1'],
  '127.0.0.1.nip.io': ['127.0.0.1'],
  '169.254.169.254.nip.io': ['169.254.169.254'],
  'v6-loopback.example.com': ['::1'],
  'v6-ula.example.com': ['fd00::5'],
  'v6-metadata.example.com': ['fd00:ec2::254'],
  'v6-mapped.example.com': ['::ffff:127.0.0.1'],
  'v6-nat64.example.com': ['64:ff9b::a00:1'],
  'v6-zone.example.com': ['fe80::1%eth0'],
  'odd-answer.example.com': ['127.1'],
  'multicast.example.com': ['224.0.0.251'],
  'mixed-public-first.example.com': [PUBLIC_V4, '10.0.0.1'],
  'mixed-private-first.example.com': ['192.168.0.1', PUBLIC_V4],
  'mixed-families.example.com': [PUBLIC_V6, PUBLIC_V4, '::1'],
  'mixed-metadata.example.com': [PUBLIC_V4, '169.254.169.254'],
};

// [url, the refusal reason the security event will carry]
const REFUSED: ReadonlyArray<readonly [string, string]> = [
  // Loopback, in every IPv4 spelling the URL parser canonicalises
  ['http://127.0.0.1/', 'literal:loopback'],
  ['http://127.0.0.1:8080/admin', 'literal:loopback'],
  ['https://127.0.0.1/', 'literal:loopback'],
  ['http://127.255.255.254/', 'literal:loopback'],
  ['http://127.1/', 'literal:loopback'],
  ['http://127.0.1/', 'literal:loopback'],
  ['http://0177.0.0.1/', 'literal:loopback'],
  ['http://0x7f.0.0.1/', 'literal:loopback'],
  ['http://0x7F.0X0.0.01/', 'literal:loopback'],
  ['http://0x7f000001/', 'literal:loopback'],
  ['http://2130706433/', 'literal:loopback'],
  ['http://017700000001/', 'literal:loopback'],
  ['http://127.000.000.001/', 'literal:loopback'],
  ['http://127.0.0.1./', 'literal:loopback'],
  ['http://2130706433./', 'literal:loopback'],
  ['http://%31%32%37.0.0.1/', 'literal:loopback'],
  ['http://127.0.0.1%2e/', 'literal:loopback'],
  ['http://１２７．０．０．１/', 'literal:loopback'],
  ['http://127。0。0。1/', 'literal:loopback'],
  ['http://①②⑦.0.0.1/', 'literal:loopback'],
  ['http://𝟏𝟐𝟕.0.0.1/', 'literal:loopback'],
  ['http:\\\\127.0.0.1\\', 'literal:loopback'],
  ['http:/127.0.0.1/', 'literal:loopback'],
  ['HTTP://127.0.0.1/', 'literal:loopback'],
  ['http://127.0.0.1#@8.8.8.8/', 'literal:loopback'],
  ['http://127.0.0.1:80\\@8.8.8.8/', 'literal:loopback'],
  // IPv6 loopback and the IPv6 forms that embed or translate to an internal IPv4 address
  ['http://[::1]/', 'literal:loopback'],
  ['http://[0:0:0:0:0:0:0:1]/', 'literal:loopback'],
  ['http://[0000::1]:80/', 'literal:loopback'],
  ['http://[::ffff:127.0.0.1]/', 'literal:ipv4_mapped:loopback'],
  ['http://[::ffff:7f00:1]/', 'literal:ipv4_mapped:loopback'],
  ['http://[::127.0.0.1]/', 'literal:ipv4_compatible:loopback'],
  ['http://[::ffff:0:127.0.0.1]/', 'literal:ipv4_translated:loopback'],
  ['http://[64:ff9b::127.0.0.1]/', 'literal:nat64:loopback'],
  ['http://[2002:7f00:1::]/', 'literal:6to4:loopback'],
  ['http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', 'literal:teredo:loopback'],
  // Unspecified ("this host")
  ['http://0.0.0.0/', 'literal:unspecified'],
  ['http://0/', 'literal:unspecified'],
  ['http://0.0.0.0:6379/', 'literal:unspecified'],
  ['http://0.1.2.3/', 'literal:unspecified'],
  ['http://[::]/', 'literal:unspecified'],
  // Private networks (RFC 1918, RFC 4193)
  ['http://10.0.0.1/', 'literal:private'],
  ['http://10.255.255.255/', 'literal:private'],
  ['http://012.0.0.1/', 'literal:private'],
  ['http://167772161/', 'literal:private'],
  ['http://172.16.0.1/', 'literal:private'],
  ['http://172.31.255.254/', 'literal:private'],
  ['http://0xac100001/', 'literal:private'],
  ['http://192.168.0.1/', 'literal:private'],
  ['http://192.168.1.1:8443/', 'literal:private'],
  ['http://0xc0.0xa8.1.1/', 'literal:private'],
  ['http://[fc00::1]/', 'literal:private'],
  ['http://[fd12:3456:789a::1]/', 'literal:private'],
  ['http://[::ffff:10.0.0.1]/', 'literal:ipv4_mapped:private'],
  ['http://[::ffff:192.168.1.1]/', 'literal:ipv4_mapped:private'],
  ['http://[64:ff9b::10.0.0.1]/', 'literal:nat64:private'],
  ['http://[2002:a00:1::1]/', 'literal:6to4:private'],
  // Shared address space (RFC 6598)
  ['http://100.64.0.1/', 'literal:shared'],
  ['http://100.127.255.254/', 'literal:shared'],
  // Link-local and cloud metadata services
  ['http://169.254.169.254/latest/meta-data/', 'literal:cloud_metadata'],
  ['http://169.254.169.254/computeMetadata/v1/', 'literal:cloud_metadata'],
  ['http://169.254.169.254.:80/', 'literal:cloud_metadata'],
  ['http://0xa9fea9fe/', 'literal:cloud_metadata'],
  ['http://2852039166/', 'literal:cloud_metadata'],
  ['http://0251.0376.0251.0376/', 'literal:cloud_metadata'],
  ['http://169.254.170.2/v2/credentials', 'literal:cloud_metadata'],
  ['http://100.100.100.200/latest/meta-data/', 'literal:cloud_metadata'],
  ['http://168.63.129.16/machine', 'literal:cloud_metadata'],
  ['http://192.0.0.192/', 'literal:cloud_metadata'],
  ['http://[fd00:ec2::254]/latest/meta-data/', 'literal:cloud_metadata'],
  ['http://[::ffff:169.254.169.254]/', 'literal:ipv4_mapped:cloud_metadata'],
  ['http://[::ffff:a9fe:a9fe]/', 'literal:ipv4_mapped:cloud_metadata'],
  ['http://[64:ff9b::169.254.169.254]/', 'literal:nat64:cloud_metadata'],
  ['http://169.254.0.1/', 'literal:link_local'],
  ['http://[fe80::1]/', 'literal:link_local'],
  ['http://[febf::1]/', 'literal:link_local'],
  // Multicast and broadcast
  ['http://224.0.0.1/', 'literal:multicast'],
  ['http://239.255.255.250:1900/', 'literal:multicast'],
  ['http://255.255.255.255/', 'literal:broadcast'],
  ['http://0xffffffff/', 'literal:broadcast'],
  ['http://[ff02::1]/', 'literal:multicast'],
  ['http://[ff05::2]/', 'literal:multicast'],
  // Reserved, benchmarking and documentation ranges
  ['http://240.0.0.1/', 'literal:reserved'],
  ['http://250.1.2.3/', 'literal:reserved'],
  ['http://192.0.0.1/', 'literal:reserved'],
  ['http://192.88.99.1/', 'literal:reserved'],
  ['http://198.18.0.1/', 'literal:benchmarking'],
  ['http://198.19.255.255/', 'literal:benchmarking'],
  ['http://192.0.2.1/', 'literal:documentation'],
  ['http://198.51.100.7/', 'literal:documentation'],
  ['http://203.0.113.9/', 'literal:documentation'],
  ['http://[2001:db8::1]/', 'literal:documentation'],
  ['http://[3fff::1]/', 'literal:documentation'],
  // IPv6 special-purpose space
  ['http://[100::1]/', 'literal:discard'],
  ['http://[2001:10::1]/', 'literal:orchid'],
  ['http://[2001:20::1]/', 'literal:orchid'],
  ['http://[2001:2::1]/', 'literal:benchmarking'],
  ['http://[2001::1]/', 'literal:teredo:reserved'],
  ['http://[fec0::1]/', 'literal:site_local'],
  ['http://[64:ff9b:1::a00:1]/', 'literal:nat64_local'],
  ['http://[5f00::1]/', 'literal:reserved'],
  // Schemes other than http(s)
  ['ftp://8.8.8.8/', 'scheme'],
  ['file:///etc/passwd', 'scheme'],
  ['gopher://127.0.0.1:6379/_INFO', 'scheme'],
  ['dict://127.0.0.1:11211/stats', 'scheme'],
  ['ws://8.8.8.8/', 'scheme'],
  ['javascript:alert(1)', 'scheme'],
  ['data:text/plain,hello', 'scheme'],
  // Credentials in the URL
  ['http://user:pass@8.8.8.8/', 'userinfo'],
  ['http://user@8.8.8.8/', 'userinfo'],
  ['https://:secret@8.8.8.8/', 'userinfo'],
  ['http://8.8.8.8@127.0.0.1/', 'userinfo'],
  // What the WHATWG parser refuses
  ['http://[fe80::1%25eth0]/', 'invalid_url'],
  ['http://[::ffff:127.0.0.1%25lo]/', 'invalid_url'],
  ['http://256.0.0.1/', 'invalid_url'],
  ['http://1.2.3.4.5/', 'invalid_url'],
  ['http://4294967296/', 'invalid_url'],
  ['http://127.0.0.1%09/', 'invalid_url'],
  ['not a url', 'invalid_url'],
  ['', 'invalid_url'],
  [`http://${'a'.repeat(3000)}.example.com/`, 'invalid_url'],
  // Names that are loopback by definition (RFC 6761), refused before any DNS query
  ['http://localhost/', 'name:localhost'],
  ['http://LOCALHOST./', 'name:localhost'],
  ['http://api.localhost:3000/', 'name:localhost'],
  ['http://ｌｏｃａｌｈｏｓｔ/', 'name:localhost'],
  ['http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/', 'name:localhost'],
  ['http://loc%61lhost/', 'name:localhost'],
  // Names that resolve to internal addresses
  ['http://metadata.google.internal/computeMetadata/v1/', 'resolved:cloud_metadata'],
  ['http://private.example.com/', 'resolved:private'],
  ['https://corp.example.com:8443/', 'resolved:private'],
  ['http://docker.example.com/', 'resolved:private'],
  ['http://shared.example.com/', 'resolved:shared'],
  ['http://alibaba-meta.example.com/', 'resolved:cloud_metadata'],
  ['http://zero.example.com/', 'resolved:unspecified'],
  ['http://loopback.example.com/', 'resolved:loopback'],
  ['http://LOOPBACK.example.com./', 'resolved:loopback'],
  ['http://127.0.0.1.nip.io/', 'resolved:loopback'],
  ['http://169.254.169.254.nip.io/', 'resolved:cloud_metadata'],
  ['http://v6-loopback.example.com/', 'resolved:loopback'],
  ['http://v6-ula.example.com/', 'resolved:private'],
  ['http://v6-metadata.example.com/', 'resolved:cloud_metadata'],
  ['http://v6-mapped.example.com/', 'resolved:ipv4_mapped:loopback'],
  ['http://v6-nat64.example.com/', 'resolved:nat64:private'],
  ['http://v6-zone.example.com/', 'resolved:zone_id'],
  ['http://odd-answer.example.com/', 'resolved:invalid_address'],
  ['http://multicast.example.com/', 'resolved:multicast'],
  // One public and one internal address: refused whatever the order
  ['http://mixed-public-first.example.com/', 'resolved:private'],
  ['http://mixed-private-first.example.com/', 'resolved:private'],
  ['http://mixed-families.example.com/', 'resolved:loopback'],
  ['http://mixed-metadata.example.com/', 'resolved:cloud_metadata'],
];

function withoutTrailingDot(name: string): string {
  return name.replace(/\.$/, '');
}

describe('checkUrl refuses URLs that point at the platform’s own network', () => {
  test('the table covers at least 100 refused URLs', () => {
    assert.ok(REFUSED.length >= 100, `only ${REFUSED.length} rows`);
  });

  for (const [url, reason] of REFUSED) {
    test(`${JSON.stringify(url.length > 80 ? `${url.slice(0, 40)}…` : url)} is refused (${reason})`, async () => {
      const { resolve } = tableResolver(
        Object.fromEntries(
          Object.entries(DNS).flatMap(([name, a]) => [
            [name, a],
            [`${name}.`, a],
          ]),
        ),
      );
      await assert.rejects(checkUrl(url, { resolver: resolve }), (error: unknown) => {
        assert.ok(error instanceof OutboundRefusedError);
        assert.equal(error.reason, reason);
        assert.equal(error.message, 'URL is not allowed');
        return true;
      });
    });
  }
});

describe('checkUrl asks DNS only where it must', () => {
  test('IP literals and localhost names are judged without a DNS query', async () => {
    const dns = tableResolver(DNS);
    for (const [url, reason] of REFUSED) {
      if (reason.startsWith('resolved:')) continue;
      await assert.rejects(checkUrl(url, { resolver: dns.resolve }), OutboundRefusedError);
    }
    assert.deepEqual(dns.calls, []);
  });

  test('a name is resolved exactly once, with the host name as the URL parser wrote it', async () => {
    const dns = tableResolver(DNS);
    await assert.rejects(
      checkUrl('http://LOOPBACK.Example.COM/', { resolver: dns.resolve }),
      OutboundRefusedError,
    );
    assert.deepEqual(dns.calls.map(withoutTrailingDot), ['loopback.example.com']);
  });
});
