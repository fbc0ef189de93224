/**
 * The whole path of an MCP server with dependencies, as its author and a teammate live it:
 * `aerostack skill init --type mcp` (a server on the MCP SDK), `npm install`, `aerostack skill publish`
 * (which bundles node_modules), install into a workspace, then the SDK's own Client lists and calls
 * the scaffold's tool through the gateway, which runs the server in the bubblewrap sandbox with no
 * network and no `npm install`: everything it imports came in the tarball.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { request, signup } from '../helpers/api.js';
import { cliUser, type CliUser } from '../helpers/cli.js';
import { connectGateway, createWorkspace, mustInstall, resultText, workspaceToken } from '../helpers/gateway.js';
import { npmInstall } from '../helpers/npm-install.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';

const SKILL = '@acme/weather-mcp';

describe('gateway: a skill init --type mcp server, published with its dependencies bundled', function () {
  this.timeout(240_000);
  let r: TestRegistry;
  let acme: CliUser;
  let token: string;
  let work: string;
  let client: Client | undefined;

  before(async () => {
    r = await startTestRegistry();
    token = await signup(r.url, 'acme');
    acme = await cliUser(r.url);
    work = await mkdtemp(path.join(tmpdir(), 'aerostack-bundled-server-'));
  });
  after(async () => {
    await client?.close();
    await acme?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
    await r?.close();
  });

  it('init → npm install → publish → workspace install → tools/list and tools/call through the sandbox', async () => {
    const dir = path.join(work, 'weather-mcp');
    const env = { AEROSTACK_TOKEN: token };
    const init = await acme.run(['skill', 'init', dir, '--type', 'mcp'], { cwd: work, env });
    assert.equal(init.code, 0, init.stderr);
    await npmInstall(dir);
    const pub = await acme.json(['skill', 'publish', '--private', 'team'], { cwd: dir, env });
    assert.equal(pub.code, 0, pub.stderr);
    assert.equal(pub.body.name, SKILL);
    assert.ok(pub.body.bundled.some((p: { name: string }) => p.name === '@modelcontextprotocol/sdk'));

    await createWorkspace(r.url, token, 'acme-main');
    await mustInstall(r.url, token, 'acme-main', SKILL, '0.1.0');
    client = await connectGateway(r.url, 'acme-main', await workspaceToken(r.url, token, 'acme-main', { name: 'CI' }));

    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      ['weather-mcp__echo'],
    );
    assert.deepEqual(tools[0]!.inputSchema.required, ['message']);
    assert.deepEqual(tools[0]!.inputSchema.properties, { message: { type: 'string', description: 'What to echo' } });

    const echo = await client.callTool({ name: 'weather-mcp__echo', arguments: { message: 'from the sandbox' } });
    assert.equal(echo.isError, undefined, resultText(echo));
    assert.equal(resultText(echo), 'weather-mcp: from the sandbox');
    // The gateway checks arguments against the schema the server listed (made by zod, in the bundle).
    const bad = await client.callTool({ name: 'weather-mcp__echo', arguments: { message: 42 } });
    assert.equal(bad.isError, true);
    assert.match(resultText(bad), /Input validation error/);

    // And it really ran in bubblewrap, not unconfined.
    const ready = await request(r.url, 'GET', '/readyz');
    assert.deepEqual([ready.body.sandbox.mode, ready.body.sandbox.status], ['bwrap', 'ok']);
  });
});
