import { badRequest, notFound } from '@aerostack/contract/errors.js';

/** `/@ns%2fskill/-/x.tgz` → `{ name: '@ns/skill', rest: ['-', 'x.tgz'] }`; null for non-package paths. */
export function splitPackagePath(path: string): { name: string; rest: string[] } | null {
  let parts: string[];
  try {
    parts = path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    throw badRequest('Malformed URL encoding in path');
  }
  const first = parts[0];
  if (!first || first === '-' || first.startsWith('-')) return null;
  if (!first.startsWith('@')) {
    // Unscoped names are not skills; answer like a registry would instead of a generic 404.
    if (parts.length === 1) throw notFound(`Skill ${first} not found: skill names look like @<username>/<skill>`);
    return null;
  }
  if (first.includes('/')) return { name: first, rest: parts.slice(1) };
  if (parts.length < 2 || !parts[1]) return null;
  return { name: `${first}/${parts[1]}`, rest: parts.slice(2) };
}
