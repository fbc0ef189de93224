/**
 * fast-check fuzzing of the JSON endpoints with arbitrary JSON values and arbitrary strings, both as
 * whole bodies and as the values of each endpoint's own fields: never a 5xx, and every 4xx is a JSON
 * `{error}`. Also the publish body parser on its own, and the whole publish PUT path with mutated
 * publish bodies. Bounded: HTTP_RUNS (25; HARDENING_FUZZ_RUNS) runs per endpoint, 425 HTTP requests
 * in all, plus PARSER_RUNS in-process parses: a few seconds. A failure prints fast-check's seed and the
 * shrunk input, so it can be replayed.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { publishBody, signup } from '../helpers/api.js';
import { createWorkspace, workspaceToken } from '../helpers/gateway.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { DomainError } from '@aerostack/contract/errors.js';
import { parsePackageBody } from '@aerostack/registry/domain/packages/publish-body.js';
import { assertClearError, call, quickTarball, type Answer } from './support.js';

const HTTP_RUNS = Number(process.env.HARDENING_FUZZ_RUNS ?? 25);
const PARSER_RUNS = 1000;

/** Strings that tend to matter to a registry, mixed into the random ones. */
const INTERESTING = [
  '',
  ' ',
  'acme',
  '@acme',
  'acme/weather',
  '@acme/weather',
  '@acme%2fweather',
  '../x',
  '..',
  '%2e%2e',
  '\u0000',
  '\u202e',
  'a'.repeat(300),
  '1.0.0',
  '01.0.0',
  'v1.0.0',
  '1.0.0+b',
  'latest',
  'beta',
  '*',
  '^1',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'alice@example.com',
  'acme@example.com',
  'not an email',
  'aer_x',
  'mwt_x',
  'public',
  'team',
  'private',
  'restricted',
  'member',
  'admin',
  'owner',
  'correct horse battery',
  'null',
  'true',
  '{}',
  '[]',
  '\ud800',
  '😀',
  'Ä',
  'ﬀ',
  '\r\n',
  '<script>alert(1)</script>',
  "' or 1=1 --",
];

