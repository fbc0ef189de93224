import { CLI_PACKAGE_NAME } from '@aerostack/contract/names.js';
import type { RouteClass } from '../metrics/metrics.js';
import { isPageRequest } from './wants-page.js';

/** First path segments of the dashboard's pages and forms (registry/dashboard). */
const DASHBOARD = new Set([
  '',
  'account',
  'audit',
  'forgot-password',
  'join',
  'reset',
  'search',
  'signin',
  'signout',
  'signup',
  'skills',
  'team',
  'verify',
  'workspaces',
]);
const HEALTH = new Set(['/healthz', '/readyz', '/-/ping']);

/**
 * Which kind of request this is, for the `/metrics` figures: from the method, the raw URL and the
 * Accept header alone (no decoding, no routing), since it runs on every request, npm's hot reads
 * included. What a route then answers (a 404 for a name that does not exist) is in the status.
 */
export function routeClass(method: string | undefined, url: string | undefined, accept?: string): RouteClass {
  const u = url ?? '/';
  const q = u.indexOf('?');
  const path = q === -1 ? u : u.slice(0, q);
  if (path.startsWith('/ws/')) return 'gateway';
  if (HEALTH.has(path)) return 'health';
  if (path === '/metrics') return 'metrics';
  if (path.startsWith('/-/')) return path.startsWith('/-/dashboard/') ? 'dashboard' : 'api';
  const scoped = path.startsWith('/@');
  if (scoped || path === `/${CLI_PACKAGE_NAME}` || path.startsWith(`/${CLI_PACKAGE_NAME}/`)) {
    // `/@ns/skill` or `/@ns%2fskill`, then `/-/<file>.tgz` for a tarball, `/-rev/…` for an unpublish.
    const parts = path.split('/');
    const rest = scoped && !/%2f/i.test(parts[1]!) ? parts.slice(3) : parts.slice(2);
    if (method === 'GET' || method === 'HEAD') {
      if (rest.length === 0) return isPageRequest(accept) ? 'dashboard' : 'packument';
      if (rest.length === 2 && rest[0] === '-') return 'tarball';
      return 'api';
    }
    return method === 'PUT' && rest.length === 0 ? 'publish' : 'api';
  }
  const slash = path.indexOf('/', 1);
  return DASHBOARD.has(slash === -1 ? path.slice(1) : path.slice(1, slash)) ? 'dashboard' : 'other';
}
