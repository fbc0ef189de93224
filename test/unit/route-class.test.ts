import assert from 'node:assert/strict';
import { routeClass } from '@aerostack/registry/http/route-class.js';

/** How /metrics splits requests: one row per request as it arrives (method, URL, Accept). */
const ROWS: Array<[method: string, url: string, accept: string | undefined, expected: string]> = [
  ['GET', '/@acme/crm', undefined, 'packument'],
  ['GET', '/@acme%2fcrm', 'application/vnd.npm.install-v1+json', 'packument'],
  ['HEAD', '/@acme/crm?write=true', undefined, 'packument'],
  ['GET', '/@acme/crm', 'text/html,application/xhtml+xml', 'dashboard'],
  ['GET', '/@acme/crm/-/crm-1.0.0.tgz', undefined, 'tarball'],
  ['GET', '/@acme%2Fcrm/-/crm-1.0.0.tgz', undefined, 'tarball'],
  ['PUT', '/@acme%2fcrm', undefined, 'publish'],
  ['PUT', '/@acme%2fcrm/-rev/3-abc', undefined, 'api'],
  ['DELETE', '/@acme%2fcrm/-/crm-1.0.0.tgz/-rev/3-abc', undefined, 'api'],
  ['GET', '/aerostack', undefined, 'packument'],
  ['GET', '/aerostack/-/aerostack-0.1.0.tgz', undefined, 'tarball'],
  ['GET', '/-/v1/search?text=crm', undefined, 'api'],
  ['POST', '/-/api/v1/login', undefined, 'api'],
  ['PUT', '/-/user/org.couchdb.user:bob', undefined, 'api'],
  ['GET', '/-/package/@acme%2fcrm/dist-tags', undefined, 'api'],
  ['POST', '/ws/acme-main', undefined, 'gateway'],
  ['GET', '/ws/acme-main?x=1', undefined, 'gateway'],
  ['GET', '/', 'text/html', 'dashboard'],
  ['GET', '/skills', undefined, 'dashboard'],
  ['POST', '/workspaces/acme-main/tokens/revoke', undefined, 'dashboard'],
  ['GET', '/join/abc123', undefined, 'dashboard'],
  ['GET', '/-/dashboard/dashboard.css', undefined, 'dashboard'],
  ['GET', '/healthz', undefined, 'health'],
  ['GET', '/readyz', undefined, 'health'],
  ['GET', '/-/ping', undefined, 'health'],
  ['GET', '/metrics', undefined, 'metrics'],
  ['GET', '/wp-login.php', undefined, 'other'],
  ['GET', '/crm', undefined, 'other'],
];

describe('routeClass: the route label of /metrics', () => {
  for (const [method, url, accept, expected] of ROWS)
    it(`${method} ${url}${accept ? ` (Accept: ${accept})` : ''} → ${expected}`, () =>
      assert.equal(routeClass(method, url, accept), expected));
});
