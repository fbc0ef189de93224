import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { scaffoldFiles } from 'aerostack/lib/scaffold.js';
import { publishBody, request, signup } from '../helpers/api.js';
import {
  connectGateway,
  createWorkspace,
  folderTarball,
  install,
  mcpFolder,
  median,
  mustInstall,
  publishFolder,
  rawGatewayPost,
  resultText,
  skillFolder,
  uninstall,
  workspaceToken,
} from '../helpers/gateway.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { PLAIN_MCP_SERVER } from '../helpers/plain-mcp-server.js';
import { addMember } from '../helpers/teams.js';

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const SECRET = 's3cr3t';

/** What the SDK's StreamableHTTPError looks like for a refused request: its code is the HTTP status. */
const http401 = (why: RegExp) => (err: { code?: number; message: string }) => {
  assert.equal(err.code, 401, err.message);
  assert.match(err.message, why);
  return true;
};

const names = async (c: Client) => (await c.listTools()).tools.map((t) => t.name).sort();

describe('gateway: MCP over Streamable HTTP, with the SDK’s own Client', function () {
  this.timeout(60_000);
  let r: TestRegistry;
  let acme: string;
  let bob: string;
  let shared: string; // a shared (not user-bound) mwt_ token of acme-main
  let client: Client;
  const clients: Client[] = [];
  const connect = async (ws: string, mwt: string, reg: TestRegistry = r) => {
    const c = await connectGateway(reg.url, ws, mwt);
    clients.push(c);
    return c;
  };

  before(async () => {
    // A secret in the registry's own environment: no skill may ever see it.
    process.env.AEROSTACK_TEST_SECRET = SECRET;
    r = await startTestRegistry();
    acme = await signup(r.url, 'acme');
    bob = await signup(r.url, 'bob');
    // The `skill init` templates, as published by a team: a plain skill and a stdio MCP server.
    await publishFolder(r.url, acme, '@acme/greet', '0.1.0', scaffoldFiles('skill', 'greet', '@acme/greet'));
    // The mcp template needs its node_modules installed (test/gateway/bundled-server.test.ts runs it
    // so); this is the same two tools with no dependency.
    await publishFolder(r.url, acme, '@acme/mathsrv', '0.1.0', mcpFolder('@acme/mathsrv', '0.1.0', PLAIN_MCP_SERVER));
    await createWorkspace(r.url, acme, 'acme-main');
    await mustInstall(r.url, acme, 'acme-main', '@acme/greet', '0.1.0');
    await mustInstall(r.url, acme, 'acme-main', '@acme/mathsrv', '0.1.0');
    shared = await workspaceToken(r.url, acme, 'acme-main', { name: 'Shared CI' });
    client = await connect('acme-main', shared);
  });
  after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await r?.close();
    delete process.env.AEROSTACK_TEST_SECRET;
  });

  it('lists every installed skill’s tools as <skill>__<tool> and calls each; ping works', async () => {
    await client.ping();
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['greet__greet', 'mathsrv__add', 'mathsrv__echo']);
    for (const t of tools) {
      assert.match(t.name, TOOL_NAME);
      assert.equal(t.inputSchema.type, 'object');
      assert.ok(t.description, `${t.name} has a description`);
    }
    const greet = await client.callTool({ name: 'greet__greet', arguments: { message: 'hi there' } });
    assert.equal(greet.isError, undefined);
    assert.equal(resultText(greet), 'greet: hi there');
    const add = await client.callTool({ name: 'mathsrv__add', arguments: { a: 2, b: 40 } });
    assert.equal(resultText(add), '42');
    const echo = await client.callTool({ name: 'mathsrv__echo', arguments: { message: 'over stdio' } });
    assert.equal(resultText(echo), 'over stdio');
    await assert.rejects(client.callTool({ name: 'nope__nothing', arguments: {} }), /Unknown tool: nope__nothing/);
    await client.ping();
  });

  it('shows a skill installed while the client stays connected on its next tools/list; an uninstalled one disappears', async () => {
    await publishFolder(
      r.url,
      acme,
      '@acme/late',
      '1.0.0',
      skillFolder(
        '@acme/late',
        '1.0.0',
        `export default async () => ({ content: [{ type: 'text', text: 'late but here' }] });\n`,
      ),
    );
    assert.ok(!(await names(client)).includes('late__run'));
    await mustInstall(r.url, acme, 'acme-main', '@acme/late', '1.0.0');
    assert.deepEqual(await names(client), ['greet__greet', 'late__run', 'mathsrv__add', 'mathsrv__echo']);
    assert.equal(resultText(await client.callTool({ name: 'late__run', arguments: {} })), 'late but here');
    assert.equal((await uninstall(r.url, acme, 'acme-main', '@acme/late')).status, 200);
    assert.deepEqual(await names(client), ['greet__greet', 'mathsrv__add', 'mathsrv__echo']);
    await assert.rejects(client.callTool({ name: 'late__run', arguments: {} }), /Unknown tool: late__run/);
  });

  const ping = (mwt: string | null, ws = 'acme-main') => rawGatewayPost(r.url, ws, mwt);
  const refused = async (mwt: string | null, why: RegExp, ws = 'acme-main') => {
    const res = await ping(mwt, ws);
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.match(res.body.error, why);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
  };

  it('refuses with 401: no token, a bad token, a user token', async () => {
    assert.equal((await ping(shared)).status, 200);
    await refused(null, /Authorization: Bearer mwt_/);
    await refused('mwt_not-a-real-token', /This workspace token is unknown/);
    await refused(shared.slice(0, -1) + (shared.endsWith('A') ? 'B' : 'A'), /This workspace token is unknown/);
    await refused(acme, /This workspace token is unknown/); // an aer_ user token is not a workspace token
    await assert.rejects(connectGateway(r.url, 'acme-main', 'mwt_bogus'), http401(/This workspace token is unknown/));
  });

  it('refuses with 401: an expired token', async () => {
    const t = await workspaceToken(r.url, acme, 'acme-main', { name: 'Short lived', expiresInSeconds: 60 });
    assert.equal((await ping(t)).status, 200);
    r.clock.advance(61_000);
    await refused(t, /expired/);
    await assert.rejects(connectGateway(r.url, 'acme-main', t), http401(/expired/));
  });

  it('refuses with 401: a revoked token, at once, even for a client that is already connected', async () => {
    const t = await workspaceToken(r.url, acme, 'acme-main', { name: 'Soon revoked' });
    const c = await connect('acme-main', t);
    assert.equal((await c.listTools()).tools.length, 3);
    assert.equal(
      (await request(r.url, 'DELETE', '/-/api/v1/workspaces/acme-main/tokens/Soon%20revoked', { token: acme })).status,
      200,
    );
    await refused(t, /revoked/);
    await assert.rejects(c.listTools(), http401(/revoked/));
  });

  it('refuses with 401: a token of another workspace', async () => {
    await createWorkspace(r.url, acme, 'acme-other');
    const other = await workspaceToken(r.url, acme, 'acme-other', { name: 'Other' });
    assert.equal((await ping(other, 'acme-other')).status, 200);
    await refused(other, /This workspace token is unknown/);
    await refused(shared, /This workspace token is unknown/, 'acme-other');
    await refused(shared, /This workspace token is unknown/, 'no-such-workspace');
  });

  it('refuses with 401: a token bound to a member who was removed from the team (removal revokes it)', async () => {
    await signup(r.url, 'alice');
    await addMember(r, 'acme', 'alice');
    const t = await workspaceToken(r.url, acme, 'acme-main', { name: 'Alice Cursor', user: 'alice' });
    const c = await connect('acme-main', t);
    assert.equal(
      resultText(await c.callTool({ name: 'greet__greet', arguments: { message: 'from alice' } })),
      'greet: from alice',
    );
    const removed = await request(r.url, 'DELETE', '/-/api/v1/teams/acme/members/alice', { token: acme });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    await refused(t, /revoked|no longer a member/);
    await assert.rejects(c.listTools(), http401(/revoked/));
    const list = await request(r.url, 'GET', '/-/api/v1/workspaces/acme-main/tokens', { token: acme });
    assert.equal(list.body.tokens.find((x: { name: string }) => x.name === 'Alice Cursor').status, 'revoked');
    // Letting her back in does not bring the old token back.
    await addMember(r, 'acme', 'alice');
    await refused(t, /revoked/);
    // The shared token was never bound to her and keeps working.
    assert.equal((await ping(shared)).status, 200);
  });

  it('names same-slug skills of different namespaces distinctly and deterministically, dropping neither', async () => {
    const tools = (owner: string) =>
      skillFolder(
        `@${owner}/tools`,
        '1.0.0',
        `export default async () => ({ content: [{ type: 'text', text: 'tools of ${owner}' }] });\n`,
      );
    await publishFolder(r.url, acme, '@acme/tools', '1.0.0', tools('acme'), 'public');
    await publishFolder(r.url, bob, '@bob/tools', '1.0.0', tools('bob'), 'public');
    const seen: string[][] = [];
    for (const [ws, order] of [
      ['collide-a', ['@acme/tools', '@bob/tools']],
      ['collide-b', ['@bob/tools', '@acme/tools']],
    ] as const) {
      await createWorkspace(r.url, acme, ws);
      for (const s of order) await mustInstall(r.url, acme, ws, s, '1.0.0');
      const c = await connect(ws, await workspaceToken(r.url, acme, ws, { name: 'T' }));
      const list = await names(c);
      assert.equal(list.length, 2, `both kept: ${list.join(', ')}`);
      assert.equal(new Set(list).size, 2);
      for (const n of list) assert.match(n, TOOL_NAME);
      assert.deepEqual(list, await names(c), 'stable from one request to the next');
      const texts = await Promise.all(list.map(async (n) => resultText(await c.callTool({ name: n, arguments: {} }))));
      assert.deepEqual(texts.sort(), ['tools of acme', 'tools of bob']);
      seen.push(list);
    }
    assert.deepEqual(seen[0], seen[1], 'the names do not depend on install order');
    assert.deepEqual(seen[0], ['bob_tools__run', 'tools__run']);
  });

  it('holds only skills the namespace’s members may read (403 otherwise, with a clear message)', async () => {
    await publishFolder(
      r.url,
      acme,
      '@acme/diary',
      '1.0.0',
      skillFolder(
        '@acme/diary',
        '1.0.0',
        `export default async () => ({ content: [{ type: 'text', text: 'dear diary' }] });\n`,
      ),
      'private',
    );
    await publishFolder(
      r.url,
      bob,
      '@bob/internal',
      '1.0.0',
      skillFolder(
        '@bob/internal',
        '1.0.0',
        `export default async () => ({ content: [{ type: 'text', text: 'bob only' }] });\n`,
      ),
      'team',
    );

    const priv = await install(r.url, acme, 'acme-main', '@acme/diary', '1.0.0');
    assert.equal(priv.status, 403);
    assert.equal(priv.body.error, '@acme/diary is private; a workspace can hold only skills its team may read');

    const foreign = await install(r.url, acme, 'acme-main', '@bob/internal', '1.0.0');
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.error, 'You are not a member of @bob');

    // Even someone in both teams cannot move @bob's team skill into @acme's workspace.
    await addMember(r, 'bob', 'acme');
    const both = await install(r.url, acme, 'acme-main', '@bob/internal', '1.0.0');
    assert.equal(both.status, 403);
    assert.equal(
      both.body.error,
      '@bob/internal is shared with the @bob team only; workspace acme-main belongs to @acme',
    );

    assert.deepEqual(await names(client), ['greet__greet', 'mathsrv__add', 'mathsrv__echo']);
  });

  it('audits installs and tool calls (who, skill, tool, duration, status; never arguments or results), newest first; the log is append-only', async () => {
    await signup(r.url, 'carol');
    await addMember(r, 'acme', 'carol');
    const t = await workspaceToken(r.url, acme, 'acme-main', { name: 'Carol laptop', user: 'carol' });
    const c = await connect('acme-main', t);
    const marker = 'ZEBRA-7f3a-do-not-log';
    assert.equal(
      resultText(await c.callTool({ name: 'greet__greet', arguments: { message: marker } })),
      `greet: ${marker}`,
    );
    assert.equal(
      resultText(await c.callTool({ name: 'mathsrv__add', arguments: { a: 1234567, b: 7654321 } })),
      '8888888',
    );

    const audit = async (q: string) => {
      const res = await request(r.url, 'GET', `/-/api/v1/workspaces/acme-main/audit${q}`, { token: acme });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.events as Array<{
        at: string;
        user: string;
        action: string;
        skill: string | null;
        tool: string | null;
        status: string | null;
        durationMs: number | null;
        detail: string | null;
      }>;
    };
    const newestFirst = (events: Array<{ at: string }>) => {
      for (let i = 1; i < events.length; i++)
        assert.ok(events[i - 1]!.at >= events[i]!.at, `${events[i - 1]!.at} before ${events[i]!.at}`);
    };

    const all = await audit('');
    newestFirst(all);
    const everything = JSON.stringify(all);
    assert.ok(!everything.includes(marker), 'no arguments or results in the audit log');
    assert.ok(
      !everything.includes('8888888') && !everything.includes('1234567'),
      'no arguments or results in the audit log',
    );

    const carols = await audit('?user=carol');
    assert.deepEqual(
      carols.map((e) => [e.user, e.action, e.skill, e.tool, e.status]),
      [
        ['carol@acme', 'tool_call', '@acme/mathsrv', 'mathsrv__add', 'ok'],
        ['carol@acme', 'tool_call', '@acme/greet', 'greet__greet', 'ok'],
      ],
    );
    for (const e of carols) assert.ok(Number.isInteger(e.durationMs) && e.durationMs! >= 0, `duration ${e.durationMs}`);

    const greet = await audit('?skill=@acme/greet');
    newestFirst(greet);
    assert.ok(greet.length >= 4);
    assert.ok(greet.every((e) => e.skill === '@acme/greet'));
    assert.equal(greet.at(-1)!.action, 'install');
    assert.equal(greet.at(-1)!.user, 'acme@acme');
    assert.equal(greet.at(-1)!.detail, '@acme/greet@0.1.0');
    assert.deepEqual(await audit('?skill=greet'), greet, 'the bare slug finds the same rows');

    const installs = await audit('?action=install');
    assert.ok(installs.every((e) => e.action === 'install'));
    assert.deepEqual(
      installs.map((e) => e.skill),
      ['@acme/late', '@acme/mathsrv', '@acme/greet'],
    );
    assert.deepEqual(
      (await audit('?action=uninstall')).map((e) => e.skill),
      ['@acme/late'],
    );
    assert.deepEqual(
      (await audit('?user=alice&action=tool_call')).map((e) => [e.user, e.tool]),
      [['alice@acme', 'greet__greet']],
    );
    assert.deepEqual(
      (await audit('?action=member_removed')).map((e) => e.detail),
      ['alice@example.com'],
    );
    assert.deepEqual(
      (await audit('?action=token_revoked')).map((e) => e.detail),
      ['Soon revoked'],
    );
    assert.equal((await audit('?action=tool_call&limit=1')).length, 1);
    assert.equal(
      (await request(r.url, 'GET', '/-/api/v1/workspaces/acme-main/audit?action=frobnicate', { token: acme })).status,
      400,
    );

    const count = async () =>
      Number(
        (
          await r.db
            .selectFrom('audit_events')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    await assert.rejects(
      sql`UPDATE audit_events SET actor = 'mallory', detail = 'rewritten'`.execute(r.db),
      /append-only/,
    );
    await assert.rejects(sql`DELETE FROM audit_events`.execute(r.db), /append-only/);
    await assert.rejects(
      r.db.updateTable('audit_events').set({ status: 'ok' }).where('action', '=', 'tool_call').execute(),
      /append-only/,
    );
    assert.equal(await count(), before);
    assert.equal((await audit('?user=mallory')).length, 0);
  });

  it('measures the gateway’s added latency per tools/call and tools/list with 20 skills (printed, not asserted)', async () => {
    // Direct: the same skill's default export, imported in-process.
    const files = scaffoldFiles('skill', 'greet', '@acme/greet');
    const dir = await mkdtemp(path.join(tmpdir(), 'aerostack-direct-'));
    const direct: number[] = [];
    try {
      await writeFile(path.join(dir, 'package.json'), files['package.json']!);
      await writeFile(path.join(dir, 'index.js'), files['index.js']!);
      const fn = (await import(pathToFileURL(path.join(dir, 'index.js')).href)).default as (
        i: unknown,
        c: unknown,
      ) => Promise<unknown>;
      for (let i = 0; i < 60; i++) {
        const t0 = performance.now();
        await fn({ message: 'ping' }, {});
        if (i >= 10) direct.push(performance.now() - t0);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // Through the gateway: warm child (already started by earlier calls), ~50 timed calls. Each
    // series has its own token, so the per-token rate limit (120/min) is not what is measured.
    const perfClient = async (name: string) =>
      connect('acme-main', await workspaceToken(r.url, acme, 'acme-main', { name }));
    const caller = await perfClient('Perf calls');
    const pinger = await perfClient('Perf pings');
    const through: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t0 = performance.now();
      const res = await caller.callTool({ name: 'greet__greet', arguments: { message: 'ping' } });
      if (i >= 10) through.push(performance.now() - t0);
      assert.equal(resultText(res), 'greet: ping');
    }

    // For scale: a bare ping (authentication + MCP server + transport, no skill, no catalogue).
    const pings: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t0 = performance.now();
      await pinger.ping();
      if (i >= 10) pings.push(performance.now() - t0);
    }

    // tools/list with 20 skills installed.
    await createWorkspace(r.url, acme, 'acme-bench');
    for (let i = 1; i <= 20; i++) {
      const name = `@acme/bench-${String(i).padStart(2, '0')}`;
      await publishFolder(
        r.url,
        acme,
        name,
        '1.0.0',
        skillFolder(name, '1.0.0', `export default async () => ({ content: [{ type: 'text', text: '${i}' }] });\n`),
      );
      await mustInstall(r.url, acme, 'acme-bench', name, '1.0.0');
    }
    const bench = await connect('acme-bench', await workspaceToken(r.url, acme, 'acme-bench', { name: 'Bench' }));
    const listTimes: number[] = [];
    for (let i = 0; i < 12; i++) {
      const t0 = performance.now();
      const { tools } = await bench.listTools();
      if (i >= 2) listTimes.push(performance.now() - t0);
      assert.equal(tools.length, 20);
    }
    const d = median(direct);
    const g = median(through);
    console.log(
      `      [gateway perf] tools/call warm, median of ${through.length}: ${g.toFixed(2)} ms through the gateway, ` +
        `${(d * 1000).toFixed(1)} µs direct in-process → added ≈ ${(g - d).toFixed(2)} ms per call ` +
        `(p90 ${[...through].sort((a, b) => a - b)[Math.floor(through.length * 0.9)]!.toFixed(2)} ms)`,
    );
    console.log(
      `      [gateway perf] ping (auth + transport only), median of ${pings.length}: ${median(pings).toFixed(2)} ms`,
    );
    console.log(
      `      [gateway perf] tools/list with 20 skills installed, median of ${listTimes.length}: ${median(listTimes).toFixed(2)} ms`,
    );
  });
});

