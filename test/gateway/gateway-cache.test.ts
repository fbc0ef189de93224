import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { request, signup } from '../helpers/api.js';
import {
  createWorkspace,
  mcpFolder,
  mustInstall,
  publishFolder,
  rawGatewayPost,
  skillFolder,
  uninstall,
  workspaceToken,
} from '../helpers/gateway.js';
import { startSecondInstance, startTestRegistry, type TestRegistry } from '../helpers/registry.js';

/**
 * The gateway answers from memory between changes: the caller a `mwt_` token stands for and the
 * caller's catalogue are reused under the change epoch (registry/db/change-epoch.ts). These ask
 * each question twice first, on two instances sharing one database, so both have it cached; then
 * change what it depends on — through the API on either instance, and by SQL behind the services'
 * back — and expect the very next request on both instances to see the change.
 */
describe('gateway cache: callers and catalogues from memory, never stale', function () {
  this.timeout(60_000);
  let r: TestRegistry;
  let other: Awaited<ReturnType<typeof startSecondInstance>>;
  let acme: string;
  let shared: string;
  const WS = 'acme-main';

  const post = (base: string, mwt: string, method: string, params?: unknown, ws = WS) =>
    rawGatewayPost(base, ws, mwt, { jsonrpc: '2.0', id: 1, method, ...(params ? { params } : {}) });
  /** tools/list on both instances, twice each (the second from the cache); all four must agree. */
  async function namesOnBoth(mwt: string, ws = WS): Promise<string[]> {
    const lists: string[][] = [];
    for (const base of [r.url, other.url]) {
      for (let i = 0; i < 2; i++) {
        const res = await post(base, mwt, 'tools/list', undefined, ws);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        lists.push((res.body.result.tools as Array<{ name: string }>).map((t) => t.name).sort());
      }
    }
    for (const l of lists.slice(1)) assert.deepEqual(l, lists[0], 'the same tools on both instances, cached or not');
    return lists[0]!;
  }
  /** A ping on both instances, twice each: the HTTP statuses (and the last refusal's message). */
  async function pingOnBoth(mwt: string): Promise<{ statuses: number[]; error?: string }> {
    const statuses: number[] = [];
    let error: string | undefined;
    for (const base of [r.url, other.url]) {
      for (let i = 0; i < 2; i++) {
        const res = await post(base, mwt, 'ping');
        statuses.push(res.status);
        if (res.status !== 200) error = res.body.error;
      }
    }
    return { statuses, error };
  }
  const userId = async (username: string) =>
    (await r.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id;

  before(async () => {
    r = await startTestRegistry();
    other = await startSecondInstance(r);
    acme = await signup(r.url, 'acme');
    const bob = await signup(r.url, 'bob');
    await signup(r.url, 'alice');
    await r.db
      .insertInto('memberships')
      .values({ namespace: 'acme', user_id: await userId('alice'), role: 'member', created_at: r.clock.now() })
      .execute();
    const run = (text: string) => `export default async () => ({ content: [{ type: 'text', text: '${text}' }] });\n`;
    await publishFolder(r.url, acme, '@acme/one', '1.0.0', skillFolder('@acme/one', '1.0.0', run('one')));
    await publishFolder(r.url, acme, '@acme/two', '1.0.0', skillFolder('@acme/two', '1.0.0', run('two')));
    await publishFolder(
      r.url,
      bob,
      '@bob/tools',
      '1.0.0',
      skillFolder('@bob/tools', '1.0.0', run('tools of bob')),
      'public',
    );
    await createWorkspace(r.url, acme, WS);
    await mustInstall(r.url, acme, WS, '@acme/one', '1.0.0');
    shared = await workspaceToken(r.url, acme, WS, { name: 'Shared' });
  });
  after(async () => {
    await other?.close();
    await r?.close();
  });

  it('a skill installed or uninstalled on either instance is in (or gone from) the next tools/list of both', async () => {
    assert.deepEqual(await namesOnBoth(shared), ['one__run']);
    await mustInstall(r.url, acme, WS, '@acme/two', '1.0.0');
    assert.deepEqual(await namesOnBoth(shared), ['one__run', 'two__run']);
    const called = await post(other.url, shared, 'tools/call', { name: 'two__run', arguments: {} });
    assert.equal(called.body.result.content[0].text, 'two');
    assert.equal((await uninstall(other.url, acme, WS, '@acme/two')).status, 200);
    assert.deepEqual(await namesOnBoth(shared), ['one__run']);
    for (const base of [r.url, other.url]) {
      const gone = await post(base, shared, 'tools/call', { name: 'two__run', arguments: {} });
      assert.match(JSON.stringify(gone.body), /Unknown tool: two__run/);
    }
  });

  it('a visibility switch or an unpublish behind the API is seen by the next tools/list of both instances', async () => {
    await mustInstall(r.url, acme, WS, '@bob/tools', '1.0.0');
    assert.deepEqual(await namesOnBoth(shared), ['one__run', 'tools__run']);
    // @bob's team skill is not for @acme's workspace: it drops out of the catalogue, and comes back.
    await r.db.updateTable('skills').set({ visibility: 'team' }).where('name', '=', '@bob/tools').execute();
    assert.deepEqual(await namesOnBoth(shared), ['one__run']);
    await r.db.updateTable('skills').set({ visibility: 'public' }).where('name', '=', '@bob/tools').execute();
    assert.deepEqual(await namesOnBoth(shared), ['one__run', 'tools__run']);

    const one = r.db.selectFrom('skills').select('id').where('name', '=', '@acme/one');
    await r.db
      .updateTable('skill_versions')
      .set({ unpublished_at: r.clock.now() })
      .where('skill_id', '=', one)
      .execute();
    assert.deepEqual(await namesOnBoth(shared), ['tools__run']);
    await r.db.updateTable('skill_versions').set({ unpublished_at: null }).where('skill_id', '=', one).execute();
    assert.deepEqual(await namesOnBoth(shared), ['one__run', 'tools__run']);
  });

  it('a member-bound token is refused by both instances on the next request once the member is removed, even behind the API', async () => {
    const t = await workspaceToken(r.url, acme, WS, { name: 'Alice editor', user: 'alice' });
    assert.deepEqual((await pingOnBoth(t)).statuses, [200, 200, 200, 200]);
    // Removed by SQL: the token itself stays active; only the membership check refuses it.
    await r.db
      .deleteFrom('memberships')
      .where('namespace', '=', 'acme')
      .where('user_id', '=', await userId('alice'))
      .execute();
    const refused = await pingOnBoth(t);
    assert.deepEqual(refused.statuses, [401, 401, 401, 401]);
    assert.match(refused.error!, /alice is no longer a member of @acme/);
    await r.db
      .insertInto('memberships')
      .values({ namespace: 'acme', user_id: await userId('alice'), role: 'member', created_at: r.clock.now() })
      .execute();
    assert.deepEqual((await pingOnBoth(t)).statuses, [200, 200, 200, 200]);
  });

  it('a token revoked on one instance, or moved to another workspace behind the API, is refused by both on the next request', async () => {
    const t = await workspaceToken(r.url, acme, WS, { name: 'Revoked soon' });
    assert.deepEqual((await pingOnBoth(t)).statuses, [200, 200, 200, 200]);
    assert.equal(
      (await request(other.url, 'DELETE', `/-/api/v1/workspaces/${WS}/tokens/Revoked%20soon`, { token: acme })).status,
      200,
    );
    const revoked = await pingOnBoth(t);
    assert.deepEqual(revoked.statuses, [401, 401, 401, 401]);
    assert.match(revoked.error!, /revoked/);

    // Behind the API: a token moved to another workspace answers only there.
    const u = await workspaceToken(r.url, acme, WS, { name: 'Moved' });
    assert.deepEqual((await pingOnBoth(u)).statuses, [200, 200, 200, 200]);
    await createWorkspace(r.url, acme, 'acme-elsewhere');
    const elsewhere = r.db.selectFrom('workspaces').select('id').where('slug', '=', 'acme-elsewhere');
    await r.db.updateTable('workspace_tokens').set({ workspace_id: elsewhere }).where('name', '=', 'Moved').execute();
    assert.deepEqual((await pingOnBoth(u)).statuses, [401, 401, 401, 401]);
  });

  it('a cached caller is refused once the clock passes its expiry, with no write in between', async () => {
    const t = await workspaceToken(r.url, acme, WS, { name: 'Expires', expiresInSeconds: 60 });
    assert.deepEqual((await pingOnBoth(t)).statuses, [200, 200, 200, 200]);
    r.clock.advance(61_000);
    const expired = await pingOnBoth(t);
    assert.deepEqual(expired.statuses, [401, 401, 401, 401]);
    assert.match(expired.error!, /expired/);
  });

  it('keeps last_used_at as fresh as before: written again once the cached caller is over a minute old', async () => {
    const t = await workspaceToken(r.url, acme, WS, { name: 'Used' });
    const lastUsed = async () =>
      (
        await r.db
          .selectFrom('workspace_tokens')
          .select('last_used_at')
          .where('name', '=', 'Used')
          .executeTakeFirstOrThrow()
      ).last_used_at;
    assert.equal((await post(r.url, t, 'ping')).status, 200);
    const first = await lastUsed();
    assert.ok(first);
    r.clock.advance(61_000);
    assert.equal((await post(r.url, t, 'ping')).status, 200);
    const second = await lastUsed();
    assert.ok(
      second && second.getTime() >= first.getTime() + 61_000,
      `${second?.toISOString()} after ${first.toISOString()}`,
    );
  });

  it('a skill whose tools could not be listed is tried again on the next request, not cached as missing', async () => {
    // A stdio MCP server whose first tools/list fails (a transient failure), and every later one works.
    const flaky = `import { createInterface } from 'node:readline';
let lists = 0;
const send = (m) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...m }) + '\\n');
createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line);
  if (msg.id === undefined) return;
  if (msg.method === 'initialize') return send({ id: msg.id, result: { protocolVersion: msg.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'flaky', version: '1.0.0' } } });
  if (msg.method === 'tools/list' && ++lists === 1) return send({ id: msg.id, error: { code: -32603, message: 'not ready yet' } });
  if (msg.method === 'tools/list') return send({ id: msg.id, result: { tools: [{ name: 'hello', inputSchema: { type: 'object' } }] } });
  if (msg.method === 'tools/call') return send({ id: msg.id, result: { content: [{ type: 'text', text: 'hello' }] } });
  send({ id: msg.id, result: {} });
});
`;
    await publishFolder(r.url, acme, '@acme/flaky', '1.0.0', mcpFolder('@acme/flaky', '1.0.0', flaky));
    await createWorkspace(r.url, acme, 'acme-flaky');
    await mustInstall(r.url, acme, 'acme-flaky', '@acme/one', '1.0.0');
    await mustInstall(r.url, acme, 'acme-flaky', '@acme/flaky', '1.0.0');
    const t = await workspaceToken(r.url, acme, 'acme-flaky', { name: 'Flaky' });
    const names = async () =>
      ((await post(r.url, t, 'tools/list', undefined, 'acme-flaky')).body.result.tools as Array<{ name: string }>)
        .map((x) => x.name)
        .sort();
    assert.deepEqual(await names(), ['one__run'], 'the failing skill is left out, the others are not');
    assert.deepEqual(await names(), ['flaky__hello', 'one__run']);
    assert.deepEqual(await names(), ['flaky__hello', 'one__run']);
    const called = await post(r.url, t, 'tools/call', { name: 'flaky__hello', arguments: {} }, 'acme-flaky');
    assert.equal(called.body.result.content[0].text, 'hello');
  });

  it('audit rows of tool calls are readable as soon as the call has returned, on this instance', async () => {
    const t = await workspaceToken(r.url, acme, WS, { name: 'Audited' });
    for (let i = 0; i < 3; i++)
      assert.equal((await post(r.url, t, 'tools/call', { name: 'one__run', arguments: {} })).status, 200);
    const res = await request(r.url, 'GET', `/-/api/v1/workspaces/${WS}/audit?user=Audited&action=tool_call`, {
      token: acme,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.events.map((e: { tool: string; status: string }) => [e.tool, e.status]),
      [
        ['one__run', 'ok'],
        ['one__run', 'ok'],
        ['one__run', 'ok'],
      ],
    );
    const rows = await sql<{ n: string }>`select count(*) as n from audit_events where actor = 'Audited'`.execute(r.db);
    assert.equal(Number(rows.rows[0]!.n), 3);
  });
});
