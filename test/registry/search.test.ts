import assert from 'node:assert/strict';
import { request, publishBody, signup } from '../helpers/api.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { skillTarball } from '../helpers/skills.js';
import { addMember } from '../helpers/teams.js';

describe('search (/-/v1/search)', function () {
  let r: TestRegistry;
  let acme: string;
  let alice: string; // a member of @acme
  let bob: string; // signed in, not a member
  before(async () => {
    r = await startTestRegistry();
    acme = await signup(r.url, 'acme');
    alice = await signup(r.url, 'alice');
    bob = await signup(r.url, 'bob');
    await addMember(r, 'acme', 'alice');
    const skills: Array<[string, string, string[], 'public' | 'team' | 'private']> = [
      ['@acme/crm-lookup', 'Find customers in the CRM', ['sales'], 'public'],
      ['@acme/deploy', 'Ship the app to production', ['ops', 'crm-adjacent'], 'public'],
      ['@acme/jira', 'Create Jira issues', ['tickets'], 'public'],
      ['@acme/crm-internal', 'The CRM for the team', ['sales'], 'team'],
      ['@acme/crm-scratch', 'My CRM experiments', ['sales'], 'private'],
    ];
    for (const [name, description, tags, visibility] of skills) {
      const tgz = skillTarball(name, '1.0.0', { packageJson: { description }, manifest: { description, tags } });
      const res = await request(r.url, 'PUT', `/${name.replace('/', '%2f')}`, {
        token: acme,
        body: publishBody(name, '1.0.0', tgz, { visibility }),
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
  });
  after(() => r.close());

  const search = (qs: string, token?: string) => request(r.url, 'GET', `/-/v1/search?${qs}`, { token });
  const names = (body: { objects: Array<{ package: { name: string } }> }) => body.objects.map((o) => o.package.name);

  it('matches words in names, descriptions and keywords, exact-ish names first', async () => {
    const res = await search('text=crm');
    assert.equal(res.status, 200);
    assert.deepEqual(names(res.body), ['@acme/crm-lookup', '@acme/deploy']);
    assert.equal(res.body.total, 2);
    assert.equal(res.body.objects[0].package.version, '1.0.0');
    assert.equal(res.body.objects[0].package.description, 'Find customers in the CRM');
  });

  it('is the public marketplace by default: owner, member and anonymous see public skills only', async () => {
    for (const [who, token] of [
      ['owner', acme],
      ['member', alice],
      ['other', bob],
      ['anonymous', undefined],
    ] as const) {
      const res = await search('text=crm', token);
      assert.deepEqual(names(res.body), ['@acme/crm-lookup', '@acme/deploy'], who);
      assert.equal(res.body.total, 2, who);
      assert.deepEqual((await search('text=crm&scope=public', token)).body.objects, res.body.objects, who);
    }
  });

  it('scope=team searches the team and private skills the caller may read', async () => {
    const team = async (token?: string) => {
      const res = await search('text=crm&scope=team', token);
      assert.equal(res.status, 200);
      assert.equal(res.body.total, res.body.objects.length);
      return names(res.body).sort();
    };
    assert.deepEqual(await team(acme), ['@acme/crm-internal', '@acme/crm-scratch'], 'the owner: team and private');
    assert.deepEqual(await team(alice), ['@acme/crm-internal'], 'a member: the team skill');
    assert.deepEqual(await team(bob), [], 'someone else: nothing');
    assert.deepEqual(await team(), [], 'anonymous: nothing');
  });

  it('refuses an unknown scope with a 400', async () => {
    const res = await search('text=crm&scope=everything', acme);
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'scope must be one of public, team');
  });

  it('needs every word to match', async () => {
    assert.deepEqual(names((await search('text=jira+issues')).body), ['@acme/jira']);
    assert.deepEqual(names((await search('text=jira+weather')).body), []);
  });

  it('treats % and _ as literal characters, not wildcards', async () => {
    assert.equal((await search('text=%25')).body.total, 0);
    assert.equal((await search('text=_')).body.total, 0);
  });

  it('pages with size and from, keeping the total', async () => {
    const all = names((await search('text=&size=10')).body);
    assert.equal(all.length, 3);
    const page = await search('text=&size=1&from=1');
    assert.deepEqual(names(page.body), [all[1]]);
    assert.equal(page.body.total, 3);
  });

  it('refuses nonsense paging with a 400', async () => {
    for (const qs of ['size=-1', 'size=abc', 'size=100000', 'from=1.5']) {
      const res = await search(qs);
      assert.equal(res.status, 400, qs);
      assert.match(res.body.error, /size|from/);
    }
  });
});
