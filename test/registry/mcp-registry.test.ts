import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { request, signup, type ApiResponse } from '../helpers/api.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { addMember } from '../helpers/teams.js';
import {
  createWorkspace,
  mcpFolder,
  mustInstall,
  publishFolder,
  skillFolder,
  withManifestFields,
  type FileMap,
} from '../helpers/gateway.js';
import { agentSkillFolder } from '../helpers/agent-skills.js';
import { MCP_OFFICIAL_META, parseMcpServerName, reverseDnsPrefix } from '@aerostack/contract/mcp-registry.js';

/** The official server.json schema, vendored verbatim (test/fixtures/mcp-registry/README.md). */
const SCHEMA_FILE = path.resolve('test/fixtures/mcp-registry/server.schema.json');

type Validate = (server: unknown) => void;

function serverValidator(): Validate {
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as { $schema: string };
  // The schema's own dialect: draft-07, Ajv's default.
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  const ajv = new Ajv({ allErrors: true, strict: false });
  const addFormats = ((addFormatsPlugin as unknown as { default?: unknown }).default ?? addFormatsPlugin) as (
    a: Ajv,
  ) => void;
  addFormats(ajv);
  const validate: ValidateFunction = ajv.compile(schema);
  return (server) => {
    if (!validate(server))
      assert.fail(`server.json not valid: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(server, null, 2)}`);
  };
}

/**
 * The ServerResponse envelope as openapi.yaml gives it: `server` and `_meta`, whose official block has
 * only these keys (`additionalProperties: false`), a status of its enum, RFC 3339 times.
 */
function checkMeta(entry: { server: unknown; _meta: Record<string, Record<string, unknown>> }): void {
  assert.deepEqual(Object.keys(entry).sort(), ['_meta', 'server']);
  const meta = entry._meta[MCP_OFFICIAL_META]!;
  const allowed = ['status', 'statusMessage', 'statusChangedAt', 'publishedAt', 'updatedAt', 'isLatest'];
  assert.ok(
    Object.keys(meta).every((k) => allowed.includes(k)),
    JSON.stringify(meta),
  );
  assert.ok(['active', 'deprecated', 'deleted'].includes(meta.status as string));
  assert.equal(typeof meta.isLatest, 'boolean');
  for (const k of ['publishedAt', 'updatedAt']) assert.ok(!Number.isNaN(Date.parse(meta[k] as string)), k);
  if (meta.statusMessage !== undefined) assert.ok((meta.statusMessage as string).length <= 500);
}

const SERVER = 'export {};\n';
const LONG = `Sync customers between the CRM and the data warehouse, every hour, with retries and a full audit trail of each change`;

