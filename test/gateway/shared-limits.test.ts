import assert from 'node:assert/strict';
import { request, signup } from '../helpers/api.js';
import { createWorkspace, gatewayUrl, workspaceToken } from '../helpers/gateway.js';
import {
  databaseKind,
  startSecondInstance,
  startTestRegistry,
  TEST_DATABASE_URL,
  type TestRegistry,
} from '../helpers/registry.js';

/**
 * The gateway's limits (issue 14): per token (AEROSTACK_GATEWAY_RATE_LIMIT), per workspace
 * (AEROSTACK_GATEWAY_WORKSPACE_RATE_LIMIT, so more tokens buy nothing), failed authentications per
 * client address (AEROSTACK_GATEWAY_AUTH_FAILURES); and, on Postgres, one count for every instance.
 */

/** A raw MCP ping to the gateway, from `from` (X-Forwarded-For, trusted from loopback) when given. */
async function ping(base: string, ws: string, mwt: string, from?: string) {
  const res = await fetch(gatewayUrl(base, ws), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${mwt}`,
      ...(from ? { 'x-forwarded-for': from } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // an event stream
  }
  return { status: res.status, headers: res.headers, body };
}

function assertRetryAfter(res: { status: number; headers: Headers; body: any }, error: RegExp): void {
  assert.equal(res.status, 429, JSON.stringify(res.body));
  const retry = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After: ${res.headers.get('retry-after')}`);
  assert.match(res.body.error, error);
}

describe('gateway limits: per workspace and failed authentications per address', function () {
  this.timeout(60_000);
  let r: TestRegistry;
  let acme: string;
  before(async () => {
    r = await startTestRegistry({
      env: { AEROSTACK_GATEWAY_WORKSPACE_RATE_LIMIT: '5', AEROSTACK_GATEWAY_AUTH_FAILURES: '3' },
    });
    acme = await signup(r.url, 'acme');
    await createWorkspace(r.url, acme, 'calm');
    await createWorkspace(r.url, acme, 'other');
  });
  after(() => r?.close());

  it('a workspace takes 5 requests a minute however many tokens ask; another workspace is counted apart', async () => {
    const tokens = [];
    for (const name of ['One', 'Two', 'Three']) tokens.push(await workspaceToken(r.url, acme, 'calm', { name }));
    const answers = [];
    for (let i = 0; i < 9; i++) answers.push(await ping(r.url, 'calm', tokens[i % 3]!));
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200, 200, 200, 200, 429, 429, 429, 429],
    );
    assertRetryAfter(answers[5]!, /^Workspace calm's rate limit of 5 requests per minute exceeded; retry in \d+s$/);
    const elsewhere = await workspaceToken(r.url, acme, 'other', { name: 'Elsewhere' });
    assert.equal((await ping(r.url, 'other', elsewhere)).status, 200);
  });

  it('3 refused tokens from one address, then 429 with Retry-After; a good token from it still works, other addresses are not held', async () => {
    const revoked = await workspaceToken(r.url, acme, 'other', { name: 'Gone' });
    assert.equal(
      (await request(r.url, 'DELETE', '/-/api/v1/workspaces/other/tokens/Gone', { token: acme })).status,
      200,
    );
    const from = '198.51.100.23';
    for (const bad of ['mwt_unknown1', revoked, 'mwt_unknown2'])
      assert.equal((await ping(r.url, 'other', bad, from)).status, 401);
    assertRetryAfter(
      await ping(r.url, 'other', 'mwt_unknown3', from),
      /^Too many failed authentications from your address; try again in \d+ s$/,
    );
    const good = await workspaceToken(r.url, acme, 'other', { name: 'Good' });
    assert.equal((await ping(r.url, 'other', good, from)).status, 200, 'only failures are refused');
    assert.equal((await ping(r.url, 'other', 'mwt_unknown4', '198.51.100.24')).status, 401, 'another address');
  });
});

describe(`two registry instances on one Postgres share every limit (${databaseKind})`, function () {
  this.timeout(120_000);
  let r: TestRegistry;
  let other: Awaited<ReturnType<typeof startSecondInstance>>;
  let acme: string;
  before(async function () {
    // The embedded database keeps counters in each process's memory; only Postgres shares them.
    if (!TEST_DATABASE_URL) return this.skip();
    r = await startTestRegistry({
      env: {
        AEROSTACK_GATEWAY_RATE_LIMIT: '10',
        AEROSTACK_GATEWAY_WORKSPACE_RATE_LIMIT: '15',
        AEROSTACK_LOGIN_ATTEMPTS: '4',
      },
    });
    other = await startSecondInstance(r);
    acme = await signup(r.url, 'acme');
    await createWorkspace(r.url, acme, 'shared-a');
    await createWorkspace(r.url, acme, 'shared-b');
  });
  after(async () => {
    await other?.close();
    await r?.close();
  });

  it("one token's 30 requests alternating between the instances: at most 10 are 200", async () => {
    const token = await workspaceToken(r.url, acme, 'shared-a', { name: 'Both' });
    const statuses = [];
    for (let i = 0; i < 30; i++) statuses.push((await ping(i % 2 ? other.url : r.url, 'shared-a', token)).status);
    const ok = statuses.filter((s) => s === 200).length;
    assert.ok(ok <= 10, `200s: ${ok} (${statuses.join(' ')})`);
    assert.equal(ok + statuses.filter((s) => s === 429).length, 30, statuses.join(' '));
    assert.ok(
      statuses.slice(-2).every((s) => s === 429),
      'both instances refuse once the count is spent',
    );
  });

  it('three tokens of one workspace on both instances: at most 15 requests (the workspace limit) are 200', async () => {
    const tokens = [];
    for (const name of ['A', 'B', 'C']) tokens.push(await workspaceToken(r.url, acme, 'shared-b', { name }));
    const statuses = [];
    for (let i = 0; i < 30; i++)
      statuses.push((await ping(i % 2 ? other.url : r.url, 'shared-b', tokens[i % 3]!)).status);
    const ok = statuses.filter((s) => s === 200).length;
    assert.ok(ok <= 15, `200s: ${ok} (${statuses.join(' ')})`);
    assert.ok(ok >= 1);
    const counters = await r.db.selectFrom('rate_limits').select('key').execute();
    assert.ok(
      counters.some((c) => c.key.startsWith('gw_workspace:')),
      'the counters are rows in Postgres: ' + JSON.stringify(counters),
    );
  });

  it('sign-in failures on either instance count against one account', async () => {
    await signup(r.url, 'target', 'correct horse battery');
    const login = (base: string, password: string) =>
      request(base, 'POST', '/-/api/v1/login', { body: { username: 'target', password } });
    for (const base of [r.url, other.url, r.url, other.url])
      assert.equal((await login(base, 'wrong horse battery')).status, 401);
    for (const base of [r.url, other.url]) {
      const res = await login(base, 'correct horse battery');
      assert.equal(res.status, 429, JSON.stringify(res.body));
      assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
    }
  });
});
