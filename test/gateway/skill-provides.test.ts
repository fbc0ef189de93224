/**
 * What a skill provides, as `GET /-/api/v1/skills/@ns%2fskill/provides` answers it (issue 17): a
 * `type: "skill"`'s tool from aerostack.json; an MCP server's tools, unknown until the version first
 * runs in a workspace's sandbox (through the gateway, with the SDK's own Client) and kept from then
 * on, bounded against a hostile server; an Agent Skill's SKILL.md and files; the declared secrets
 * and hosts. The same read rule as the skill itself: a non-member gets the team's 403.
 */
import assert from 'node:assert/strict';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SkillProvides } from '@aerostack/contract/api.js';
import { request, signup } from '../helpers/api.js';
import {
  connectGateway,
  createWorkspace,
  mcpFolder,
  mustInstall,
  publishFolder,
  workspaceToken,
} from '../helpers/gateway.js';
import { PLAIN_MCP_SERVER } from '../helpers/plain-mcp-server.js';
import {
  agentSkillFolder,
  CRM_INPUT_SCHEMA,
  crmSkillFolder,
  plainMcpFolder,
  skillMdOf,
} from '../helpers/provided-skills.js';
import { databaseKind, startSecondInstance, startTestRegistry, type TestRegistry } from '../helpers/registry.js';

const WS = 'acme-main';

/** A server that lists one tool with a 40 KiB schema, a NUL in a description and 200 more tools. */
const HOSTILE_SERVER = PLAIN_MCP_SERVER.replace(
  'const tools = {',
  `const huge = { type: 'object', properties: {} };
for (let i = 0; i < 1000; i++) huge.properties['field_' + i] = { type: 'string', description: 'x'.repeat(30) };
const tools = {
  huge: { description: 'bad\\u0000desc \\ud800 end', inputSchema: huge, run: () => 'ok' },
  ...Object.fromEntries(Array.from({ length: 200 }, (_, i) => ['t' + i, { description: 'tool ' + i, inputSchema: { type: 'object' }, run: () => 'ok' }])),`,
);