describe('MCP Registry read API (/v0.1/servers)', function () {
  let r: TestRegistry;
  let acme: string;
  let alice: string; // member of @acme
  let bob: string; // signed in, not a member
  let prefix: string;
  let validate: Validate;
  const tarballs = new Map<string, Buffer>();

  const publish = async (
    token: string,
    name: string,
    version: string,
    files: FileMap,
    vis: 'public' | 'team' | 'private',
  ) => {
    tarballs.set(`${name}@${version}`, await publishFolder(r.url, token, name, version, files, vis));
  };

  before(async () => {
    validate = serverValidator();
    r = await startTestRegistry();
    prefix = reverseDnsPrefix(r.url);
    acme = await signup(r.url, 'acme');
    alice = await signup(r.url, 'alice');
    bob = await signup(r.url, 'bob');
    await addMember(r, 'acme', 'alice');
    const crm = (v: string, description: string) =>
      withManifestFields(mcpFolder('@acme/crm-sync', v, SERVER), {
        description,
        env: [{ name: 'CRM_API_KEY', description: 'The CRM key' }],
      });
    await publish(acme, '@acme/crm-sync', '1.0.0', crm('1.0.0', 'Sync customers'), 'public');
    await publish(acme, '@acme/crm-sync', '1.1.0', crm('1.1.0', LONG), 'public');
    await publish(acme, '@acme/crm-team', '1.0.0', mcpFolder('@acme/crm-team', '1.0.0', SERVER), 'team');
    await publish(acme, '@acme/scratch', '1.0.0', mcpFolder('@acme/scratch', '1.0.0', SERVER), 'private');
    await publish(
      acme,
      '@acme/plain',
      '1.0.0',
      skillFolder('@acme/plain', '1.0.0', 'export default () => ({})'),
      'public',
    );
    await publish(acme, '@acme/pdf-forms', '1.0.0', agentSkillFolder('@acme/pdf-forms', '1.0.0'), 'public');
    await publish(bob, '@bob/notes', '2.0.0', mcpFolder('@bob/notes', '2.0.0', SERVER), 'public');
    await publish(bob, '@bob/bob-team', '1.0.0', mcpFolder('@bob/bob-team', '1.0.0', SERVER), 'team');
    // As `npm deprecate` does it: the packument sent back with `deprecated` set.
    const doc = await request(r.url, 'GET', '/@acme%2fcrm-sync', { token: acme });
    doc.body.versions['1.0.0'].deprecated = 'use 1.1.0';
    const dep = await request(r.url, 'PUT', '/@acme%2fcrm-sync', { token: acme, body: doc.body });
    assert.ok(dep.status < 300, `deprecate: ${dep.status} ${JSON.stringify(dep.body)}`);
    await createWorkspace(r.url, acme, 'sales');
    await mustInstall(r.url, acme, 'sales', '@acme/crm-team', '1.0.0');
    // An Agent Skill is installed there too; the gateway serves no tool for it, so it is not counted.
    await mustInstall(r.url, acme, 'sales', '@acme/pdf-forms', '1.0.0');
  });
  after(() => r?.close());

  const get = async (p: string, token?: string): Promise<ApiResponse> => {
    const res = await request(r.url, 'GET', p, { token });
    if (res.status === 200) {
      const entries = 'servers' in res.body ? res.body.servers : [res.body];
      for (const e of entries) {
        validate(e.server);
        checkMeta(e);
      }
      if ('servers' in res.body) {
        assert.deepEqual(Object.keys(res.body).sort(), ['metadata', 'servers']);
        assert.ok(Object.keys(res.body.metadata).every((k) => k === 'count' || k === 'nextCursor'));
      }
    }
    return res;
  };
  const names = (res: ApiResponse) =>
    (res.body.servers as Array<{ server: { name: string; version: string } }>).map(
      (s) => `${s.server.name}@${s.server.version}`,
    );
  const sv = (ns: string, slug: string) => `${prefix}.${ns}/${slug}`;
  const wsName = (ns: string, slug: string) => `${prefix}.${ns}.workspaces/${slug}`;
  const enc = encodeURIComponent;

  it('anonymous: the public mcp skill versions only, schema-valid, with CORS', async () => {
    const res = await get('/v0.1/servers');
    assert.equal(res.status, 200);
    assert.deepEqual(names(res).sort(), [
      `${sv('acme', 'crm-sync')}@1.0.0`,
      `${sv('acme', 'crm-sync')}@1.1.0`,
      `${sv('bob', 'notes')}@2.0.0`,
    ]);
    assert.equal(res.body.metadata.count, 3);
    assert.equal(res.body.metadata.nextCursor, undefined);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
  });

  it('describes the npm package here with the sha256 of its tarball, and the registry metadata', async () => {
    const res = await get(`/v0.1/servers/${enc(sv('acme', 'crm-sync'))}/versions/1.1.0`);
    assert.equal(res.status, 200);
    const { server, _meta } = res.body;
    assert.equal(server.$schema, 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json');
    assert.equal(server.title, '@acme/crm-sync');
    assert.equal(Array.from(server.description as string).length, 100);
    assert.ok(server.description.endsWith('…') && LONG.startsWith(server.description.slice(0, -1)));
    const sha = createHash('sha256').update(tarballs.get('@acme/crm-sync@1.1.0')!).digest('hex');
    assert.deepEqual(server.packages, [
      {
        registryType: 'npm',
        registryBaseUrl: r.url,
        identifier: '@acme/crm-sync',
        version: '1.1.0',
        fileSha256: sha,
        transport: { type: 'stdio' },
        environmentVariables: [{ name: 'CRM_API_KEY', description: 'The CRM key', isRequired: true, isSecret: true }],
      },
    ]);
    // The package URL this points at serves exactly those bytes.
    const tgz = await fetch(`${r.url}/@acme/crm-sync/-/crm-sync-1.1.0.tgz`);
    assert.equal(
      createHash('sha256')
        .update(Buffer.from(await tgz.arrayBuffer()))
        .digest('hex'),
      sha,
    );
    const meta = _meta[MCP_OFFICIAL_META];
    assert.equal(meta.status, 'active');
    assert.equal(meta.isLatest, true);
    assert.ok(!Number.isNaN(Date.parse(meta.publishedAt)) && meta.updatedAt >= meta.publishedAt);
  });

  it('a deprecated version says so; /versions lists newest first; latest is the latest', async () => {
    const res = await get(`/v0.1/servers/${enc(sv('acme', 'crm-sync'))}/versions`);
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.servers.map((s: { server: { version: string } }) => s.server.version),
      ['1.1.0', '1.0.0'],
    );
    assert.equal(res.body.metadata.count, 2);
    const old = res.body.servers[1]._meta[MCP_OFFICIAL_META];
    assert.deepEqual([old.status, old.statusMessage, old.isLatest], ['deprecated', 'use 1.1.0', false]);
    const latest = await get(`/v0.1/servers/${enc(sv('acme', 'crm-sync'))}/versions/latest`);
    assert.equal(latest.status, 200);
    assert.equal(latest.body.server.version, '1.1.0');
    const only = await get('/v0.1/servers?version=latest');
    assert.deepEqual(names(only).sort(), [`${sv('acme', 'crm-sync')}@1.1.0`, `${sv('bob', 'notes')}@2.0.0`]);
    const exact = await get('/v0.1/servers?version=1.0.0');
    assert.deepEqual(names(exact), [`${sv('acme', 'crm-sync')}@1.0.0`]);
  });

  it('a member sees the team server and the workspace as a remote; a non-member does not', async () => {
    const member = await get('/v0.1/servers', alice);
    assert.equal(member.status, 200);
    assert.deepEqual(
      names(member).sort(),
      [
        `${sv('acme', 'crm-sync')}@1.0.0`,
        `${sv('acme', 'crm-sync')}@1.1.0`,
        `${sv('acme', 'crm-team')}@1.0.0`,
        `${sv('bob', 'notes')}@2.0.0`,
        `${wsName('acme', 'sales')}@0.1.0`,
      ].sort(),
    );
    assert.equal(member.headers.get('access-control-allow-origin'), null);
    const ws = member.body.servers.find((s: { server: { name: string } }) => s.server.name === wsName('acme', 'sales'));
    assert.deepEqual(ws.server.remotes, [
      {
        type: 'streamable-http',
        url: `${r.url}/ws/sales`,
        headers: [
          {
            name: 'Authorization',
            description: 'An mwt_ token of workspace sales: aerostack workspace token create sales --name NAME',
            value: 'Bearer {workspace_token}',
            isRequired: true,
            isSecret: true,
            variables: { workspace_token: { description: 'The mwt_… token', isRequired: true, isSecret: true } },
          },
        ],
      },
    ]);
    assert.match(ws.server.description, /1 skill behind one MCP gateway/);

    const outsider = await get('/v0.1/servers', bob);
    assert.deepEqual(
      names(outsider).sort(),
      [
        `${sv('acme', 'crm-sync')}@1.0.0`,
        `${sv('acme', 'crm-sync')}@1.1.0`,
        `${sv('bob', 'notes')}@2.0.0`,
        `${sv('bob', 'bob-team')}@1.0.0`,
      ].sort(),
    );
    // The owner also sees the private one.
    const owner = await get('/v0.1/servers', acme);
    assert.ok(names(owner).includes(`${sv('acme', 'scratch')}@1.0.0`));

    // One server by name: the policy's answers for those who may not read it.
    const team = `/v0.1/servers/${enc(sv('acme', 'crm-team'))}/versions`;
    assert.equal((await get(team, alice)).status, 200);
    assert.equal((await get(team, bob)).status, 403);
    assert.equal((await get(team)).status, 401);
    const wsPath = `/v0.1/servers/${enc(wsName('acme', 'sales'))}/versions/latest`;
    const wsOne = await get(wsPath, alice);
    assert.equal(wsOne.status, 200);
    assert.equal(wsOne.body.server.remotes[0].url, `${r.url}/ws/sales`);
    assert.equal((await get(wsPath, bob)).status, 404);
    const scratch = `/v0.1/servers/${enc(sv('acme', 'scratch'))}/versions`;
    assert.equal((await get(scratch, alice)).status, 404);
  });

  it('pages with an opaque cursor, visiting every entry once', async () => {
    for (const token of [undefined, acme]) {
      const all = names(await get('/v0.1/servers?limit=100', token));
      assert.ok(all.length >= 3);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const res = await get(`/v0.1/servers?limit=2${cursor ? `&cursor=${enc(cursor)}` : ''}`, token);
        assert.equal(res.status, 200);
        assert.ok(res.body.metadata.count <= 2 && res.body.metadata.count === res.body.servers.length);
        seen.push(...names(res));
        cursor = res.body.metadata.nextCursor;
        pages++;
      } while (cursor && pages < 50);
      assert.deepEqual(seen, all);
      assert.equal(new Set(seen).size, seen.length);
      assert.equal(pages, Math.ceil(all.length / 2));
    }
  });

  it('search matches a substring of the name; updated_since filters by update time', async () => {
    assert.deepEqual(names(await get('/v0.1/servers?search=CRM')).sort(), [
      `${sv('acme', 'crm-sync')}@1.0.0`,
      `${sv('acme', 'crm-sync')}@1.1.0`,
    ]);
    assert.deepEqual(names(await get('/v0.1/servers?search=sales', acme)), [`${wsName('acme', 'sales')}@0.1.0`]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    assert.deepEqual(names(await get(`/v0.1/servers?updated_since=${enc(future)}`)), []);
    assert.equal(names(await get('/v0.1/servers?updated_since=2000-01-01T00:00:00Z')).length, 3);
  });

  it('bad parameters are 400s, unknown servers 404s, a revoked token 401', async () => {
    for (const qs of [
      'limit=0',
      'limit=101',
      'limit=ten',
      'cursor=nonsense',
      'updated_since=yesterday',
      'updated_since=2025-13-01',
    ]) {
      const res = await get(`/v0.1/servers?${qs}`);
      assert.equal(res.status, 400, qs);
      assert.equal(typeof res.body.error, 'string', qs);
    }
    for (const p of [
      `/v0.1/servers/${enc('io.github.someone/else')}/versions`,
      `/v0.1/servers/${enc(sv('acme', 'nope'))}/versions`,
      `/v0.1/servers/${enc(sv('acme', 'plain'))}/versions`, // a type "skill", no server
      `/v0.1/servers/${enc(sv('acme', 'pdf-forms'))}/versions/latest`, // an Agent Skill
      `/v0.1/servers/${enc(sv('acme', 'crm-sync'))}/versions/9.9.9`,
    ]) {
      const res = await get(p);
      assert.equal(res.status, 404, p);
      assert.equal(typeof res.body.error, 'string');
    }
    const made = await request(r.url, 'POST', '/-/api/v1/tokens', { token: alice, body: { name: 'mcp-client' } });
    assert.equal(made.status, 201);
    assert.equal((await get('/v0.1/servers', made.body.token)).status, 200);
    assert.ok((await request(r.url, 'DELETE', '/-/api/v1/tokens/mcp-client', { token: alice })).status < 300);
    assert.equal((await get('/v0.1/servers', made.body.token)).status, 401);
    assert.equal((await get('/v0.1/servers', 'aer_unknown')).status, 401);
  });

  it('answers the CORS preflight for anonymous GETs', async () => {
    const res = await fetch(`${r.url}/v0.1/servers`, {
      method: 'OPTIONS',
      headers: { origin: 'https://example.org', 'access-control-request-method': 'GET' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /GET/);
  });

  it('server names are the reverse-DNS host, the namespace, then the skill; and parse back', () => {
    const p = reverseDnsPrefix('https://registry.acme.dev');
    assert.equal(p, 'dev.acme.registry');
    assert.deepEqual(parseMcpServerName(p, 'dev.acme.registry.acme/crm-sync'), {
      kind: 'skill',
      namespace: 'acme',
      slug: 'crm-sync',
    });
    assert.deepEqual(parseMcpServerName(p, 'dev.acme.registry.acme.workspaces/sales'), {
      kind: 'workspace',
      namespace: 'acme',
      slug: 'sales',
    });
    for (const bad of [
      'dev.acme.registry/crm',
      'com.other.acme/crm',
      'dev.acme.registry.a.b.c/x',
      'dev.acme.registry.acme/a/b',
    ])
      assert.equal(parseMcpServerName(p, bad), null, bad);
    assert.equal(reverseDnsPrefix('http://127.0.0.1:4870'), '1.0.0.127');
  });
});
