/** A Host header value, or a configured host: a DNS name, IPv4 or bracketed IPv6 address, and an optional port. */
const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::(\d{1,5}))?$/i;

/**
 * `Registry.Acme.dev:443` → `{ hostname: 'registry.acme.dev', port: '443' }`; null for anything
 * else (userinfo, paths, spaces), which a URL parser would read leniently: `evil@127.0.0.1` is
 * 127.0.0.1 to `new URL`.
 */
export function parseHost(value: string): { hostname: string; port: string | null } | null {
  const m = HOST.exec(value);
  return m ? { hostname: m[1]!.toLowerCase(), port: m[2] ?? null } : null;
}

/** `HTTPS://Registry.acme.dev/` → `https://registry.acme.dev`; null unless an http(s) origin alone. */
export function parseOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/') return null;
  return url.origin;
}
