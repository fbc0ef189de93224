import assert from 'node:assert/strict';
import { request, publishBody, signup } from '../helpers/api.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { skillTarball } from '../helpers/skills.js';

describe('search (/-/v1/search)', function () {
  let r: TestRegistry;
  before(async () => {
    r = await startTestRegistry();
    const acme = await signup(r.url, 'acme');
    const skills: Array<[string, string, string[]]> = [
      ['@acme/crm-lookup', 'Find customers in the CRM', ['sales']],
      ['@acme/deploy', 'Ship the app to production', ['ops', 'crm-adjacent']],
      ['@acme/jira', 'Create Jira issues', ['tickets']],
    ];
    for (const [name, description, tags] of skills) {
      const tgz = skillTarball(name, '1.0.0', { packageJson: { description }, manifest: { description, tags } });
      const res = await request(r.url, 'PUT', `/${name.replace('/', '%2f')}`, {
        token: acme,
        body: publishBody(name, '1.0.0', tgz),
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
  });
  after(() => r.close());

  const search = (qs: string) => request(r.url, 'GET', `/-/v1/search?${qs}`);
  const names = (body: { objects: Array<{ package: { name: string } }> }) => body.objects.map((o) => o.package.name);

  it('matches words in names, descriptions and keywords, exact-ish names first', async () => {
    const res = await search('text=crm');
    assert.equal(res.status, 200);
    assert.deepEqual(names(res.body), ['@acme/crm-lookup', '@acme/deploy']);
    assert.equal(res.body.total, 2);
    assert.equal(res.body.objects[0].package.version, '1.0.0');
    assert.equal(res.body.objects[0].package.description, 'Find customers in the CRM');
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
