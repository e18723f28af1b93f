import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyAddress } from '../../../src/platform/http/index.ts';

// [address, the class it must be refused as]
const REFUSED: ReadonlyArray<readonly [string, string]> = [
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'shared'],
  ['100.127.255.255', 'shared'],
  ['169.254.0.1', 'link_local'],
  ['169.254.169.254', 'cloud_metadata'],
  ['169.254.170.2', 'cloud_metadata'],
  ['100.100.100.200', 'cloud_metadata'],
  ['168.63.129.16', 'cloud_metadata'],
  ['192.0.0.192', 'cloud_metadata'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['240.0.0.1', 'reserved'],
  ['192.0.0.8', 'reserved'],
  ['192.88.99.1', 'reserved'],
  ['192.0.2.1', 'documentation'],
  ['198.51.100.1', 'documentation'],
  ['203.0.113.1', 'documentation'],
  ['198.18.0.1', 'benchmarking'],
  ['198.19.255.255', 'benchmarking'],
  ['::1', 'loopback'],
  ['::', 'unspecified'],
  ['fc00::1', 'private'],
  ['fd12:3456::1', 'private'],
  ['fd00:ec2::254', 'cloud_metadata'],
  ['fe80::1', 'link_local'],
  ['fec0::1', 'site_local'],
  ['ff02::1', 'multicast'],
  ['100::1', 'discard'],
  ['2001:db8::1', 'documentation'],
  ['3fff::1', 'documentation'],
  ['2001:10::1', 'orchid'],
  ['2001:20::1', 'orchid'],
  ['2001:2::1', 'benchmarking'],
  ['2001:4:112::1', 'reserved'],
  ['5f00::1', 'reserved'],
  ['64:ff9b:1::a00:1', 'nat64_local'],
  ['2620:4f:8000::1', 'as112v6'],
  ['4000::1', 'not_global_unicast'],
  ['::ffff:127.0.0.1', 'ipv4_mapped:loopback'],
  ['::ffff:7f00:1', 'ipv4_mapped:loopback'],
  ['::ffff:10.0.0.1', 'ipv4_mapped:private'],
  ['::ffff:169.254.169.254', 'ipv4_mapped:cloud_metadata'],
  ['64:ff9b::127.0.0.1', 'nat64:loopback'],
  ['64:ff9b::a9fe:a9fe', 'nat64:cloud_metadata'],
  ['::127.0.0.1', 'ipv4_compatible:loopback'],
  ['::8.8.8.8', 'ipv4_compatible'],
  ['::ffff:0:127.0.0.1', 'ipv4_translated:loopback'],
  ['2002:7f00:1::1', '6to4:loopback'],
  ['2002:808:808::1', '6to4'],
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'teredo:loopback'],
];

describe('classifyAddress refuses every non-public address class', () => {
  for (const [address, reason] of REFUSED) {
    test(`${address} is refused as ${reason}`, () => {
      assert.deepEqual(classifyAddress(address), { allowed: false, reason });
    });
  }
});

describe('classifyAddress does not over-block public addresses', () => {
  const PUBLIC = [
    '8.8.8.8',
    '1.1.1.1',
    '172.217.0.1', // Google: the seed's startswith('172.') refused it
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '169.253.255.255',
    '192.169.0.1',
    '198.17.255.255',
    '198.20.0.1',
    '11.0.0.1',
    '126.255.255.255',
    '128.0.0.1',
    '223.255.255.254',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '2a00:1450:4001:80b::200e',
    '2001:200::1',
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8',
  ];
  for (const address of PUBLIC) {
    test(`${address} is allowed as public`, () => {
      assert.deepEqual(classifyAddress(address), { allowed: true, reason: 'public' });
    });
  }
});

describe('classifyAddress reads only canonical spellings', () => {
  for (const spelling of [
    '127.1',
    '0177.0.0.1',
    '0x7f.0.0.1',
    '2130706433',
    '127.000.000.001',
    ' 8.8.8.8',
    '8.8.8.8.',
  ]) {
    test(`the IPv4 spelling ${JSON.stringify(spelling)} is refused rather than interpreted`, () => {
      assert.deepEqual(classifyAddress(spelling), { allowed: false, reason: 'invalid_address' });
    });
  }
  for (const spelling of ['[::1]', '::ffff:127.1', '::ffff:0x7f.0.0.1', '00001::1', 'localhost', '']) {
    test(`the spelling ${JSON.stringify(spelling)} is refused as invalid`, () => {
      assert.deepEqual(classifyAddress(spelling), { allowed: false, reason: 'invalid_address' });
    });
  }
  test('an IPv6 address with a zone id is refused, since it names an interface of this host', () => {
    assert.deepEqual(classifyAddress('fe80::1%eth0'), { allowed: false, reason: 'zone_id' });
    assert.deepEqual(classifyAddress('fe80::1%eth0', { allowPrivateNetworks: true }), {
      allowed: false,
      reason: 'zone_id',
    });
  });
});

describe('classifyAddress in debug mode (allowPrivateNetworks)', () => {
  for (const [address, reason] of [
    ['127.0.0.1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['::1', 'loopback'],
    ['fd12::1', 'private'],
    ['::ffff:192.168.0.1', 'ipv4_mapped:private'],
  ] as const) {
    test(`${address} is allowed and still labelled ${reason}`, () => {
      assert.deepEqual(classifyAddress(address, { allowPrivateNetworks: true }), {
        allowed: true,
        reason: `private_allowed:${reason}`,
      });
    });
  }
  for (const address of ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '::ffff:169.254.169.254']) {
    test(`the cloud metadata address ${address} stays refused`, () => {
      assert.equal(classifyAddress(address, { allowPrivateNetworks: true }).allowed, false);
    });
  }
});