describe('gateway: hostile skills are contained', function () {
  this.timeout(60_000);
  let r: TestRegistry;
  let acme: string;
  let client: Client;

  const hostile: Record<string, string> = {
    snoop: `import { readFileSync } from 'node:fs';\nexport default async () => ({ content: [{ type: 'text', text: readFileSync('/etc/passwd', 'utf8') }] });\n`,
    leak: `export default async () => ({ content: [{ type: 'text', text: JSON.stringify(process.env) }] });\n`,
    spin: `const started = Math.random().toString(36).slice(2);\nexport default async ({ spin }) => {\n  if (spin) for (;;) {}\n  return { content: [{ type: 'text', text: 'awake ' + started }] };\n};\n`,
    crash: `const started = Math.random().toString(36).slice(2);\nexport default async ({ crash }) => {\n  if (crash) {\n    console.error('giving up: the CRM is down');\n    process.exit(1);\n  }\n  return { content: [{ type: 'text', text: 'alive ' + started }] };\n};\n`,
    // 50 MB on stdout, the MCP channel (retrying while the non-blocking pipe is full).
    flood: `import { writeSync } from 'node:fs';\nexport default async () => {\n  const mb = 'x'.repeat(1024 * 1024);\n  for (let i = 0; i < 50; i++) for (let off = 0; off < mb.length; ) { try { off += writeSync(1, mb.slice(off)); } catch (e) { if (e.code !== 'EAGAIN') throw e; } }\n  return { content: [{ type: 'text', text: 'done' }] };\n};\n`,
  };
  /** Fails while loading: what it printed and threw reaches the caller. */
  const broken = `console.error('loading the broken skill');\nthrow new Error('boom at import');\n`;
  // A stdio MCP server that answers the handshake, then misbehaves on demand: `spew` prints 50 MB to
  // stdout (1 MB at a time, never a newline), `hang` never answers, `hello` answers with its start id.
  const rogueServer = `import { createInterface } from 'node:readline';
const started = Math.random().toString(36).slice(2);
const send = (m) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...m }) + '\\n');
const tools = ['spew', 'hang', 'hello'].map((name) => ({ name, inputSchema: { type: 'object' } }));
// A schema the gateway cannot check in linear time (a backreference).
tools.push({ name: 'picky', inputSchema: { type: 'object', properties: { s: { type: 'string', pattern: '^(a+)\\\\1$' } } } });
createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line);
  if (msg.id === undefined) return;
  if (msg.method === 'initialize') return send({ id: msg.id, result: { protocolVersion: msg.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'rogue', version: '1.0.0' } } });
  if (msg.method === 'tools/list') return send({ id: msg.id, result: { tools } });
  if (msg.method === 'tools/call' && msg.params.name === 'spew') {
    const mb = 'z'.repeat(1024 * 1024);
    for (let i = 0; i < 50; i++) process.stdout.write(mb);
    return;
  }
  if (msg.method === 'tools/call' && msg.params.name === 'hang') for (;;) {}
  if (msg.method === 'tools/call') return send({ id: msg.id, result: { content: [{ type: 'text', text: 'hello ' + started }] } });
  send({ id: msg.id, result: {} });
});
`;

  before(async () => {
    process.env.AEROSTACK_TEST_SECRET = SECRET;
    r = await startTestRegistry({ env: { AEROSTACK_SKILL_TIMEOUT_MS: '1500' } });
    acme = await signup(r.url, 'acme');
    await createWorkspace(r.url, acme, 'wild');
    await publishFolder(r.url, acme, '@acme/greet', '0.1.0', scaffoldFiles('skill', 'greet', '@acme/greet'));
    await mustInstall(r.url, acme, 'wild', '@acme/greet', '0.1.0');
    for (const [slug, source] of Object.entries(hostile)) {
      await publishFolder(r.url, acme, `@acme/${slug}`, '1.0.0', skillFolder(`@acme/${slug}`, '1.0.0', source));
      await mustInstall(r.url, acme, 'wild', `@acme/${slug}`, '1.0.0');
    }
    await publishFolder(r.url, acme, '@acme/broken', '1.0.0', skillFolder('@acme/broken', '1.0.0', broken));
    await mustInstall(r.url, acme, 'wild', '@acme/broken', '1.0.0');
    await publishFolder(r.url, acme, '@acme/rogue', '1.0.0', mcpFolder('@acme/rogue', '1.0.0', rogueServer));
    await mustInstall(r.url, acme, 'wild', '@acme/rogue', '1.0.0');
    client = await connectGateway(r.url, 'wild', await workspaceToken(r.url, acme, 'wild', { name: 'Wild' }));
  });
  after(async () => {
    await client?.close().catch(() => {});
    await r?.close();
    delete process.env.AEROSTACK_TEST_SECRET;
  });

  /** The gateway is still healthy: a good skill answers and /healthz is 200. */
  const stillHealthy = async () => {
    assert.equal(
      resultText(await client.callTool({ name: 'greet__greet', arguments: { message: 'still here' } })),
      'greet: still here',
    );
    assert.equal((await fetch(`${r.url}/healthz`)).status, 200);
  };
  const failsAlone = async (name: string, args: Record<string, unknown> = {}) => {
    const res = await client.callTool({ name, arguments: args });
    assert.equal(res.isError, true, `${name} should fail: ${resultText(res).slice(0, 200)}`);
    await stillHealthy();
    return resultText(res);
  };

  it('lists every hostile tool', async () => {
    assert.deepEqual(await names(client), [
      'broken__run',
      'crash__run',
      'flood__run',
      'greet__greet',
      'leak__run',
      'rogue__hang',
      'rogue__hello',
      'rogue__picky',
      'rogue__spew',
      'snoop__run',
      'spin__run',
    ]);
  });

  it('a skill cannot read outside its own folder', async () => {
    const text = await failsAlone('snoop__run');
    assert.match(text, /^snoop__run failed: .*(Access to this API has been restricted|ERR_ACCESS_DENIED|permission)/is);
    assert.ok(!text.includes('root:'), text);
  });

  it('a skill sees a clean environment: no server secret', async () => {
    const res = await client.callTool({ name: 'leak__run', arguments: {} });
    const text = resultText(res);
    assert.ok(!text.includes(SECRET), text);
    assert.ok(!text.includes('AEROSTACK_'), text);
    // The sandbox's own environment (bwrap adds PWD for the working directory), nothing else.
    const keys = Object.keys(JSON.parse(text) as object).sort();
    assert.deepEqual(
      keys.filter((k) => k !== 'PWD'),
      ['HOME', 'LANG', 'NODE_ENV', 'PATH', 'TZ'],
    );
    assert.equal(process.env.AEROSTACK_TEST_SECRET, SECRET, 'the secret was set in the registry process');
    await stillHealthy();
  });

  it('an endless loop is cut at the time limit; the very next call gets a fresh process', async () => {
    const before = resultText(await client.callTool({ name: 'spin__run', arguments: {} }));
    const t0 = performance.now();
    const hung = await client.callTool({ name: 'spin__run', arguments: { spin: true } });
    assert.ok(performance.now() - t0 < 10_000);
    assert.equal(hung.isError, true);
    assert.match(resultText(hung), /^spin__run failed: The skill did not answer within 1500 ms/);
    // At once, with nothing in between: the hung process is being killed; this call must not land on it.
    const next = await client.callTool({ name: 'spin__run', arguments: {} });
    assert.equal(next.isError, undefined, resultText(next));
    assert.match(resultText(next), /^awake \w+$/);
    assert.notEqual(resultText(next), before, 'a new process');
    await stillHealthy();
    assert.match(await failsAlone('spin__run', { spin: true }), /did not answer within 1500 ms/);
  });

  it('an MCP server that hangs is cut at the time limit; the very next call gets a fresh server', async () => {
    const before = resultText(await client.callTool({ name: 'rogue__hello', arguments: {} }));
    const hung = await client.callTool({ name: 'rogue__hang', arguments: {} });
    assert.equal(hung.isError, true);
    assert.match(resultText(hung), /^rogue__hang failed: The skill did not answer within 1500 ms/);
    const next = await client.callTool({ name: 'rogue__hello', arguments: {} });
    assert.equal(next.isError, undefined, resultText(next));
    assert.match(resultText(next), /^hello \w+$/);
    assert.notEqual(resultText(next), before, 'a new server');
    await stillHealthy();
  });

  it('a skill that fails to load says why: the end of its stderr is in the error', async () => {
    const text = await failsAlone('broken__run');
    assert.match(
      text,
      /^broken__run failed: The skill did not start: the process exited with code 1\. Its last output on stderr:\nloading the broken skill\n/,
    );
    assert.match(text, /Error: boom at import/);
    assert.ok(Buffer.byteLength(text) < 4096 + 200, 'at most the last 4 KB of stderr');
  });

  it('process.exit mid-call fails that call only; the next call runs in a restarted process', async () => {
    const first = resultText(await client.callTool({ name: 'crash__run', arguments: {} }));
    assert.match(first, /^alive \w+$/);
    const text = await failsAlone('crash__run', { crash: true });
    // What it printed on stderr before dying is the reason the caller sees.
    assert.equal(
      text,
      'crash__run failed: The skill process exited with code 1 during the call. Its last output on stderr:\ngiving up: the CRM is down',
    );
    const again = await client.callTool({ name: 'crash__run', arguments: {} });
    assert.equal(again.isError, undefined);
    assert.match(resultText(again), /^alive \w+$/);
    assert.notEqual(resultText(again), first, 'a new process');
  });

  it('50 MB printed on stdout (the MCP channel) is refused as too large', async () => {
    const text = await failsAlone('flood__run');
    // It printed 50 MB on stdout (the MCP channel) before returning: that message alone kills it.
    assert.match(text, /^flood__run failed: The skill sent a message larger than \d+ bytes/);
    assert.ok(text.length < 1000);
  });

  it('an MCP server that prints 50 MB to stdout is refused as too large; the next call gets a fresh server', async () => {
    const res = await client.callTool({ name: 'rogue__spew', arguments: {} });
    assert.equal(res.isError, true);
    const text = resultText(res);
    assert.match(text, /^rogue__spew failed: The skill sent a message larger than \d+ bytes/);
    assert.ok(text.length < 1000);
    const next = await client.callTool({ name: 'rogue__hello', arguments: {} });
    assert.equal(next.isError, undefined, resultText(next));
    await stillHealthy();
  });

  it('an MCP server’s tool whose input schema cannot be checked safely is listed, and its calls are refused', async () => {
    const res = await client.callTool({ name: 'rogue__picky', arguments: { s: 'aa' } });
    assert.equal(res.isError, true);
    assert.match(
      resultText(res),
      /^MCP error -32602: Input validation error: Invalid arguments for tool rogue__picky: the tool's input schema cannot be used \(it has a pattern ".*" that cannot be checked in linear time/,
    );
    await stillHealthy();
  });

  it('an MCP skill whose command is not node is refused at publish with a clear message', async () => {
    const res = await request(r.url, 'PUT', '/@acme%2fpyserver', {
      token: acme,
      body: publishBody(
        '@acme/pyserver',
        '1.0.0',
        folderTarball(mcpFolder('@acme/pyserver', '1.0.0', '', { command: 'python3', args: ['server.py'] })),
      ),
    });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(
      res.body.error,
      'Invalid aerostack.json: command must be "node": the gateway runs Node stdio servers, with the server file first in args',
    );
    assert.ok(!(await names(client)).some((n) => n.startsWith('pyserver')));
    await stillHealthy();
  });

  it('records how each hostile call ended in the audit log', async () => {
    const res = await request(r.url, 'GET', '/-/api/v1/workspaces/wild/audit?action=tool_call&limit=1000', {
      token: acme,
    });
    const byTool = new Map<string, Set<string>>();
    for (const e of res.body.events as Array<{ tool: string; status: string }>)
      byTool.set(e.tool, (byTool.get(e.tool) ?? new Set()).add(e.status));
    assert.deepEqual([...byTool.get('spin__run')!].sort(), ['ok', 'timeout']);
    assert.deepEqual([...byTool.get('rogue__hang')!], ['timeout']);
    assert.deepEqual([...byTool.get('rogue__spew')!], ['too_large']);
    assert.deepEqual([...byTool.get('rogue__hello')!], ['ok']);
    assert.deepEqual([...byTool.get('crash__run')!].sort(), ['crashed', 'ok']);
    assert.deepEqual([...byTool.get('flood__run')!], ['too_large']);
    assert.deepEqual([...byTool.get('snoop__run')!], ['error']);
    assert.deepEqual([...byTool.get('greet__greet')!], ['ok']);
    assert.deepEqual([...byTool.get('broken__run')!], ['crashed']);
  });
});

