/**
 * What a sandboxed skill may reach (issue 13), end to end through the gateway with the SDK's own
 * Client: workspace secrets as environment variables, and declared network hosts reached only
 * through the registry's egress proxy, after the installer approved them. The "CRM" is a loopback
 * HTTP server of the test's own, which the proxy may reach only because of the test-only switch
 * AEROSTACK_EGRESS_ALLOW_LOOPBACK; a second registry without it shows loopback refused whatever a
 * skill declares. Every log line, audit row and API answer of the run is searched for the values.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { request, signup, type ApiResponse } from '../helpers/api.js';
import {
  connectGateway,
  createWorkspace,
  install,
  mustInstall,
  publishFolder,
  resultText,
  skillFolder,
  withManifestFields,
  workspaceToken,
} from '../helpers/gateway.js';
import { startSecondInstance, startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { addMember } from '../helpers/teams.js';

const WS = 'acme-crm';
const KEY_1 = 'crm-live-4f9d2c7b81e6a0d3';
const KEY_2 = 'crm-live-rotated-77aa19c0b2';

/** The CRM skill: calls the CRM with its key, and says what it got. */
const crmSource = (port: number) => `
export default async function (input) {
  const res = await fetch('http://127.0.0.1:${port}/deals', {
    headers: { authorization: 'Bearer ' + process.env.CRM_API_KEY },
  });
  return { content: [{ type: 'text', text: res.status + ' ' + (await res.text()) }] };
}`;

/**
 * A skill that tries each target (a URL through fetch, then a raw TCP connection that bypasses the
 * proxy) and reports what happened; it never throws.
 */
const proberSource = `
import net from 'node:net';
export default async function ({ urls = [], raw = [] }) {
  const out = {};
  for (const u of urls)
    out[u] = await fetch(u, { signal: AbortSignal.timeout(5000) }).then(
      (r) => 'HTTP ' + r.status,
      (e) => 'ERR ' + (e.cause?.message ?? e.message),
    );
  for (const [host, port] of raw)
    out['tcp ' + host + ':' + port] = await new Promise((resolve) => {
      const s = net.connect({ host, port, timeout: 2000 });
      s.on('connect', () => { s.destroy(); resolve('CONNECTED'); });
      s.on('error', (e) => resolve(e.code));
      s.on('timeout', () => { s.destroy(); resolve('TIMEOUT'); });
    });
  return { content: [{ type: 'text', text: JSON.stringify(out) }] };
}`;

