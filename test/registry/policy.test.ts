/**
 * The policy at work through the HTTP API: each bug that the one policy module fixed, as a user
 * would have hit it.
 */
import assert from 'node:assert/strict';
import { request, signup } from '../helpers/api.js';
import {
  createWorkspace,
  mustInstall,
  publishFolder,
  rawGatewayPost,
  skillFolder,
  workspaceToken,
} from '../helpers/gateway.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { addMember } from '../helpers/teams.js';

const hello = `export default async () => ({ content: [{ type: 'text', text: 'hi' }] });\n`;

describe('policy: one decision for every write (the bugs it fixed)', function () {
  this.timeout(60_000);
  let r: TestRegistry;
  let acme: string; // the owner
  let ann: string; // an admin of @acme
  let mia: string; // a member of @acme
  let bob: string; // another member
  const tokens = (token: string) => request(r.url, 'GET', '/-/api/v1/workspaces/acme-team/tokens', { token });
  const mint = (token: string, body: { name: string; user?: string }) =>
    request(r.url, 'POST', '/-/api/v1/workspaces/acme-team/tokens', { token, body });
  const install = (token: string, name: string) =>
    request(r.url, 'PUT', `/-/api/v1/workspaces/acme-team/skills/${name.replace('/', '%2f')}`, {
      token,
      body: { version: '1.0.0' },
    });

  before(async () => {
    r = await startTestRegistry();
    acme = await signup(r.url, 'acme');
    ann = await signup(r.url, 'ann');
    mia = await signup(r.url, 'mia');
    bob = await signup(r.url, 'bob');
    await addMember(r, 'acme', 'ann', 'admin');
    await addMember(r, 'acme', 'mia');
    await addMember(r, 'acme', 'bob');
    for (const s of ['one', 'two'])
      await publishFolder(r.url, acme, `@acme/${s}`, '1.0.0', skillFolder(`@acme/${s}`, '1.0.0', hello));
    await createWorkspace(r.url, acme, 'acme-team');
    await mustInstall(r.url, acme, 'acme-team', '@acme/one', '1.0.0');
  });
  after(() => r?.close());

  it('a read-only token writes nothing: no install into a workspace, no revoking its owner’s other tokens', async () => {
    const ro = await request(r.url, 'POST', '/-/api/v1/tokens', {
      token: acme,
      body: { name: 'dashboards', readonly: true },
    });
    assert.equal(ro.status, 201);
    const readonly = ro.body.token as string;
    const ci = await request(r.url, 'POST', '/-/api/v1/tokens', { token: acme, body: { name: 'ci' } });

    const inst = await install(readonly, '@acme/two');
    assert.deepEqual([inst.status, inst.body.error], [403, 'This token is read-only']);
    const revoke = await request(r.url, 'DELETE', `/-/api/v1/tokens/${ci.body.key}`, { token: readonly });
    assert.deepEqual([revoke.status, revoke.body.error], [403, 'This token is read-only']);
    const wsRevoke = await request(r.url, 'DELETE', '/-/api/v1/workspaces/acme-team/tokens/anything', {
      token: readonly,
    });
    assert.deepEqual([wsRevoke.status, wsRevoke.body.error], [403, 'This token is read-only']);
    // It still reads, and it may end itself (logout).
    assert.equal(
      (await request(r.url, 'GET', '/-/api/v1/workspaces/acme-team/skills', { token: readonly })).status,
      200,
    );
    const list = await request(r.url, 'GET', '/-/api/v1/tokens', { token: acme });
    assert.equal(list.body.tokens.find((t: { name: string }) => t.name === 'ci').status, 'active');
    assert.equal((await request(r.url, 'POST', '/-/api/v1/logout', { token: readonly, body: {} })).status, 200);
  });

  it('only owners and admins change a workspace: a member can neither add nor remove skills', async () => {
    const add = await install(mia, '@acme/two');
    assert.deepEqual(
      [add.status, add.body.error],
      [403, 'Only the owner and admins of @acme can do that in workspace acme-team'],
    );
    const rm = await request(r.url, 'DELETE', '/-/api/v1/workspaces/acme-team/skills/@acme%2fone', { token: mia });
    assert.equal(rm.status, 403);
    assert.equal((await install(ann, '@acme/two')).status, 200, 'an admin may');
    const listed = await request(r.url, 'GET', '/-/api/v1/workspaces', { token: mia });
    assert.deepEqual(
      listed.body.workspaces.map((w: { slug: string; role: string; canManage: boolean }) => [
        w.slug,
        w.role,
        w.canManage,
      ]),
      [['acme-team', 'member', false]],
    );
    const own = await request(r.url, 'GET', '/-/api/v1/workspaces', { token: ann });
    assert.equal(own.body.workspaces[0].canManage, true);
  });

  it('who binds a token to whom: a member to itself, an admin to itself (or shared), the owner to any member', async () => {
    const self = await mint(mia, { name: 'Mia laptop' });
    assert.equal(self.status, 201, JSON.stringify(self.body));
    assert.equal(self.body.user, 'mia', 'a member’s token is bound to the member');
    const forBob = await mint(mia, { name: 'For Bob', user: 'bob' });
    assert.deepEqual(
      [forBob.status, forBob.body.error],
      [403, 'Only the owner of @acme can mint a token for another member'],
    );
    assert.equal((await mint(ann, { name: 'Ann editor', user: 'ann' })).status, 201);
    const annForBob = await mint(ann, { name: 'Ann for Bob', user: 'bob' });
    assert.equal(annForBob.status, 403);
    assert.equal((await mint(ann, { name: 'Ann CI' })).body.user, null, 'shared');
    assert.equal((await mint(acme, { name: 'Bob VSCode', user: 'bob' })).body.user, 'bob');
    // A member sees and revokes its own tokens only.
    assert.deepEqual(
      (await tokens(mia)).body.tokens.map((t: { name: string }) => t.name),
      ['Mia laptop'],
    );
    const other = await request(r.url, 'DELETE', '/-/api/v1/workspaces/acme-team/tokens/Bob%20VSCode', { token: mia });
    assert.equal(other.status, 404, 'someone else’s token is as good as missing to a member');
    assert.equal(
      (await request(r.url, 'DELETE', '/-/api/v1/workspaces/acme-team/tokens/Mia%20laptop', { token: mia })).status,
      200,
    );
  });

  it('removing an admin revokes every mwt_ token they minted, shared ones included, and those bound to them', async () => {
    const shared = await workspaceToken(r.url, ann, 'acme-team', { name: 'Ann shared' });
    const mine = await workspaceToken(r.url, ann, 'acme-team', { name: 'Ann own', user: 'ann' });
    const owners = await workspaceToken(r.url, acme, 'acme-team', { name: 'Owner shared' });
    for (const t of [shared, mine, owners]) assert.equal((await rawGatewayPost(r.url, 'acme-team', t)).status, 200);
    const removed = await request(r.url, 'DELETE', '/-/api/v1/teams/acme/members/ann', { token: acme });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal((await rawGatewayPost(r.url, 'acme-team', shared)).status, 401);
    assert.equal((await rawGatewayPost(r.url, 'acme-team', mine)).status, 401);
    assert.equal((await rawGatewayPost(r.url, 'acme-team', owners)).status, 200, 'the owner’s shared token stays');
    const list = (await tokens(acme)).body.tokens as Array<{ name: string; status: string }>;
    assert.deepEqual(
      list.filter((t) => t.name.startsWith('Ann')).map((t) => t.status),
      ['revoked', 'revoked', 'revoked', 'revoked'],
    );
    void bob;
  });
});
