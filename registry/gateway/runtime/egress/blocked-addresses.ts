/**
 * Addresses a skill's egress is never allowed to reach, whatever its manifest declares: the host
 * itself, the networks it sits in and the cloud metadata services. The egress proxy checks the
 * address a name resolved to, so a public name pointing at 10.0.0.5 is refused too.
 */
import { BlockList, isIP } from 'node:net';

const RANGES: Array<[network: string, prefix: number, family: 'ipv4' | 'ipv6', why: string]> = [
  ['0.0.0.0', 8, 'ipv4', 'this host'],
  ['10.0.0.0', 8, 'ipv4', 'a private network'],
  ['100.64.0.0', 10, 'ipv4', 'a carrier-grade NAT network'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'ipv4', 'a private network'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments'],
  ['192.168.0.0', 16, 'ipv4', 'a private network'],
  ['198.18.0.0', 15, 'ipv4', 'a benchmarking network'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'this host'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['64:ff9b::', 96, 'ipv6', 'NAT64 (an IPv4 address in disguise)'],
  ['fc00::', 7, 'ipv6', 'a unique-local network (cloud metadata)'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];
/** One list per range, so a refusal can say which range it fell in. */
const LISTS = RANGES.map(([network, prefix, family, why]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { list, why, loopback: why === 'loopback' };
});

/**
 * Why `address` must not be reached ("loopback", "a private network"), or null when it may be.
 * `allowLoopback` exists for the tests' own servers only (AEROSTACK_EGRESS_ALLOW_LOOPBACK).
 */
export function blockedAddressReason(address: string, opts: { allowLoopback?: boolean } = {}): string | null {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  for (const { list, why, loopback } of LISTS) {
    if (loopback && opts.allowLoopback) continue;
    // BlockList matches IPv4-mapped IPv6 (::ffff:10.0.0.1) against the IPv4 ranges too.
    if (list.check(address, family === 4 ? 'ipv4' : 'ipv6')) return why;
  }
  return null;
}