describe('gateway: rate limit', function () {
  this.timeout(60_000);
  let r: TestRegistry;
  after(async () => {
    await r?.close();
  });

  it('answers the 6th request within a minute with 429 and Retry-After when the limit is 5; other tokens are unaffected', async () => {
    r = await startTestRegistry({ env: { AEROSTACK_GATEWAY_RATE_LIMIT: '5' } });
    const acme = await signup(r.url, 'acme');
    await createWorkspace(r.url, acme, 'calm');
    const t = await workspaceToken(r.url, acme, 'calm', { name: 'One' });
    const other = await workspaceToken(r.url, acme, 'calm', { name: 'Two' });
    for (let i = 1; i <= 5; i++)
      assert.equal(
        (await rawGatewayPost(r.url, 'calm', t, { jsonrpc: '2.0', id: i, method: 'tools/list' })).status,
        200,
        `request ${i}`,
      );
    const sixth = await rawGatewayPost(r.url, 'calm', t, { jsonrpc: '2.0', id: 6, method: 'tools/list' });
    assert.equal(sixth.status, 429);
    const retry = Number(sixth.headers.get('retry-after'));
    assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After: ${sixth.headers.get('retry-after')}`);
    assert.match(sixth.body.error, /Rate limit of 5 requests per minute exceeded/);
    assert.equal((await rawGatewayPost(r.url, 'calm', other)).status, 200, 'the limit is per token');
    // The SDK's Client sees the refusal as an HTTP 429 error.
    await assert.rejects(
      connectGateway(r.url, 'calm', t),
      (err: { code?: number; message: string }) => err.code === 429 && /Rate limit of 5/.test(err.message),
    );
  });
});