describe(`skill provides: tools, SKILL.md, files, secrets and hosts per version (${databaseKind})`, function () {
  this.timeout(120_000);
  let r: TestRegistry;
  let acme: string;
  let mallory: string;
  let client: Client | undefined;

  const provides = (name: string, token?: string, version?: string) =>
    request(
      r.url,
      'GET',
      `/-/api/v1/skills/${name.replace('/', '%2f')}/provides${version ? `?version=${encodeURIComponent(version)}` : ''}`,
      token ? { token } : {},
    );
  const mustProvide = async (name: string, version?: string) => {
    const res = await provides(name, acme, version);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return SkillProvides.parse(res.body);
  };

  before(async () => {
    r = await startTestRegistry();
    acme = await signup(r.url, 'acme');
    mallory = await signup(r.url, 'mallory');
    await publishFolder(r.url, acme, '@acme/crm', '1.0.0', crmSkillFolder('@acme/crm', '1.0.0'));
    await publishFolder(r.url, acme, '@acme/plain-mcp', '1.0.0', plainMcpFolder('@acme/plain-mcp', '1.0.0'));
    await publishFolder(
      r.url,
      acme,
      '@acme/hostile-mcp',
      '1.0.0',
      mcpFolder('@acme/hostile-mcp', '1.0.0', HOSTILE_SERVER),
    );
    await publishFolder(r.url, acme, '@acme/pdf-forms', '1.0.0', agentSkillFolder('@acme/pdf-forms', '1.0.0'));
    await createWorkspace(r.url, acme, WS);
  });
  after(async () => {
    await client?.close();
    await r?.close();
  });

  it('a type "skill": its tool with description and input schema, its secrets, hosts and files', async () => {
    const p = await mustProvide('@acme/crm');
    assert.equal(p.type, 'skill');
    assert.equal(p.version, '1.0.0');
    assert.deepEqual(p.tools, [
      { name: 'lookup_contact', description: 'Look up a CRM contact: run it', inputSchema: CRM_INPUT_SCHEMA },
    ]);
    assert.deepEqual(p.env, [
      { name: 'CRM_API_KEY', description: 'API key of the CRM', required: true },
      { name: 'CRM_REGION', description: 'Data region', required: false },
    ]);
    assert.deepEqual(p.network, ['api.crm.acme.com:443']);
    assert.deepEqual([...p.files!].sort(), ['aerostack.json', 'index.js', 'package.json']);
    assert.equal(p.fileCount, 3);
    assert.equal(p.skillMd, null);
    // An exact version, and a spec that does not match, name the same way `install` would.
    assert.equal((await mustProvide('@acme/crm', '1.0.0')).version, '1.0.0');
    assert.equal((await provides('@acme/crm', acme, '2.0.0')).status, 404);
  });

  it('a non-member reading a team skill gets the same 403 as for the skill itself', async () => {
    const res = await provides('@acme/crm', mallory);
    assert.equal(res.status, 403);
    assert.deepEqual(res.body, { error: 'You are not a member of @acme' });
  });

  it('an MCP server: no tools until it runs in a workspace, then the tools its server listed, kept per version', async () => {
    const before = await mustProvide('@acme/plain-mcp');
    assert.equal(before.type, 'mcp');
    assert.equal(before.tools, null);
    assert.equal(before.toolsCapturedAt, null);
    assert.deepEqual([...before.files!].sort(), ['aerostack.json', 'package.json', 'server.js']);

    await mustInstall(r.url, acme, WS, '@acme/plain-mcp', '1.0.0');
    client = await connectGateway(r.url, WS, await workspaceToken(r.url, acme, WS, { name: 'CI' }));
    const { tools: listed } = await client.listTools();
    assert.deepEqual(
      listed.map((t) => t.name),
      ['plain-mcp__echo', 'plain-mcp__add'],
    );

    const after = await mustProvide('@acme/plain-mcp');
    assert.deepEqual(after.tools, [
      {
        name: 'echo',
        description: 'Echo a message back',
        inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
      },
      {
        name: 'add',
        description: 'Add two numbers',
        inputSchema: {
          type: 'object',
          properties: { a: { type: 'number' }, b: { type: 'number' } },
          required: ['a', 'b'],
        },
      },
    ]);
    assert.ok(after.toolsCapturedAt && Date.parse(after.toolsCapturedAt) > 0);
    assert.equal(after.toolsTruncated, false);

    // Another instance (its own processes) running the same version later leaves the first capture as it is.
    const other = await startSecondInstance(r);
    try {
      r.clock.advance(60_000);
      const c = await connectGateway(other.url, WS, await workspaceToken(r.url, acme, WS, { name: 'other-instance' }));
      assert.equal((await c.listTools()).tools.length, 2);
      await c.close();
    } finally {
      await other.close();
    }
    assert.equal((await mustProvide('@acme/plain-mcp')).toolsCapturedAt, after.toolsCapturedAt);
  });

  it("a hostile server's listing is kept bounded: too many tools, an oversized schema, unstorable text", async () => {
    await mustInstall(r.url, acme, WS, '@acme/hostile-mcp', '1.0.0');
    client ??= await connectGateway(r.url, WS, await workspaceToken(r.url, acme, WS, { name: 'CI-2' }));
    await client.listTools();
    const p = await mustProvide('@acme/hostile-mcp');
    assert.equal(p.toolsTruncated, true);
    assert.equal(p.tools!.length, 128, 'at most PROVIDES_LIMITS.maxTools');
    const huge = p.tools!.find((t) => t.name === 'huge')!;
    assert.equal(huge.inputSchema, null, 'a 40 KiB schema is not kept');
    assert.equal(huge.description, 'baddesc \ufffd end');
  });

  it('an Agent Skill: its SKILL.md as published and its files; no tools', async () => {
    const p = await mustProvide('@acme/pdf-forms');
    assert.equal(p.type, 'agent-skill');
    assert.equal(p.skillMd, skillMdOf('pdf-forms'));
    assert.deepEqual(p.tools, []);
    assert.deepEqual([...p.files!].sort(), [
      'SKILL.md',
      'aerostack.json',
      'package.json',
      'references/fields.md',
      'scripts/fill.py',
    ]);
    assert.deepEqual([p.env, p.network], [[], []]);
  });
});
