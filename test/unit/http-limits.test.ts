import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConfigError, loadConfig } from '@aerostack/registry/config.js';
import { jsonShapeProblem } from '@aerostack/registry/http/json-shape.js';
import { isPublishRoute } from '@aerostack/registry/http/routes/packages.js';

/** Nesting depth of a parsed JSON value, as JSON.parse built it. */
function depthOf(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  return 1 + Math.max(0, ...Object.values(v).map(depthOf));
}

/** Values JSON.parse builds for a parsed value (itself included). */
function countOf(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 1;
  return 1 + Object.values(v).reduce((n: number, x) => n + countOf(x), 0);
}

const deeper = (text: string, max: number) =>
  jsonShapeProblem(Buffer.from(text), { maxDepth: max, maxItems: Infinity }) !== null;
const wider = (text: string, max: number) =>
  jsonShapeProblem(Buffer.from(text), { maxDepth: Infinity, maxItems: max }) !== null;

describe('JSON shape, read from the raw text before parsing', () => {
  it('counts arrays and objects, and stops at the limit', () => {
    assert.equal(deeper('[]', 0), true);
    assert.equal(deeper('[]', 1), false);
    assert.equal(deeper('{"a":[{"b":[1]}]}', 4), false);
    assert.equal(deeper('{"a":[{"b":[1]}]}', 3), true);
    assert.equal(deeper('"just a string"', 0), false);
    assert.equal(deeper(`${'['.repeat(64)}${']'.repeat(64)}`, 64), false);
    assert.equal(deeper(`${'['.repeat(65)}${']'.repeat(65)}`, 64), true);
  });

  it('ignores brackets inside strings, escaped quotes and backslashes included', () => {
    assert.equal(deeper(JSON.stringify({ s: '[[[[{{{{' }), 1), false);
    assert.equal(deeper(JSON.stringify({ s: 'say \\"[[[[\\" \\\\' }), 1), false);
    assert.equal(deeper(JSON.stringify(['\\', '[[[[']), 1), false);
    assert.equal(deeper(JSON.stringify(['\\\\"', '[[[[']), 1), false);
    // A string closed by a quote after an even run of backslashes: the bracket after it counts.
    assert.equal(deeper('["a\\\\",[[1]]]', 2), true);
  });

  it('agrees with JSON.parse on every JSON value (multi-byte text included)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 9 }), (value, max) => {
        const text = JSON.stringify(value);
        assert.equal(deeper(text, max), depthOf(JSON.parse(text)) > max, text);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6, stringUnit: 'binary' }), (value) => {
        const text = JSON.stringify(value);
        assert.equal(deeper(text, 3), depthOf(JSON.parse(text)) > 3, text);
      }),
      { numRuns: 1000 },
    );
  });

  it('counts arrays, objects and commas, never what is inside strings', () => {
    assert.equal(wider('[1,2,3]', 3), false);
    assert.equal(wider('[1,2,3,4]', 3), true);
    assert.equal(wider('{"a":[],"b":{}}', 4), false);
    assert.equal(wider('{"a":[],"b":{},"c":1}', 4), true);
    assert.equal(wider(JSON.stringify({ s: ',,,,[[[,,,' }), 1), false);
    assert.equal(wider('12345', 0), false);
    // Between the number of values JSON.parse builds, less one, and twice it.
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        const text = JSON.stringify(value);
        const n = countOf(JSON.parse(text));
        assert.equal(wider(text, 2 * n), false, text);
        if (n >= 2) assert.equal(wider(text, n - 2), true, text);
      }),
      { numRuns: 1000 },
    );
  });

  it('names the limit it met', () => {
    const limits = { maxDepth: 2, maxItems: 3 };
    assert.equal(jsonShapeProblem(Buffer.from('[[[1]]]'), limits), 'JSON nesting is deeper than 2 levels');
    assert.equal(jsonShapeProblem(Buffer.from('[1,2,3,4]'), limits), 'JSON has more than 3 arrays, objects and commas');
    assert.equal(jsonShapeProblem(Buffer.from('[[1],2]'), limits), null);
  });

  it('leaves malformed text to JSON.parse (an unterminated string is not "deep")', () => {
    assert.equal(deeper('["never closed', 0), true); // the bracket came first
    assert.equal(deeper('"never closed [[[[', 0), false);
  });
});

