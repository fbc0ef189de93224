import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { SEARCH_COUNT_LIMIT } from '@aerostack/contract/api.js';
import { request, signup } from '../helpers/api.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';

/**
 * A word with more matches than search counts (SEARCH_COUNT_LIMIT): the total says "at least", and
 * the pages are exactly those of ranking every match (exact name, then names containing the word,
 * then the rest, each by most recently updated), which the oracle below computes in one plain query.
 * The skills are written by SQL: publishing a thousand tarballs would take minutes.
 */
describe('search with more matches than it counts', function () {
  let r: TestRegistry;
  let acme: string;
  const PUBLIC = SEARCH_COUNT_LIMIT + 100;
  before(async () => {
    r = await startTestRegistry();
    acme = await signup(r.url, 'acme');
    // One exact name, 10 names containing the word, and the rest with it in the description only;
    // plus 30 team and 10 private skills that also match and must never reach the marketplace.
    await sql`
      insert into skills (name, namespace, slug, visibility, description, keywords, latest_version, updated_at)
      select '@acme/' || slug, 'acme', slug, visibility, description, array['tools'], '1.0.0',
             now() - (i * 7919 % 5000) * interval '1 minute' - i * interval '1 millisecond'
      from (
        select i,
               case when i = 0 then 'widget' when i <= 10 then 'widget-kit-' || i else 'thing-' || i end as slug,
               case when i <= ${PUBLIC} then 'public' when i <= ${PUBLIC + 30} then 'team' else 'private' end as visibility,
               'A widget helper number ' || i as description
        from generate_series(0, ${PUBLIC + 40}) as i
      ) s`.execute(r.db);
  });
  after(() => r.close());

  const search = (qs: string, token?: string) => request(r.url, 'GET', `/-/v1/search?${qs}`, { token });
  const names = (body: { objects: Array<{ package: { name: string } }> }) => body.objects.map((o) => o.package.name);
  /** Every public match, ranked, straight from the table. */
  const oracle = async (word: string, scope: 'public' | 'nonpublic' = 'public') =>
    (
      await sql<{ name: string }>`
        select name from skills
        where latest_version is not null and search_text like ${`%${word}%`}
          and ${scope === 'public' ? sql`visibility = 'public'` : sql`visibility <> 'public'`}
        order by case when slug = ${word} or name = ${word} then 0 when name like ${`%${word}%`} then 1 else 2 end,
                 updated_at desc, name`.execute(r.db)
    ).rows.map((x) => x.name);

  it('reports the total as a lower bound past the limit, and pages in the order of ranking every match', async () => {
    const all = await oracle('widget');
    assert.equal(all.length, PUBLIC + 1);
    for (const [from, size] of [
      [0, 20],
      [20, 20],
      [500, 50],
      [SEARCH_COUNT_LIMIT - 10, 20],
    ] as const) {
      const res = await search(`text=widget&from=${from}&size=${size}`);
      assert.equal(res.status, 200);
      assert.deepEqual(names(res.body), all.slice(from, from + size), `from ${from}`);
      // Counted up to the limit, or to the end of the page when that is further.
      assert.equal(res.body.total, Math.max(SEARCH_COUNT_LIMIT, from + size), `from ${from}`);
      assert.equal(res.body.totalIsLowerBound, true, `from ${from}`);
    }
    assert.equal(names((await search('text=widget')).body)[0], '@acme/widget', 'the exact name first');
  });

  it('counts exactly when the page asked for reaches past the limit', async () => {
    const res = await search(`text=widget&from=${PUBLIC - 50}&size=100`);
    assert.deepEqual(names(res.body), (await oracle('widget')).slice(PUBLIC - 50));
    assert.equal(res.body.total, PUBLIC + 1);
    assert.equal(res.body.totalIsLowerBound, false);
  });

  it('counts exactly below the limit, with every word', async () => {
    const res = await search('text=widget+kit&size=250');
    assert.deepEqual(
      names(res.body),
      (await oracle('widget')).filter((n) => n.includes('widget-kit')),
    );
    assert.equal(res.body.total, 10);
    assert.equal(res.body.totalIsLowerBound, false);
  });

  it('never lists a team or private skill in the marketplace; scope=team counts them for the owner only', async () => {
    for (const token of [acme, undefined]) {
      const res = await search('text=widget&size=250&from=900', token);
      assert.ok(res.body.objects.every((o: { package: { visibility: string } }) => o.package.visibility === 'public'));
    }
    const team = await search('text=widget&scope=team&size=250', acme);
    assert.deepEqual(names(team.body), await oracle('widget', 'nonpublic'));
    assert.equal(team.body.total, 40);
    assert.equal(team.body.totalIsLowerBound, false);
    const outsider = await search('text=widget&scope=team', await signup(r.url, 'carol'));
    assert.deepEqual(outsider.body.objects, []);
  });

  it('says how many in the dashboard: "1000+" past the limit', async () => {
    const res = await request(r.url, 'GET', '/search?q=widget');
    assert.equal(res.status, 200);
    assert.match(String(res.body), new RegExp(`${SEARCH_COUNT_LIMIT}\\+ skills matching`));
    const few = await request(r.url, 'GET', '/search?q=widget-kit');
    assert.match(String(few.body), /10 skills matching/);
  });
});
