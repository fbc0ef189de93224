/**
 * What a skill's `network` entries allow, and the addresses egress never reaches whatever they say.
 */
import assert from 'node:assert/strict';
import { parseNetworkTarget, targetAllows } from '@aerostack/contract/network.js';
import { blockedAddressReason } from '@aerostack/registry/gateway/runtime/egress/blocked-addresses.js';

describe('network entries (aerostack.json `network`)', () => {
  it('parses host:port, wildcards and IPv4 addresses, in lowercase', () => {
    assert.deepEqual(parseNetworkTarget('API.crm.acme.com:443'), {
      host: 'api.crm.acme.com',
      port: 443,
      wildcard: false,
    });
    assert.deepEqual(parseNetworkTarget('*.hubapi.com:443'), { host: 'hubapi.com', port: 443, wildcard: true });
    assert.deepEqual(parseNetworkTarget('localhost:8080'), { host: 'localhost', port: 8080, wildcard: false });
    assert.deepEqual(parseNetworkTarget('93.184.216.34:80'), { host: '93.184.216.34', port: 80, wildcard: false });
  });

  for (const bad of [
    'api.crm.acme.com', // no port
    'api.crm.acme.com:0',
    'api.crm.acme.com:65536',
    '*:443',
    '*.com:443', // a wildcard over a whole top-level domain
    '*.10.0.0.1:443',
    'http://api.crm.acme.com:443',
    'api.crm.acme.com:443/path',
    '-bad.example.com:443',
    'a..b:443',
    '[::1]:443',
    'api.crm.acme.com :443',
  ]) {
    it(`refuses ${JSON.stringify(bad)} with what a good entry looks like`, () => {
      assert.throws(
        () => parseNetworkTarget(bad),
        (err: Error & { status?: number }) =>
          err.status === 400 && err.message.includes('use host:port, such as "api.crm.acme.com:443"'),
      );
    });
  }

  it('matches the exact host and port; a wildcard matches subdomains at any depth, never the bare domain', () => {
    const exact = parseNetworkTarget('api.crm.acme.com:443');
    const wild = parseNetworkTarget('*.hubapi.com:443');
    const rows: Array<[typeof exact, string, number, boolean]> = [
      [exact, 'api.crm.acme.com', 443, true],
      [exact, 'API.CRM.ACME.COM.', 443, true],
      [exact, 'api.crm.acme.com', 80, false],
      [exact, 'evil-api.crm.acme.com', 443, false],
      [exact, 'crm.acme.com', 443, false],
      [wild, 'api.hubapi.com', 443, true],
      [wild, 'a.b.hubapi.com', 443, true],
      [wild, 'hubapi.com', 443, false],
      [wild, 'evilhubapi.com', 443, false],
      [wild, 'api.hubapi.com.evil.com', 443, false],
      [wild, 'api.hubapi.com', 8443, false],
    ];
    for (const [target, host, port, expected] of rows)
      assert.equal(targetAllows(target, host, port), expected, `${host}:${port}`);
  });
});

describe('addresses egress never reaches', () => {
  const rows: Array<[string, string | null]> = [
    ['93.184.216.34', null],
    ['8.8.8.8', null],
    ['2606:2800:220:1:248:1893:25c8:1946', null],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'a private network'],
    ['172.16.0.1', 'a private network'],
    ['172.31.255.255', 'a private network'],
    ['172.32.0.1', null],
    ['192.168.1.1', 'a private network'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.100.100.200', 'a carrier-grade NAT network'],
    ['0.0.0.0', 'this host'],
    ['::', 'this host'],
    ['fd00:ec2::254', 'a unique-local network (cloud metadata)'],
    ['fe80::1', 'link-local'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'a private network'],
    ['64:ff9b::a00:1', 'NAT64 (an IPv4 address in disguise)'],
    ['224.0.0.1', 'multicast'],
    ['not-an-ip', 'not an IP address'],
  ];
  for (const [address, reason] of rows)
    it(`${address}: ${reason ?? 'reachable'}`, () => assert.equal(blockedAddressReason(address), reason));

  it('the tests’ loopback switch opens loopback only, never private or metadata addresses', () => {
    assert.equal(blockedAddressReason('127.0.0.1', { allowLoopback: true }), null);
    assert.equal(blockedAddressReason('::1', { allowLoopback: true }), null);
    assert.equal(blockedAddressReason('10.0.0.1', { allowLoopback: true }), 'a private network');
    assert.equal(blockedAddressReason('169.254.169.254', { allowLoopback: true }), 'link-local (cloud metadata)');
  });
});