describe('which requests are publishes (the big body limit)', () => {
  it("is npm's two package writes, nothing else", () => {
    assert.equal(isPublishRoute('PUT', '/@acme%2fcrm'), true);
    assert.equal(isPublishRoute('PUT', '/@acme/crm'), true);
    assert.equal(isPublishRoute('PUT', '/@acme%2fcrm/-rev/3-abc'), true);
    assert.equal(isPublishRoute('POST', '/@acme%2fcrm'), false);
    assert.equal(isPublishRoute('PUT', '/@acme%2fcrm/-/crm-1.0.0.tgz'), false);
    assert.equal(isPublishRoute('PUT', '/-/user/org.couchdb.user:acme'), false);
    assert.equal(isPublishRoute('PUT', '/-/package/@acme%2fcrm/dist-tags/beta'), false);
    assert.equal(isPublishRoute('PUT', '/-/api/v1/workspaces/w/skills/@acme%2fcrm'), false);
    assert.equal(isPublishRoute('PUT', '/crm'), false);
    assert.equal(isPublishRoute('PUT', '/@acme%E0%A4%A/crm'), false); // malformed: the router answers it
  });
});

describe('HTTP limits and allowed hosts in the configuration', () => {
  it('defaults: 1 MiB bodies, 1024 connections, 5 minute requests, PUBLIC_URL and loopback allowed', () => {
    const c = loadConfig({});
    assert.deepEqual(c.http, { bodyLimitBytes: 1024 * 1024, maxConnections: 1024, requestTimeoutMs: 300_000 });
    assert.equal(c.gateway.bodyLimitBytes, 1024 * 1024);
    assert.equal(c.gateway.allowedHosts, null);
    assert.equal(c.gateway.allowedOrigins, null);
  });

  it('reads and normalizes the lists', () => {
    const c = loadConfig({
      AEROSTACK_ALLOWED_HOSTS: 'Registry.Acme.dev, 10.0.0.5:4870,[::1]',
      AEROSTACK_ALLOWED_ORIGINS: 'HTTPS://Registry.acme.dev/,http://localhost:3000',
      AEROSTACK_BODY_LIMIT_BYTES: '65536',
      AEROSTACK_MAX_CONNECTIONS: '50',
    });
    assert.deepEqual(c.gateway.allowedHosts, ['registry.acme.dev', '10.0.0.5:4870', '[::1]']);
    assert.deepEqual(c.gateway.allowedOrigins, ['https://registry.acme.dev', 'http://localhost:3000']);
    assert.equal(c.http.bodyLimitBytes, 65536);
    assert.equal(c.http.maxConnections, 50);
  });

  it('refuses entries that are not hosts or origins, naming the variable', () => {
    const cases: [string, string][] = [
      ['AEROSTACK_ALLOWED_HOSTS', 'https://registry.acme.dev'],
      ['AEROSTACK_ALLOWED_HOSTS', 'evil@127.0.0.1'],
      ['AEROSTACK_ALLOWED_HOSTS', ' , '],
      ['AEROSTACK_ALLOWED_ORIGINS', 'registry.acme.dev'],
      ['AEROSTACK_ALLOWED_ORIGINS', 'https://registry.acme.dev/path'],
      ['AEROSTACK_ALLOWED_ORIGINS', 'null'],
      ['AEROSTACK_MAX_CONNECTIONS', '0'],
      ['AEROSTACK_REQUEST_TIMEOUT_MS', '10'],
    ];
    for (const [name, value] of cases) {
      assert.throws(
        () => loadConfig({ [name]: value }),
        (err: Error) => err instanceof ConfigError && err.message.includes(name),
        `${name}=${value}`,
      );
    }
  });
});
