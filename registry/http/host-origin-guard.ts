import type { RequestHandler } from 'express';
import { sendError } from './errors.js';
import { parseHost, parseOrigin } from './host-header.js';

export interface HostOriginRules {
  /** PUBLIC_URL: its host and origin are allowed unless the lists below are set. */
  publicUrl: string;
  /** AEROSTACK_ALLOWED_HOSTS: `name` (any port) or `name:port`; null: PUBLIC_URL's host and loopback. */
  allowedHosts: string[] | null;
  /** AEROSTACK_ALLOWED_ORIGINS: exact origins; null: PUBLIC_URL's and loopback's on this server's port. */
  allowedOrigins: string[] | null;
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/**
 * DNS-rebinding protection, which the MCP spec requires of servers ("MUST validate the Origin
 * header"): a page on an attacker's name that re-resolves to this server reaches it with its own
 * name in Host and its own origin in Origin. Both are checked before anything else (no token
 * lookup, no body read); editors and CLIs send no Origin and pass on Host alone.
 *
 * Host names are matched whatever the port, as the SDK's hostHeaderValidation middleware does: the
 * name is what a rebinding attack cannot fake. Origins, which browsers always send whole, are
 * matched exactly. (The transport's own allowedHosts/allowedOrigins options are deprecated in the
 * SDK and run after authentication, so an unauthenticated page would get a 401 rather than a 403.)
 */
export function hostOriginGuard(rules: HostOriginRules): RequestHandler {
  const pub = new URL(rules.publicUrl);
  const hosts = (rules.allowedHosts ?? [pub.hostname, ...LOOPBACK]).map(parseHost).filter((h) => h !== null);
  const origins = rules.allowedOrigins && new Set(rules.allowedOrigins);
  const hostAllowed = (value: string | undefined) => {
    const host = value === undefined ? null : parseHost(value);
    return (
      host !== null && hosts.some((h) => h.hostname === host.hostname && (h.port === null || h.port === host.port))
    );
  };
  const originAllowed = (value: string, localPort: number | undefined) => {
    const origin = parseOrigin(value);
    if (origin === null) return false;
    if (origins) return origins.has(origin);
    // Through parseOrigin, so port 80 reads as browsers send it: `http://localhost`.
    return origin === pub.origin || LOOPBACK.some((h) => origin === parseOrigin(`http://${h}:${localPort}`));
  };
  return (req, res, next) => {
    const { host, origin } = req.headers;
    if (!hostAllowed(host))
      return sendError(res, 403, `Host ${shown(host)} is not allowed here (the registry's AEROSTACK_ALLOWED_HOSTS)`);
    if (origin !== undefined && !originAllowed(origin, req.socket.localPort))
      return sendError(
        res,
        403,
        `Origin ${shown(origin)} is not allowed here (the registry's AEROSTACK_ALLOWED_ORIGINS)`,
      );
    next();
  };
}

const shown = (value: string | undefined) => JSON.stringify((value ?? '').slice(0, 200));
