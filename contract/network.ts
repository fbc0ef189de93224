/**
 * The hosts a skill may reach, as aerostack.json's `network` declares them: `host:port`, where host is
 * a DNS name (`api.crm.acme.com`), a wildcard over its subdomains (`*.hubapi.com`, never the bare
 * domain) or an IPv4 address. The registry's egress proxy matches each connection against these, then
 * refuses private and loopback addresses whatever was declared.
 */
import { isIPv4 } from 'node:net';
import { badRequest } from './errors.js';
import { shown } from './names.js';

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/** `host:port` or `*.domain:port`; a wildcard needs at least two labels after it (no `*.com`). */
export const NETWORK_TARGET_RE = new RegExp(`^(\\*\\.)?(${LABEL}(?:\\.${LABEL})*):([0-9]{1,5})$`);

export interface NetworkTarget {
  /** Lowercase host name or IPv4 address, without the `*.`. */
  host: string;
  port: number;
  /** `*.host`: any subdomain of host, at any depth, but not host itself. */
  wildcard: boolean;
}

/** Parses one `network` entry; a 400 that says what a good one looks like. */
export function parseNetworkTarget(raw: string): NetworkTarget {
  const m = NETWORK_TARGET_RE.exec(raw.toLowerCase());
  const port = Number(m?.[3]);
  const host = m?.[2] ?? '';
  const wildcard = Boolean(m?.[1]);
  if (!m || port < 1 || port > 65535 || host.length > 253 || (wildcard && (!host.includes('.') || isIPv4(host))))
    throw badRequest(
      `Invalid network entry "${shown(raw)}": use host:port, such as "api.crm.acme.com:443" or "*.hubapi.com:443"`,
    );
  return { host, port, wildcard };
}

/** Whether a connection to `host:port` is one `target` allows (host compared without case). */
export function targetAllows(target: NetworkTarget, host: string, port: number): boolean {
  if (port !== target.port) return false;
  const h = host.toLowerCase().replace(/\.$/, '');
  return target.wildcard ? h.endsWith(`.${target.host}`) : h === target.host;
}
