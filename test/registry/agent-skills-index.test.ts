import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request, signup } from '../helpers/api.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { addMember } from '../helpers/teams.js';
import {
  createWorkspace,
  mcpFolder,
  mustInstall,
  publishFolder,
  workspaceToken,
  type FileMap,
} from '../helpers/gateway.js';
import { agentSkillFolder } from '../helpers/agent-skills.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Entry {
  name: string;
  type: string;
  description: string;
  url: string;
  digest: string;
}

describe('Agent Skills well-known indexes', function () {
  let r: TestRegistry;
  let acme: string;
  let alice: string; // member of @acme
  let bob: string;
  let mwt: string; // alice's token for workspace sales
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
    r = await startTestRegistry();
    acme = await signup(r.url, 'acme');
    alice = await signup(r.url, 'alice');
    bob = await signup(r.url, 'bob');
    await addMember(r, 'acme', 'alice');
    await publish(acme, '@acme/pdf-forms', '1.0.0', agentSkillFolder('@acme/pdf-forms', '1.0.0'), 'public');
    await publish(acme, '@acme/pdf-forms', '1.1.0', agentSkillFolder('@acme/pdf-forms', '1.1.0'), 'public');
    await publish(acme, '@acme/playbook', '1.0.0', agentSkillFolder('@acme/playbook', '1.0.0', 'How we ship'), 'team');
    await publish(acme, '@acme/drafts', '1.0.0', agentSkillFolder('@acme/drafts', '1.0.0'), 'private');
    await publish(acme, '@acme/crm-sync', '1.0.0', mcpFolder('@acme/crm-sync', '1.0.0', 'export {};\n'), 'public');
    await publish(bob, '@bob/notes', '1.0.0', agentSkillFolder('@bob/notes', '1.0.0', 'Take notes'), 'public');
    await createWorkspace(r.url, acme, 'sales');
    await mustInstall(r.url, acme, 'sales', '@acme/playbook', '1.0.0');
    await mustInstall(r.url, acme, 'sales', '@acme/pdf-forms', '1.0.0');
    await mustInstall(r.url, acme, 'sales', '@acme/crm-sync', '1.0.0');
    await createWorkspace(r.url, acme, 'other');
    mwt = await workspaceToken(r.url, alice, 'sales', { name: 'alice-laptop' });
  });
  after(() => r?.close());

  /** Fetches every entry's archive with `headers` and checks its bytes against the digest and the published tarball. */
  async function checkArchives(entries: Entry[], expected: string[], headers: Record<string, string> = {}) {
    assert.equal(entries.length, expected.length);
    for (const [i, e] of entries.entries()) {
      const res = await fetch(e.url, { headers });
      assert.equal(res.status, 200, e.url);
      assert.equal(res.headers.get('content-type'), 'application/gzip');
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.equal(e.digest, `sha256:${sha256(bytes)}`, e.url);
      assert.ok(bytes.equals(tarballs.get(expected[i]!)!), `${e.url} is the published tarball of ${expected[i]}`);
    }
  }

  it('registry-wide: public Agent Skills only, at their latest version, for everyone', async () => {
    const res = await request(r.url, 'GET', '/.well-known/agent-skills/index.json');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.body.$schema, 'https://schemas.agentskills.io/discovery/0.2.0/schema.json');
    const skills = res.body.skills as Entry[];
    assert.deepEqual(
      skills.map((e) => [e.name, e.type, e.description, e.url]),
      [
        [
          'pdf-forms',
          'archive',
          'Fill in pdf-forms PDF forms from a JSON answer sheet',
          `${r.url}/.well-known/agent-skills/@acme/pdf-forms/pdf-forms-1.1.0.tar.gz`,
        ],
        ['notes', 'archive', 'Take notes', `${r.url}/.well-known/agent-skills/@bob/notes/notes-1.0.0.tar.gz`],
      ],
    );
    for (const e of skills) assert.match(e.digest, /^sha256:[0-9a-f]{64}$/);
    await checkArchives(skills, ['@acme/pdf-forms@1.1.0', '@bob/notes@1.0.0']);
    // A member signed in gets the same public list: the team and private ones are never in it.
    for (const token of [alice, acme]) {
      const signedIn = await request(r.url, 'GET', '/.well-known/agent-skills/index.json', { token });
      assert.deepEqual(signedIn.body, res.body);
    }
  });

  it('registry-wide archives: public Agent Skills only; HEAD answers without the body', async () => {
    const head = await fetch(`${r.url}/.well-known/agent-skills/@acme/pdf-forms/pdf-forms-1.0.0.tar.gz`, {
      method: 'HEAD',
    });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(tarballs.get('@acme/pdf-forms@1.0.0')!.length));
    for (const p of [
      '@acme/playbook/playbook-1.0.0.tar.gz', // team
      '@acme/drafts/drafts-1.0.0.tar.gz', // private
      '@acme/crm-sync/crm-sync-1.0.0.tar.gz', // an mcp skill, not an Agent Skill
      '@acme/pdf-forms/pdf-forms-9.0.0.tar.gz',
      '@acme/pdf-forms/other-1.0.0.tar.gz',
      'acme/pdf-forms/pdf-forms-1.0.0.tar.gz',
    ]) {
      const res = await request(r.url, 'GET', `/.well-known/agent-skills/${p}`, { token: acme });
      assert.equal(res.status, 404, p);
      assert.equal(typeof res.body.error, 'string');
    }
  });

  it("a workspace's index: exactly its installed Agent Skills, at the installed version, with the mwt_ token", async () => {
    const auth = { authorization: `Bearer ${mwt}` };
    const res = await request(r.url, 'GET', '/ws/sales/.well-known/agent-skills/index.json', { headers: auth });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.$schema, 'https://schemas.agentskills.io/discovery/0.2.0/schema.json');
    const skills = res.body.skills as Entry[];
    const base = `${r.url}/ws/sales/.well-known/agent-skills`;
    assert.deepEqual(
      skills.map((e) => [e.name, e.description, e.url]),
      [
        [
          'pdf-forms',
          'Fill in pdf-forms PDF forms from a JSON answer sheet',
          `${base}/@acme/pdf-forms/pdf-forms-1.0.0.tar.gz`,
        ],
        ['playbook', 'How we ship', `${base}/@acme/playbook/playbook-1.0.0.tar.gz`],
      ],
    );
    await checkArchives(skills, ['@acme/pdf-forms@1.0.0', '@acme/playbook@1.0.0'], auth);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    // Without the token the archive is not there for anyone; the team skill's npm tarball needs an aer_ token.
    const bare = await fetch(skills[1]!.url);
    assert.equal(bare.status, 401);
    // Only what is installed, at the installed version.
    for (const p of [
      '@acme/pdf-forms/pdf-forms-1.1.0.tar.gz',
      '@bob/notes/notes-1.0.0.tar.gz',
      '@acme/drafts/drafts-1.0.0.tar.gz',
    ])
      assert.equal((await fetch(`${base}/${p}`, { headers: auth })).status, 404, p);
    // Another workspace of the team has none.
    const other = await workspaceToken(r.url, alice, 'other', { name: 'alice-other' });
    const empty = await request(r.url, 'GET', '/ws/other/.well-known/agent-skills/index.json', {
      headers: { authorization: `Bearer ${other}` },
    });
    assert.deepEqual(empty.body.skills, []);
  });

  it('refuses a missing, foreign, user or revoked token with 401, as the gateway does', async () => {
    const path = '/ws/sales/.well-known/agent-skills/index.json';
    const none = await request(r.url, 'GET', path);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="aerostack"');
    const foreign = await workspaceToken(r.url, alice, 'other', { name: 'alice-foreign' });
    for (const token of [foreign, alice, bob, 'mwt_nope']) {
      const res = await request(r.url, 'GET', path, { token });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    }
    const gone = await workspaceToken(r.url, alice, 'sales', { name: 'to-revoke' });
    assert.equal((await request(r.url, 'GET', path, { token: gone })).status, 200);
    const revoked = await request(r.url, 'DELETE', '/-/api/v1/workspaces/sales/tokens/to-revoke', { token: alice });
    assert.ok(revoked.status < 300, JSON.stringify(revoked.body));
    const after = await request(r.url, 'GET', path, { token: gone });
    assert.equal(after.status, 401);
    assert.equal(after.body.error, 'This workspace token has been revoked');
    const archive = await request(
      r.url,
      'GET',
      '/ws/sales/.well-known/agent-skills/@acme/playbook/playbook-1.0.0.tar.gz',
      {
        token: gone,
      },
    );
    assert.equal(archive.status, 401);
  });
});