describe('gateway: workspace secrets and declared egress', function () {
  this.timeout(120_000);
  const logs: string[] = [];
  /** Every API answer and tool result of the run, as text: searched for the secrets at the end. */
  const answers: string[] = [];
  let r: TestRegistry;
  let crm: http.Server;
  let crmPort: number;
  const crmSeen: Array<{ url: string; authorization: string | undefined }> = [];
  let acme: string;
  let bob: string;
  let client: Client;

  const api = async (method: string, path: string, token: string, body?: unknown): Promise<ApiResponse> => {
    const res = await request(r.url, method, path, { token, ...(body === undefined ? {} : { body }) });
    answers.push(JSON.stringify(res.body));
    return res;
  };
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const result = await client.callTool({ name, arguments: args });
    answers.push(JSON.stringify(result));
    return result;
  };
  const toolNamed = async (prefix: string) => {
    const { tools } = await client.listTools();
    answers.push(JSON.stringify(tools));
    const found = tools.find((t) => t.name.startsWith(prefix));
    assert.ok(found, `a tool for ${prefix} in ${tools.map((t) => t.name).join(', ')}`);
    return found.name;
  };

  before(async () => {
    crm = http.createServer((req, res) => {
      crmSeen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      const ok = req.headers.authorization === `Bearer ${KEY_1}` || req.headers.authorization === `Bearer ${KEY_2}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { deals: ['Acme renewal'] } : { error: 'bad key' }));
    });
    await new Promise<void>((resolve) => crm.listen(0, '127.0.0.1', resolve));
    crmPort = (crm.address() as AddressInfo).port;
    r = await startTestRegistry({ env: { AEROSTACK_EGRESS_ALLOW_LOOPBACK: 'true' }, logs });
    acme = await signup(r.url, 'acme');
    bob = await signup(r.url, 'bob');
    await addMember(r, 'acme', 'bob');
    await createWorkspace(r.url, acme, WS);
    const crmFolder = skillFolder('@acme/crm', '1.0.0', crmSource(crmPort), { tool: 'deals' });
    await publishFolder(
      r.url,
      acme,
      '@acme/crm',
      '1.0.0',
      withManifestFields(crmFolder, {
        env: [{ name: 'CRM_API_KEY', description: 'The CRM API key' }],
        network: [`127.0.0.1:${crmPort}`],
      }),
    );
    client = await connectGateway(r.url, WS, await workspaceToken(r.url, acme, WS, { name: 'test' }));
  });

  after(async () => {
    await client?.close();
    await r?.close();
    crm?.close();
  });

  it('refuses to install a skill that declares network until the installer approves its hosts', async () => {
    const refused = await api('PUT', `/-/api/v1/workspaces/${WS}/skills/@acme%2fcrm`, acme, { version: '1.0.0' });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'network_approval_required');
    assert.deepEqual(refused.body.network, [`127.0.0.1:${crmPort}`]);
    assert.match(refused.body.error, /asks to reach 127\.0\.0\.1:\d+\. Install it with --allow-network/);
    assert.deepEqual((await api('GET', `/-/api/v1/workspaces/${WS}/skills`, acme)).body.skills, []);

    const ok = await api('PUT', `/-/api/v1/workspaces/${WS}/skills/@acme%2fcrm`, acme, {
      version: '1.0.0',
      allowNetwork: true,
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.network, [`127.0.0.1:${crmPort}`]);
    const listed = await api('GET', `/-/api/v1/workspaces/${WS}/skills`, bob);
    assert.deepEqual(
      listed.body.skills.map((s: { name: string; network: string[] }) => [s.name, s.network]),
      [['@acme/crm', [`127.0.0.1:${crmPort}`]]],
    );
  });

  it('lists the tool while its secret is unset, and a call says how to set it before any skill code runs', async () => {
    const name = await toolNamed('crm');
    const result = await call(name);
    assert.equal(result.isError, true);
    assert.equal(
      resultText(result),
      `CRM_API_KEY is not set in workspace ${WS}: aerostack workspace secret set ${WS} CRM_API_KEY`,
    );
    assert.equal(crmSeen.length, 0, 'the CRM was not called');
    const list = await api('GET', `/-/api/v1/workspaces/${WS}/secrets`, bob);
    assert.deepEqual(list.body, {
      workspace: WS,
      secrets: [],
      missing: [{ name: 'CRM_API_KEY', usedBy: ['@acme/crm'] }],
    });
  });

  it('lets only owners and admins set or delete secrets; members see names only', async () => {
    const byMember = await api('PUT', `/-/api/v1/workspaces/${WS}/secrets/CRM_API_KEY`, bob, { value: 'stolen' });
    assert.equal(byMember.status, 403);
    assert.equal(
      byMember.body.error,
      `Only the owner and admins of @acme can set or delete secrets of workspace ${WS}`,
    );
    const outsider = await signup(r.url, 'eve');
    assert.equal((await api('GET', `/-/api/v1/workspaces/${WS}/secrets`, outsider)).status, 404);
    for (const [name, body, why] of [
      ['crm_key', { value: 'x' }, /Invalid secret name "crm_key"/],
      ['NODE_OPTIONS', { value: '--require /tmp/x' }, /Invalid secret name "NODE_OPTIONS": the sandbox sets it/],
      ['CRM_API_KEY', { value: '' }, /Invalid value: must not be empty/],
      ['CRM_API_KEY', { value: 'a\u0000b' }, /Invalid value: must not contain a NUL character/],
      ['CRM_API_KEY', { value: 'x'.repeat(16 * 1024 + 1) }, /Invalid value: must be at most 16384 bytes/],
    ] as const) {
      const res = await api('PUT', `/-/api/v1/workspaces/${WS}/secrets/${name}`, acme, body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.body.error, why);
    }

    const set = await api('PUT', `/-/api/v1/workspaces/${WS}/secrets/CRM_API_KEY`, acme, { value: KEY_1 });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(
      { ...set.body, setAt: typeof set.body.setAt },
      {
        name: 'CRM_API_KEY',
        setBy: 'acme',
        setAt: 'string',
        usedBy: ['@acme/crm'],
      },
    );
    const list = await api('GET', `/-/api/v1/workspaces/${WS}/secrets`, bob);
    assert.deepEqual(
      list.body.secrets.map((s: { name: string; setBy: string }) => [s.name, s.setBy]),
      [['CRM_API_KEY', 'acme']],
    );
    assert.deepEqual(list.body.missing, []);
    // Sealed at rest: the row holds neither the value nor anything that decodes to it without the key.
    const row = await r.db.selectFrom('workspace_secrets').select('sealed').executeTakeFirstOrThrow();
    assert.ok(!row.sealed.includes(KEY_1) && !Buffer.from(row.sealed, 'base64url').toString().includes(KEY_1));
  });

  it('gives the skill exactly its secret, and lets it reach its approved host through the proxy', async () => {
    const result = await call(await toolNamed('crm'));
    assert.equal(resultText(result), '200 {"deals":["Acme renewal"]}', JSON.stringify(result));
    assert.deepEqual(crmSeen.at(-1), { url: '/deals', authorization: `Bearer ${KEY_1}` });
  });

  it('starts the skill afresh with a changed secret, and says again how to set a deleted one', async () => {
    assert.equal(
      (await api('PUT', `/-/api/v1/workspaces/${WS}/secrets/CRM_API_KEY`, acme, { value: KEY_2 })).status,
      200,
    );
    await call(await toolNamed('crm'));
    assert.deepEqual(crmSeen.at(-1), { url: '/deals', authorization: `Bearer ${KEY_2}` });

    assert.equal((await api('DELETE', `/-/api/v1/workspaces/${WS}/secrets/CRM_API_KEY`, bob)).status, 403);
    assert.equal((await api('DELETE', `/-/api/v1/workspaces/${WS}/secrets/CRM_API_KEY`, acme)).status, 200);
    const again = await api('DELETE', `/-/api/v1/workspaces/${WS}/secrets/CRM_API_KEY`, acme);
    assert.equal(again.status, 404);
    assert.equal(again.body.error, `No secret CRM_API_KEY in workspace ${WS}`);
    const seen = crmSeen.length;
    const result = await call(await toolNamed('crm'));
    assert.match(resultText(result), /^CRM_API_KEY is not set in workspace acme-crm/);
    assert.equal(crmSeen.length, seen);
    assert.equal(
      (await api('PUT', `/-/api/v1/workspaces/${WS}/secrets/CRM_API_KEY`, acme, { value: KEY_1 })).status,
      200,
    );
  });

  it('does not install a new version that asks for more hosts until it is approved again', async () => {
    const v2 = withManifestFields(skillFolder('@acme/crm', '1.1.0', crmSource(crmPort), { tool: 'deals' }), {
      env: [{ name: 'CRM_API_KEY' }],
      network: [`127.0.0.1:${crmPort}`, 'api.hubapi.com:443'],
    });
    await publishFolder(r.url, acme, '@acme/crm', '1.1.0', v2);
    const refused = await api('PUT', `/-/api/v1/workspaces/${WS}/skills/@acme%2fcrm`, acme, { version: '1.1.0' });
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.body.network, ['api.hubapi.com:443'], 'only the host not yet approved');
    assert.match(refused.body.error, /which this workspace has not approved/);
    const listed = await api('GET', `/-/api/v1/workspaces/${WS}/skills`, acme);
    assert.equal(listed.body.skills[0].version, '1.0.0', 'the approved version stays installed');
    // Hosts already approved need no new consent.
    await publishFolder(
      r.url,
      acme,
      '@acme/crm',
      '1.2.0',
      withManifestFields(skillFolder('@acme/crm', '1.2.0', crmSource(crmPort), { tool: 'deals' }), {
        env: [{ name: 'CRM_API_KEY' }],
        network: [`127.0.0.1:${crmPort}`],
      }),
    );
    await mustInstall(r.url, acme, WS, '@acme/crm', '1.2.0');
    const res = await install(r.url, acme, WS, '@acme/crm', '1.2.0');
    assert.equal(res.status, 200);
  });

  it('refuses, and logs, every connection but the declared host:port; nothing bypasses the proxy', async () => {
    const prober = withManifestFields(skillFolder('@acme/prober', '1.0.0', proberSource, { tool: 'probe' }), {
      network: ['api.example.com:443'],
    });
    await publishFolder(r.url, acme, '@acme/prober', '1.0.0', prober);
    assert.equal(
      (
        await api('PUT', `/-/api/v1/workspaces/${WS}/skills/@acme%2fprober`, acme, {
          version: '1.0.0',
          allowNetwork: true,
        })
      ).status,
      200,
    );
    const seen = crmSeen.length;
    const result = await call(await toolNamed('prober'), {
      urls: [
        'https://example.org/',
        'http://10.0.0.1/',
        `http://127.0.0.1:${crmPort}/deals`,
        'http://169.254.169.254/latest/meta-data/',
      ],
      raw: [['127.0.0.1', crmPort]],
    });
    const out = JSON.parse(resultText(result)) as Record<string, string>;
    for (const [target, outcome] of Object.entries(out))
      assert.match(outcome, /^ERR |^ECONNREFUSED$|^ENETUNREACH$/, `${target} must be refused, got ${outcome}`);
    assert.equal(crmSeen.length, seen, 'the CRM saw nothing from the prober');
    const refusals = logs
      .map((l) => JSON.parse(l) as { msg: string; skill?: string; host?: string; workspace?: string })
      .filter((l) => l.msg === 'egress refused' && l.skill === '@acme/prober');
    assert.deepEqual(refusals.map((l) => [l.workspace, l.host]).sort(), [
      [WS, '10.0.0.1:80'],
      [WS, '127.0.0.1:' + crmPort],
      [WS, '169.254.169.254:80'],
      [WS, 'example.org:443'],
    ]);
  });

  it('an instance started with another key says the secret cannot be read, and never runs the skill without it', async () => {
    const other = await startSecondInstance(r, { secretKey: 'cd'.repeat(32) });
    const c = await connectGateway(other.url, WS, await workspaceToken(r.url, acme, WS, { name: 'other-instance' }));
    try {
      const seen = crmSeen.length;
      const result = await c.callTool({ name: await toolNamed('crm') });
      answers.push(JSON.stringify(result));
      assert.equal(result.isError, true);
      assert.match(
        resultText(result),
        /^The secret CRM_API_KEY of workspace acme-crm cannot be read on this registry: it was encrypted under another key \([\w-]+; this registry's is [\w-]+\): set the same AEROSTACK_SECRET_KEY on every instance$/,
      );
      assert.equal(crmSeen.length, seen);
    } finally {
      await c.close();
      await other.close();
    }
  });

  it('records each secret change in the audit log by name, without the value', async () => {
    const audit = await api('GET', `/-/api/v1/workspaces/${WS}/audit?limit=500`, acme);
    const changes = audit.body.events
      .filter((e: { action: string }) => e.action.startsWith('secret_'))
      .map((e: { action: string; user: string; detail: string }) => [e.action, e.user, e.detail])
      .reverse();
    assert.deepEqual(changes, [
      ['secret_set', 'acme@acme', 'CRM_API_KEY'],
      ['secret_set', 'acme@acme', 'CRM_API_KEY'],
      ['secret_deleted', 'acme@acme', 'CRM_API_KEY'],
      ['secret_set', 'acme@acme', 'CRM_API_KEY'],
    ]);
  });

  it('never lets a value out: not in a log line, an audit row or an API answer of this whole run', async () => {
    const auditRows = await r.db.selectFrom('audit_events').selectAll().execute();
    const everything = [...logs, ...answers, JSON.stringify(auditRows)];
    assert.ok(logs.length > 20 && answers.length > 20, 'the search covers the run');
    for (const value of [KEY_1, KEY_2])
      assert.deepEqual(
        everything.filter((text) => text.includes(value)),
        [],
        `${value} appears nowhere`,
      );
  });
});

