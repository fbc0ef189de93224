import net from 'node:net';

/**
 * The key a client address is counted under: an IPv4 address as it is (also when it arrives
 * IPv4-mapped, `::ffff:1.2.3.4`), an IPv6 address by its /64 — one host usually holds a whole /64,
 * so counting single IPv6 addresses would give an attacker billions of fresh ones.
 */
export function addressKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!net.isIPv6(ip)) return ip;
  return expandIPv6(ip).slice(0, 4).join(':') + '::/64';
}

/** The eight groups of an IPv6 address, without `::` shorthand or leading zeros. */
function expandIPv6(ip: string): string[] {
  const [head = '', tail] = ip.split('%')[0]!.split('::');
  const parse = (s: string) => (s ? s.split(':') : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((g) => (g.includes('.') ? g : parseInt(g, 16).toString(16)));
}

/** Whether a client address (express's `req.ip`) is this host's loopback: 127.0.0.0/8 or ::1, mapped or not. */
export function isLoopbackAddress(ip: string | undefined): boolean {
  if (!ip) return false;
  const v4 = /^(?:::ffff:)?(\d+)\.\d+\.\d+\.\d+$/i.exec(ip);
  if (v4) return v4[1] === '127';
  return ip === '::1';
}
