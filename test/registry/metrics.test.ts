/**
 * `/metrics` (AEROSTACK_METRICS=1): the Prometheus text an operator scrapes, served to loopback or
 * to the bearer of AEROSTACK_METRICS_TOKEN. Real requests move the figures: npm's hot reads (a
 * packument, a tarball, a 401), the API, the gateway's tools/call through the SDK Client, a
 * throttled gateway authentication. Under AEROSTACK_WORKERS (Postgres), one scrape sums both workers.
 */
import assert from 'node:assert/strict';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { publishBody, request, signup } from '../helpers/api.js';
import {
  connectGateway,
  createWorkspace,
  mustInstall,
  publishFolder,
  rawGatewayPost,
  resultText,
  skillFolder,
  workspaceToken,
} from '../helpers/gateway.js';
import { freePort, startTestRegistry, TEST_DATABASE_URL, type TestRegistry } from '../helpers/registry.js';
import { skillTarball } from '../helpers/skills.js';
import {
  freshDataDir,
  freshGet,
  freshPostgresDatabase,
  removeDir,
  sleep,
  spawnRegistry,
  twoWorkersAnswering,
  type ChildRegistry,
} from '../hardening/support.js';

const TOKEN = 'metrics-scraper-0123456789abcdef';

/** The samples of a Prometheus text: `name{labels}` → value. */
function samples(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of the samples named `name` whose labels include `labels` (0 when there are none). */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  return samples(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);
}