describe('gateway egress without the test switch: loopback and private addresses are refused whatever was declared', function () {
  this.timeout(60_000);
  const logs: string[] = [];
  let r: TestRegistry;
  let target: http.Server;
  let port: number;
  let hits = 0;

  before(async () => {
    target = http.createServer((_req, res) => {
      hits++;
      res.end('reached');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    port = (target.address() as AddressInfo).port;
    r = await startTestRegistry({ logs });
  });
  after(async () => {
    await r?.close();
    target?.close();
  });

  it('refuses a declared, approved 127.0.0.1 and 10.x address at the proxy, and says why in the log', async () => {
    const acme = await signup(r.url, 'acme');
    await createWorkspace(r.url, acme, 'acme-lab');
    await publishFolder(
      r.url,
      acme,
      '@acme/prober',
      '1.0.0',
      withManifestFields(skillFolder('@acme/prober', '1.0.0', proberSource, { tool: 'probe' }), {
        network: [`127.0.0.1:${port}`, '10.1.2.3:80'],
      }),
    );
    const res = await request(r.url, 'PUT', '/-/api/v1/workspaces/acme-lab/skills/@acme%2fprober', {
      token: acme,
      body: { version: '1.0.0', allowNetwork: true },
    });
    assert.equal(res.status, 200);
    const client = await connectGateway(
      r.url,
      'acme-lab',
      await workspaceToken(r.url, acme, 'acme-lab', { name: 't' }),
    );
    try {
      const name = (await client.listTools()).tools[0]!.name;
      const result = await client.callTool({
        name,
        arguments: { urls: [`http://127.0.0.1:${port}/`, 'http://10.1.2.3/'] },
      });
      const out = JSON.parse(resultText(result)) as Record<string, string>;
      for (const [t, outcome] of Object.entries(out)) assert.match(outcome, /^ERR /, `${t}: ${outcome}`);
    } finally {
      await client.close();
    }
    assert.equal(hits, 0);
    const reasons = logs
      .map((l) => JSON.parse(l) as { msg: string; host?: string; reason?: string })
      .filter((l) => l.msg === 'egress refused')
      .map((l) => `${l.host} ${l.reason}`)
      .sort();
    assert.equal(reasons.length, 2, reasons.join('\n'));
    assert.match(reasons[0]!, /^10\.1\.2\.3:80 .*10\.1\.2\.3 \(a private network\)/);
    assert.match(reasons[1]!, new RegExp(`^127\\.0\\.0\\.1:${port} .*127\\.0\\.0\\.1 \\(loopback\\)`));
  });
});
