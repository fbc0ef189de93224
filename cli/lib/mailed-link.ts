import { UsageError } from './errors.js';

/**
 * The code of a link the registry mailed — `https://host/<kind>/<code>` (with or without a query or
 * trailing slash) — or the code itself: join links, verification links, reset links.
 */
export function codeFromLink(raw: string, kind: 'join' | 'verify' | 'reset'): string {
  const input = raw.trim();
  if (!/^https?:\/\//i.test(input)) {
    if (!input || /[\s/]/.test(input)) throw new UsageError(`"${raw}" is not a ${kind} link or code`);
    return input;
  }
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new UsageError(`"${raw}" is not a valid link`);
  }
  const m = new RegExp(`/${kind}/([^/]+)/?$`).exec(url.pathname);
  if (!m) throw new UsageError(`"${raw}" is not a ${kind} link (expected …/${kind}/<code>)`);
  return decodeURIComponent(m[1]!);
}