async function scrape(base: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/metrics`, { headers });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text(), res };
}

describe('/metrics', function () {
  this.timeout(120_000);

  it('is a 404 unless AEROSTACK_METRICS=1', async () => {
    const r = await startTestRegistry();
    try {
      const res = await request(r.url, 'GET', '/metrics');
      assert.equal(res.status, 404);
      assert.ok(res.body.error);
    } finally {
      await r.close();
    }
  });

  describe('on', () => {
    let r: TestRegistry;
    let acme: string;
    let client: Client | undefined;
    before(async () => {
      r = await startTestRegistry({
        env: {
          AEROSTACK_METRICS: '1',
          AEROSTACK_METRICS_TOKEN: TOKEN,
          AEROSTACK_GATEWAY_AUTH_FAILURES: '2',
          AEROSTACK_SKILL_TIMEOUT_MS: '1500',
        },
      });
      acme = await signup(r.url, 'acme');
      const tgz = skillTarball('@acme/crm', '1.0.0');
      const published = await request(r.url, 'PUT', '/@acme%2fcrm', {
        token: acme,
        body: publishBody('@acme/crm', '1.0.0', tgz, { visibility: 'team' }),
      });
      assert.equal(published.status, 201);
    });
    after(async () => {
      await client?.close();
      await r?.close();
    });

    it('serves the Prometheus text to loopback, with every family named', async () => {
      const { status, type, text } = await scrape(r.url);
      assert.equal(status, 200);
      assert.match(type, /^text\/plain; version=0\.0\.4/);
      for (const family of [
        'aerostack_http_request_duration_seconds',
        'aerostack_cache_lookups_total',
        'aerostack_gateway_tool_calls_total',
        'aerostack_skill_processes',
        'aerostack_skill_process_starts_total',
        'aerostack_skill_process_ends_total',
        'aerostack_rate_limit_refusals_total',
        'aerostack_database_info',
        'process_resident_memory_bytes',
        'nodejs_eventloop_lag_seconds',
      ])
        assert.match(text, new RegExp(`^# TYPE ${family} `, 'm'), family);
      assert.equal(value(text, 'aerostack_database_info', { kind: TEST_DATABASE_URL ? 'postgres' : 'pglite' }), 1);
      if (TEST_DATABASE_URL) assert.ok(value(text, 'aerostack_db_pool_connections') >= 1, 'the pg pool is in use');
      else assert.doesNotMatch(text, /aerostack_db_pool_/, 'PGlite has no pool to report');
      // The publish in before() went through express.
      assert.equal(
        value(text, 'aerostack_http_request_duration_seconds_count', { route: 'publish', status: '201' }),
        1,
      );
    });

    it('counts npm’s hot reads by route and status, and their cache lookups', async () => {
      const before = (await scrape(r.url)).text;
      const count = (text: string, route: string, status: string) =>
        value(text, 'aerostack_http_request_duration_seconds_count', { route, status });
      const cache = (text: string, c: string, result: string) =>
        value(text, 'aerostack_cache_lookups_total', { cache: c, result });

      for (let i = 0; i < 2; i++)
        assert.equal((await request(r.url, 'GET', '/@acme/crm', { token: acme })).status, 200);
      const doc = await request(r.url, 'GET', '/@acme/crm', { token: acme });
      const tarball = new URL(doc.body.versions['1.0.0'].dist.tarball as string).pathname;
      assert.equal((await request(r.url, 'GET', tarball, { token: acme })).status, 200);
      assert.equal((await request(r.url, 'GET', '/@acme/crm')).status, 401);
      assert.equal((await request(r.url, 'GET', '/-/api/v1/whoami', { token: acme })).status, 200);

      const after = (await scrape(r.url)).text;
      assert.equal(count(after, 'packument', '200') - count(before, 'packument', '200'), 3);
      assert.equal(count(after, 'tarball', '200') - count(before, 'tarball', '200'), 1);
      assert.equal(count(after, 'packument', '401') - count(before, 'packument', '401'), 1);
      assert.equal(count(after, 'api', '200') - count(before, 'api', '200'), 1);
      assert.ok(count(after, 'metrics', '200') >= 2, 'the scrapes themselves');
      // Three reads of one document by one token: the later ones from memory.
      assert.ok(cache(after, 'documents', 'hit') - cache(before, 'documents', 'hit') >= 2);
      assert.ok(cache(after, 'user_tokens', 'hit') - cache(before, 'user_tokens', 'hit') >= 2);
      assert.ok(cache(after, 'grants', 'hit') - cache(before, 'grants', 'hit') >= 2);
      assert.equal(cache(after, 'tarball_bytes', 'miss') - cache(before, 'tarball_bytes', 'miss'), 1);
      // The anonymous 401 is a negative answer: the refusals cache was asked and did not have it yet.
      assert.equal(cache(after, 'refusals', 'miss') - cache(before, 'refusals', 'miss') >= 1, true);
      assert.equal((await request(r.url, 'GET', '/@acme/crm')).status, 401);
      const again = (await scrape(r.url)).text;
      assert.equal(cache(again, 'refusals', 'hit') - cache(after, 'refusals', 'hit'), 1, 'the second 401 from memory');
      // The latency histogram has its buckets.
      assert.ok(
        value(again, 'aerostack_http_request_duration_seconds_bucket', {
          route: 'packument',
          status: '200',
          le: '+Inf',
        }) >= 3,
      );
    });

    it('counts gateway tool calls by workspace, skill and outcome, the live skill process, and rate-limit refusals', async () => {
      await publishFolder(
        r.url,
        acme,
        '@acme/hello',
        '1.0.0',
        skillFolder(
          '@acme/hello',
          '1.0.0',
          `export default async () => ({ content: [{ type: 'text', text: 'hello' }] });\n`,
        ),
      );
      await createWorkspace(r.url, acme, 'acme-main');
      await mustInstall(r.url, acme, 'acme-main', '@acme/hello', '1.0.0');
      const mwt = await workspaceToken(r.url, acme, 'acme-main', { name: 'ci' });
      const before = (await scrape(r.url)).text;
      client = await connectGateway(r.url, 'acme-main', mwt);
      assert.equal(resultText(await client.callTool({ name: 'hello__run', arguments: {} })), 'hello');
      assert.equal(resultText(await client.callTool({ name: 'hello__run', arguments: {} })), 'hello');
      // Two unknown tokens are allowed to fail; the third failure within the minute is refused (429).
      const bad = 'mwt_' + 'x'.repeat(40);
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await rawGatewayPost(r.url, 'acme-main', bad)).status);
      assert.deepEqual(statuses, [401, 401, 429]);

      const after = (await scrape(r.url)).text;
      const calls = { workspace: 'acme-main', skill: '@acme/hello', outcome: 'ok' };
      assert.equal(value(after, 'aerostack_gateway_tool_calls_total', calls), 2);
      assert.equal(value(after, 'aerostack_skill_processes'), 1);
      assert.equal(value(after, 'aerostack_skill_process_starts_total', { kind: 'first' }), 1);
      assert.ok(
        value(after, 'aerostack_http_request_duration_seconds_count', { route: 'gateway', status: '200' }) -
          value(before, 'aerostack_http_request_duration_seconds_count', { route: 'gateway', status: '200' }) >=
          3,
        'initialize, and the two calls',
      );
      assert.equal(
        value(after, 'aerostack_http_request_duration_seconds_count', { route: 'gateway', status: '429' }),
        1,
      );
      assert.equal(value(after, 'aerostack_rate_limit_refusals_total', { limit: 'gw_auth_failures' }), 1);
      assert.ok(value(after, 'aerostack_cache_lookups_total', { cache: 'workspace_tokens', result: 'hit' }) >= 1);
      assert.ok(value(after, 'aerostack_cache_lookups_total', { cache: 'gateway_catalogues', result: 'hit' }) >= 1);
    });

    it('counts a hung skill process killed at the call timeout, and its restart', async () => {
      await publishFolder(
        r.url,
        acme,
        '@acme/hang',
        '1.0.0',
        skillFolder(
          '@acme/hang',
          '1.0.0',
          `export default async ({ hang }) => {\n  if (hang) await new Promise(() => {});\n  return { content: [{ type: 'text', text: 'awake' }] };\n};\n`,
        ),
      );
      await mustInstall(r.url, acme, 'acme-main', '@acme/hang', '1.0.0');
      assert.ok(client, 'connected by the test before');
      assert.equal(resultText(await client.callTool({ name: 'hang__run', arguments: {} })), 'awake');
      const hung = await client.callTool({ name: 'hang__run', arguments: { hang: true } });
      assert.equal(hung.isError, true);
      assert.match(resultText(hung), /did not answer within 1500 ms/);
      assert.equal(resultText(await client.callTool({ name: 'hang__run', arguments: {} })), 'awake');

      let text = '';
      for (let i = 0; i < 50; i++) {
        text = (await scrape(r.url)).text;
        if (value(text, 'aerostack_skill_process_ends_total', { reason: 'timeout' }) > 0) break;
        await sleep(100);
      }
      assert.equal(value(text, 'aerostack_skill_process_ends_total', { reason: 'timeout' }), 1);
      assert.equal(value(text, 'aerostack_skill_process_starts_total', { kind: 'restart' }), 1);
      // hello's process and hang's second one.
      assert.equal(value(text, 'aerostack_skill_processes'), 2);
      const hang = { workspace: 'acme-main', skill: '@acme/hang' };
      assert.equal(value(text, 'aerostack_gateway_tool_calls_total', { ...hang, outcome: 'ok' }), 2);
      assert.equal(value(text, 'aerostack_gateway_tool_calls_total', { ...hang, outcome: 'timeout' }), 1);
    });

    it('refuses a client that is not loopback without the token; serves it with the token', async () => {
      // The app trusts X-Forwarded-For from loopback (a reverse proxy on this host), as req.ip does for
      // the throttles: this request stands for an outside client.
      const outside = { 'x-forwarded-for': '203.0.113.7' };
      const without = await scrape(r.url, outside);
      assert.equal(without.status, 401);
      assert.deepEqual(JSON.parse(without.text), {
        error: 'Send the metrics token: Authorization: Bearer <AEROSTACK_METRICS_TOKEN>',
      });
      assert.equal(without.res.headers.get('www-authenticate'), 'Bearer realm="metrics"');
      const wrong = await scrape(r.url, { ...outside, authorization: `Bearer ${TOKEN}x` });
      assert.equal(wrong.status, 401);
      assert.deepEqual(JSON.parse(wrong.text), { error: 'This is not the metrics token (AEROSTACK_METRICS_TOKEN)' });
      // A user's own token is no way in, whoever the user is.
      assert.equal((await scrape(r.url, { ...outside, authorization: `Bearer ${acme}` })).status, 401);
      const served = await scrape(r.url, { ...outside, authorization: `Bearer ${TOKEN}` });
      assert.equal(served.status, 200);
      assert.match(served.text, /^# TYPE aerostack_http_request_duration_seconds histogram$/m);
    });

    it('without AEROSTACK_METRICS_TOKEN, a client that is not loopback is refused with 403', async () => {
      const other = await startTestRegistry({ env: { AEROSTACK_METRICS: '1' } });
      try {
        const res = await scrape(other.url, { 'x-forwarded-for': '203.0.113.7', authorization: `Bearer ${TOKEN}` });
        assert.equal(res.status, 403);
        assert.deepEqual(JSON.parse(res.text), {
          error: 'Metrics are served to loopback only; set AEROSTACK_METRICS_TOKEN to scrape from elsewhere',
        });
        assert.equal((await scrape(other.url)).status, 200);
      } finally {
        await other.close();
      }
    });
  });

  (TEST_DATABASE_URL ? describe : describe.skip)('under AEROSTACK_WORKERS=2 (Postgres)', () => {
    let reg: ChildRegistry | undefined;
    let dataDir: string | undefined;
    let database: Awaited<ReturnType<typeof freshPostgresDatabase>> | undefined;
    after(async () => {
      await reg?.kill('SIGTERM');
      if (dataDir) await removeDir(dataDir);
      await database?.drop();
    });

    it('one scrape, on either worker, sums the requests both workers answered', async () => {
      database = await freshPostgresDatabase();
      dataDir = await freshDataDir('metrics-workers');
      reg = await spawnRegistry({
        AEROSTACK_DATA_DIR: dataDir,
        DATABASE_URL: database.url,
        PORT: String(await freePort()),
        AEROSTACK_WORKERS: '2',
        AEROSTACK_METRICS: '1',
      });
      const base = reg.url;
      assert.deepEqual(await twoWorkersAnswering(base), [1, 2], 'both workers answer');
      // Ten requests for paths that do not exist (route "other", 404), spread over both workers.
      for (let i = 0; i < 10; i++) assert.equal((await freshGet(`${base}/nothing-${i}`)).status, 404);
      // Two scrapes on fresh connections, so one on each worker (handed out in turn): each sees all ten.
      for (let i = 0; i < 2; i++) {
        const { status, body } = await freshGet(`${base}/metrics`);
        assert.equal(status, 200);
        assert.equal(
          value(body, 'aerostack_http_request_duration_seconds_count', { route: 'other', status: '404' }),
          10,
        );
        assert.equal(value(body, 'aerostack_database_info', { kind: 'postgres' }), 1, 'the info gauge is not summed');
      }
    });
  });
});