const str = fc.oneof(
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 2, arbitrary: fc.constantFrom(...INTERESTING) },
);
const num = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53 + 1, 1e308, -0));
/** A value for one field: usually of a plausible type, sometimes anything at all. */
const value = fc.oneof(
  { weight: 4, arbitrary: str },
  { weight: 1, arbitrary: num },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** An object with (some of) an endpoint's fields, fuzzed, plus random extra keys. */
const shaped = (fields: string[]) =>
  fc
    .tuple(
      fc.record(Object.fromEntries(fields.map((f) => [f, value])), { requiredKeys: [] }),
      fc.dictionary(str, value, { maxKeys: 3 }),
    )
    .map(([known, extra]) => JSON.stringify({ ...extra, ...known }));

/** A request body: the endpoint's shape, any JSON value, or any string at all (mostly not JSON). */
const body = (fields: string[]) =>
  fc.oneof(
    { weight: 4, arbitrary: shaped(fields) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  );

/** Percent-encodes the UTF-8 bytes (encodeURIComponent throws on lone surrogates). */
const pct = (bytes: Buffer): string =>
  [...bytes]
    .map((b) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
/** A path segment: a fuzzed string, or raw bytes that need not be UTF-8 at all. */
const segment = fc
  .oneof(
    { weight: 4, arbitrary: str.map((s) => pct(Buffer.from(s, 'utf8'))) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 12 }).map((b) => pct(Buffer.from(b))) },
  )
  .map((s) => s || 'x');

function checkAnswer(a: Answer, label: string): void {
  assert.ok(a.status < 500, `${label}: ${a.status} ${a.text.slice(0, 300)}`);
  if (a.status >= 400) assertClearError(a, label);
  else if (a.status !== 204) assert.match(a.contentType, /json/, `${label}: ${a.status} answered ${a.contentType}`);
}

describe('hardening: fuzzing the JSON endpoints (fast-check)', function () {
  this.timeout(120_000);
  let r: TestRegistry;
  let acme: string;
  let mwt: string;
  let requests = 0;
  let started = 0;

  before(async () => {
    r = await startTestRegistry({
      limits: { maxTarballBytes: 256 * 1024, maxUnpackedBytes: 1024 * 1024, maxEntries: 50 },
    });
    acme = await signup(r.url, 'acme');
    await signup(r.url, 'alice');
    const pub = await call(r.url, 'PUT', '/@acme%2fweather', {
      token: acme,
      json: publishBody('@acme/weather', '1.0.0', quickTarball('@acme/weather', '1.0.0')),
    });
    assert.equal(pub.status, 201, pub.text);
    await createWorkspace(r.url, acme, 'acme-ws');
    mwt = await workspaceToken(r.url, acme, 'acme-ws', { name: 'Fuzz editor' });
    started = Date.now();
  });
  after(async () => {
    await r?.close();
    started = started || Date.now();

    console.log(
      `      fuzz: ${requests} HTTP requests + ${PARSER_RUNS} parser runs in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  });

  /** One fuzzed endpoint: `path` may depend on the generated input. */
  const endpoint = (
    label: string,
    method: string,
    path: fc.Arbitrary<string>,
    bodyArb: fc.Arbitrary<string>,
    opts: { auth?: boolean; headers?: Record<string, string> } = {},
  ) =>
    it(`${label}: ${HTTP_RUNS} runs, never a 5xx, every 4xx a JSON {error}`, async () => {
      await fc.assert(
        fc.asyncProperty(path, bodyArb, async (p, raw) => {
          requests += 1;
          const a = await call(r.url, method, p, { raw, ...(opts.auth ? { token: acme } : {}), headers: opts.headers });
          checkAnswer(a, `${method} ${p} ${raw.slice(0, 200)}`);
        }),
        { numRuns: HTTP_RUNS },
      );
    });

  endpoint('signup', 'POST', fc.constant('/-/api/v1/signup'), body(['username', 'email', 'password']));
  endpoint('login', 'POST', fc.constant('/-/api/v1/login'), body(['username', 'password']));
  endpoint(
    'npm adduser / login',
    'PUT',
    segment.map((s) => `/-/user/org.couchdb.user:${s}`),
    body(['name', 'password', 'email', 'type', 'roles']),
  );
  endpoint('token create', 'POST', fc.constant('/-/api/v1/tokens'), body(['name', 'readonly', 'expiresInSeconds']), {
    auth: true,
  });
  endpoint(
    'npm token create',
    'POST',
    fc.constant('/-/npm/v1/tokens'),
    body(['password', 'readonly', 'cidr_whitelist', 'name']),
    { auth: true },
  );
  endpoint(
    'team invitations',
    'POST',
    fc.oneof(fc.constant('acme'), segment).map((ns) => `/-/api/v1/teams/${ns}/invitations`),
    body(['email', 'role', 'anyAccount']),
    { auth: true },
  );
  endpoint('team join', 'POST', fc.constant('/-/api/v1/teams/join'), body(['code']), { auth: true });
  endpoint(
    'team role',
    'PUT',
    fc.oneof(fc.constant('acme'), segment).map((ns) => `/-/api/v1/teams/${ns}/members/bob/role`),
    body(['role']),
    { auth: true },
  );
  endpoint('workspace create', 'POST', fc.constant('/-/api/v1/workspaces'), body(['slug', 'namespace']), {
    auth: true,
  });
  endpoint(
    'workspace install',
    'PUT',
    fc.oneof(fc.constant('@acme%2fweather'), segment).map((n) => `/-/api/v1/workspaces/acme-ws/skills/${n}`),
    body(['version']),
    { auth: true },
  );
  endpoint(
    'workspace token create',
    'POST',
    fc.oneof(fc.constant('acme-ws'), segment).map((ws) => `/-/api/v1/workspaces/${ws}/tokens`),
    body(['name', 'user', 'expiresInSeconds']),
    { auth: true },
  );
  endpoint(
    'skill visibility',
    'PUT',
    fc.oneof(fc.constant('@acme%2fweather'), segment).map((n) => `/-/api/v1/skills/${n}/visibility`),
    body(['visibility']),
    { auth: true },
  );
  endpoint(
    'dist-tags',
    'PUT',
    fc
      .tuple(fc.oneof(fc.constant('@acme%2fweather'), segment), segment)
      .map(([n, t]) => `/-/package/${n}/dist-tags/${t}`),
    body([]),
    { auth: true },
  );
  endpoint(
    'publish PUT with arbitrary bodies',
    'PUT',
    fc.oneof(
      fc.constant('/@acme%2ffuzz'),
      segment.map((s) => `/@acme%2f${s}`),
      segment.map((s) => `/${s}`),
    ),
    body(['_id', 'name', 'versions', 'dist-tags', '_attachments', 'access', 'visibility', 'description']),
    { auth: true },
  );

  it(`the gateway with arbitrary JSON-RPC: ${HTTP_RUNS} runs, never a 5xx, always JSON`, async () => {
    const rpc = fc.oneof(
      fc
        .record(
          {
            jsonrpc: fc.oneof(fc.constant('2.0'), value),
            id: value,
            method: fc.oneof(fc.constantFrom('initialize', 'ping', 'tools/list', 'tools/call', 'resources/list'), str),
            params: value,
          },
          { requiredKeys: [] },
        )
        .map((o) => JSON.stringify(o)),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ unit: 'binary', maxLength: 100 }),
    );
    await fc.assert(
      fc.asyncProperty(rpc, async (raw) => {
        requests += 1;
        const a = await call(r.url, 'POST', '/ws/acme-ws', {
          raw,
          token: mwt,
          headers: { accept: 'application/json, text/event-stream' },
        });
        assert.ok(a.status < 500, `${a.status} ${a.text.slice(0, 300)} for ${raw.slice(0, 200)}`);
        // MCP answers protocol errors in JSON-RPC's own shape; anything else must be our {error}.
        if (a.status !== 202)
          assert.match(a.contentType, /json/, `${a.status} ${a.contentType} for ${raw.slice(0, 200)}`);
        if (a.status >= 400 && !(a.body as { jsonrpc?: unknown })?.jsonrpc)
          assertClearError(a, `gateway ${raw.slice(0, 200)}`);
      }),
      { numRuns: HTTP_RUNS },
    );
  });

  it(`the whole publish PUT path with mutated valid publish bodies: ${HTTP_RUNS * 2} runs`, async () => {
    const tgz = quickTarball('@acme/mutant', '1.0.0');
    const file = '@acme/mutant-1.0.0.tgz';
    const paths = [
      ['name'],
      ['_id'],
      ['description'],
      ['access'],
      ['visibility'],
      ['versions'],
      ['versions', '1.0.0'],
      ['versions', '1.0.0', 'name'],
      ['versions', '1.0.0', 'version'],
      ['versions', '1.0.0', 'dist'],
      ['versions', '1.0.0', 'dist', 'integrity'],
      ['versions', '1.0.0', 'dist', 'shasum'],
      ['versions', '1.0.0', 'deprecated'],
      ['versions', '2.0.0'],
      ['dist-tags'],
      ['dist-tags', 'latest'],
      ['dist-tags', 'beta'],
      ['_attachments'],
      ['_attachments', file],
      ['_attachments', file, 'data'],
      ['_attachments', file, 'length'],
      ['_attachments', file, 'content_type'],
      ['_attachments', '@acme/mutant-2.0.0.tgz'],
      ['__proto__'],
      ['constructor'],
    ];
    const mutation = fc.record({ path: fc.constantFrom(...paths), op: fc.constantFrom('set', 'set', 'delete'), value });
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const doc = JSON.parse(JSON.stringify(publishBody('@acme/mutant', '1.0.0', tgz))) as Record<string, unknown>;
        for (const m of mutations) {
          let at: Record<string, unknown> = doc;
          for (const key of m.path.slice(0, -1)) {
            const next = Object.prototype.hasOwnProperty.call(at, key) ? at[key] : undefined;
            if (typeof next !== 'object' || next === null || Array.isArray(next)) {
              at = {};
              break;
            }
            at = next as Record<string, unknown>;
          }
          const last = m.path[m.path.length - 1]!;
          if (m.op === 'delete') delete at[last];
          else
            Object.defineProperty(at, last, { value: m.value, enumerable: true, writable: true, configurable: true });
        }
        requests += 1;
        const a = await call(r.url, 'PUT', '/@acme%2fmutant', { token: acme, raw: JSON.stringify(doc) });
        checkAnswer(a, `publish with ${JSON.stringify(mutations).slice(0, 300)}`);
      }),
      { numRuns: HTTP_RUNS * 2 },
    );
  });

  it(`arbitrary paths and methods (anonymous): ${HTTP_RUNS} runs`, async () => {
    const method = fc.constantFrom('GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH');
    const p = fc
      .array(
        fc.oneof(
          segment,
          fc.constantFrom(
            '-',
            '@acme',
            '@acme%2fweather',
            'weather',
            '-rev',
            'weather-1.0.0.tgz',
            '-',
            'package',
            'dist-tags',
            'api',
            'v1',
            'ws',
          ),
        ),
        { minLength: 1, maxLength: 5 },
      )
      .map((parts) => '/' + parts.join('/'));
    await fc.assert(
      fc.asyncProperty(method, p, async (m, path) => {
        requests += 1;
        const a = await call(r.url, m, path, m === 'GET' || m === 'HEAD' ? {} : { raw: '{}' });
        assert.ok(a.status < 500, `${m} ${path}: ${a.status} ${a.text.slice(0, 200)}`);
        if (a.status >= 400 && m !== 'HEAD') assertClearError(a, `${m} ${path}`);
      }),
      { numRuns: HTTP_RUNS },
    );
  });

  it(`parsePackageBody: ${PARSER_RUNS} arbitrary values, an object or a 400 DomainError, nothing else`, () => {
    const anyValue = fc.oneof(
      fc.jsonValue({ maxDepth: 5 }),
      fc.anything({ maxDepth: 3 }),
      fc.record(
        { versions: value, 'dist-tags': value, _attachments: value, access: value, visibility: value, name: value },
        { requiredKeys: [] },
      ),
      fc.record(
        {
          _attachments: fc.dictionary(
            str,
            fc.record({ data: value, length: value, content_type: value }, { requiredKeys: [] }),
          ),
          versions: fc.dictionary(
            str,
            fc.record({ name: value, version: value, dist: value, deprecated: value }, { requiredKeys: [] }),
          ),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(anyValue, (v) => {
        try {
          const parsed = parsePackageBody(v);
          assert.equal(typeof parsed, 'object');
          assert.equal(typeof parsed.versions, 'object');
          assert.equal(typeof parsed['dist-tags'], 'object');
        } catch (err) {
          assert.ok(err instanceof DomainError, `threw ${String(err)} for ${String(JSON.stringify(v)).slice(0, 200)}`);
          assert.equal(err.status, 400);
          assert.ok(err.message.length < 2000);
        }
      }),
      { numRuns: PARSER_RUNS },
    );
  });

  it('afterwards: the server is healthy, nothing polluted, a normal publish works', async () => {
    assert.equal((await call(r.url, 'GET', '/healthz')).status, 200);
    assert.equal((await call(r.url, 'GET', '/readyz')).status, 200);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const pub = await call(r.url, 'PUT', '/@acme%2fafter', {
      token: acme,
      json: publishBody('@acme/after', '1.0.0', quickTarball('@acme/after', '1.0.0')),
    });
    assert.equal(pub.status, 201, pub.text);
  });
});
