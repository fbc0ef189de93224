import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request, publishBody, signup } from '../helpers/api.js';
import { startSecondInstance, startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { skillTarball } from '../helpers/skills.js';

/**
 * npm's hot reads (package document, tarball) are answered from memory between changes
 * (registry/domain/cache). These read each answer twice first, so it is cached, then change what it
 * depends on — through the API, and by SQL behind the services' back — and expect the very next
 * request to see the change, on this instance and on a second one sharing the same database.
 */
describe('read cache: npm reads from memory, never stale', function () {
  this.timeout(60_000);
  let r: TestRegistry;
  let other: Awaited<ReturnType<typeof startSecondInstance>>;
  let acme: string;
  let alice: string;
  const CRM = '@acme/crm';

  const publish = (v: string, opts: Parameters<typeof publishBody>[3] = {}) =>
    request(r.url, 'PUT', '/@acme%2fcrm', {
      token: acme,
      body: publishBody(CRM, v, skillTarball(CRM, v), { visibility: 'team', ...opts }),
    });
  /** The same read on both instances, twice each (the second from the cache); both answers must agree. */
  async function readTwiceOnBoth(path: string, token?: string, headers?: Record<string, string>) {
    const answers = [];
    for (const base of [r.url, other.url]) {
      for (let i = 0; i < 2; i++) answers.push(await request(base, 'GET', path, { token, headers }));
    }
    for (const a of answers.slice(1)) {
      assert.equal(a.status, answers[0]!.status, `same status everywhere for ${path}`);
      assert.deepEqual(a.body, answers[0]!.body, `same body everywhere for ${path}`);
    }
    return answers[0]!;
  }
  const statusOnBoth = async (path: string, token?: string) => [
    (await request(r.url, 'GET', path, { token })).status,
    (await request(other.url, 'GET', path, { token })).status,
  ];

  before(async () => {
    r = await startTestRegistry();
    other = await startSecondInstance(r);
    acme = await signup(r.url, 'acme');
    alice = await signup(r.url, 'alice');
    assert.equal((await publish('1.0.0')).status, 201);
  });
  after(async () => {
    await other?.close();
    await r?.close();
  });

  it('a member added or removed behind the API is seen by the next read, on both instances', async () => {
    assert.equal((await readTwiceOnBoth('/@acme/crm', alice)).status, 403);
    const aliceId = (
      await r.db.selectFrom('users').select('id').where('username', '=', 'alice').executeTakeFirstOrThrow()
    ).id;
    await r.db
      .insertInto('memberships')
      .values({ namespace: 'acme', user_id: aliceId, role: 'member', created_at: new Date() })
      .execute();
    assert.equal((await readTwiceOnBoth('/@acme/crm', alice)).status, 200);
    assert.equal((await readTwiceOnBoth('/@acme/crm/-/crm-1.0.0.tgz', alice)).status, 200);

    const removed = await request(r.url, 'DELETE', '/-/api/v1/teams/acme/members/alice', { token: acme });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.deepEqual(await statusOnBoth('/@acme/crm', alice), [403, 403]);
    assert.deepEqual(await statusOnBoth('/@acme/crm/-/crm-1.0.0.tgz', alice), [403, 403]);
    await r.db
      .insertInto('memberships')
      .values({ namespace: 'acme', user_id: aliceId, role: 'member', created_at: new Date() })
      .execute();
  });

  it('a revoked token is refused by the next read on both instances; an expired one as soon as the clock passes', async () => {
    const made = await request(r.url, 'POST', '/-/api/v1/tokens', {
      token: alice,
      body: { name: 'ci', expiresInSeconds: 3600 },
    });
    assert.equal(made.status, 201);
    const ci = made.body.token as string;
    assert.equal((await readTwiceOnBoth('/@acme/crm', ci)).status, 200);
    r.clock.advance(3601 * 1000);
    const expired = await request(r.url, 'GET', '/@acme/crm', { token: ci });
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error, 'This token has expired; sign in again');

    const second = (await request(r.url, 'POST', '/-/api/v1/tokens', { token: alice, body: { name: 'ci2' } })).body
      .token as string;
    assert.equal((await readTwiceOnBoth('/@acme/crm/-/crm-1.0.0.tgz', second)).status, 200);
    assert.equal((await request(r.url, 'DELETE', '/-/api/v1/tokens/ci2', { token: alice })).status, 200);
    assert.deepEqual(await statusOnBoth('/@acme/crm/-/crm-1.0.0.tgz', second), [401, 401]);
    assert.deepEqual(await statusOnBoth('/@acme/crm', second), [401, 401]);
  });

  it('publish, dist-tag, deprecate and visibility changes show in the next document', async () => {
    const before = await readTwiceOnBoth('/@acme/crm', alice);
    assert.deepEqual(Object.keys(before.body.versions), ['1.0.0']);

    assert.equal((await publish('1.1.0')).status, 201);
    let doc = await readTwiceOnBoth('/@acme/crm', alice);
    assert.deepEqual(Object.keys(doc.body.versions), ['1.0.0', '1.1.0']);
    assert.equal(doc.body['dist-tags'].latest, '1.1.0');

    assert.equal(
      (await request(r.url, 'PUT', '/-/package/@acme%2fcrm/dist-tags/stable', { token: acme, body: '1.0.0' })).status,
      201,
    );
    doc = await readTwiceOnBoth('/@acme/crm', alice);
    assert.equal(doc.body['dist-tags'].stable, '1.0.0');

    // A change by SQL alone (an operator's fix) is seen too: the epoch is bumped by a trigger.
    await r.db.updateTable('skill_versions').set({ deprecated: 'use 1.1.0' }).where('version', '=', '1.0.0').execute();
    doc = await readTwiceOnBoth('/@acme/crm', alice);
    assert.equal(doc.body.versions['1.0.0'].deprecated, 'use 1.1.0');

    assert.equal(
      (
        await request(r.url, 'PUT', '/-/api/v1/skills/@acme%2fcrm/visibility', {
          token: acme,
          body: { visibility: 'private' },
        })
      ).status,
      200,
    );
    assert.deepEqual(await statusOnBoth('/@acme/crm', alice), [404, 404]);
    assert.equal(
      (
        await request(r.url, 'PUT', '/-/api/v1/skills/@acme%2fcrm/visibility', {
          token: acme,
          body: { visibility: 'public' },
        })
      ).status,
      200,
    );
    assert.deepEqual(await statusOnBoth('/@acme/crm', undefined), [200, 200]);
  });

  it('refusals are cached too, and never stale: a token created, a skill published, a visibility switched', async () => {
    // An aer_ token nobody has yet: refused (and that refusal cached) on both instances, then created
    // behind the API, as an operator would. The next read with it is let in.
    const secret = `aer_${'x'.repeat(43)}`;
    assert.equal((await readTwiceOnBoth('/@acme/crm', secret)).status, 401);
    const aliceId = (
      await r.db.selectFrom('users').select('id').where('username', '=', 'alice').executeTakeFirstOrThrow()
    ).id;
    await r.db
      .insertInto('tokens')
      .values({
        key: 'late-token',
        user_id: aliceId,
        token_hash: createHash('sha256').update(secret).digest('hex'),
        token_prefix: secret.slice(0, 10),
        name: 'late',
        kind: 'automation',
        readonly: true,
        created_at: r.clock.now(),
      })
      .execute();
    assert.deepEqual(await statusOnBoth('/@acme/crm', secret), [200, 200]);

    // A 404 for a skill not yet published, then published.
    assert.equal((await readTwiceOnBoth('/@acme/later', alice)).status, 404);
    const published = await request(r.url, 'PUT', '/@acme%2flater', {
      token: acme,
      body: publishBody('@acme/later', '1.0.0', skillTarball('@acme/later', '1.0.0'), { visibility: 'team' }),
    });
    assert.equal(published.status, 201);
    assert.deepEqual(await statusOnBoth('/@acme/later', alice), [200, 200]);

    // A 401 for an anonymous read of a team skill, then the skill made public.
    assert.equal((await readTwiceOnBoth('/@acme/later')).status, 401);
    const visibility = await request(r.url, 'PUT', '/-/api/v1/skills/@acme%2flater/visibility', {
      token: acme,
      body: { visibility: 'public' },
    });
    assert.equal(visibility.status, 200);
    assert.deepEqual(await statusOnBoth('/@acme/later'), [200, 200]);
  });

  it('answers a repeated read with 304 until the document changes; tarballs are byte for byte', async () => {
    const first = await request(r.url, 'GET', '/@acme/crm', { token: alice });
    const etag = first.headers.get('etag')!;
    assert.match(etag, /^"[\w-]+"$/);
    assert.equal(first.headers.get('cache-control'), 'private, no-cache');
    assert.equal(
      (await request(r.url, 'GET', '/@acme/crm', { token: alice, headers: { 'If-None-Match': etag } })).status,
      304,
    );
    assert.equal((await publish('1.2.0')).status, 201);
    const changed = await request(r.url, 'GET', '/@acme/crm', { token: alice, headers: { 'If-None-Match': etag } });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get('etag'), etag);

    for (let i = 0; i < 2; i++) {
      const tgz = await request(r.url, 'GET', '/@acme/crm/-/crm-1.2.0.tgz', { token: alice });
      assert.equal(tgz.status, 200);
      assert.ok(tgz.body.equals(skillTarball(CRM, '1.2.0')));
    }
    const head = await request(r.url, 'HEAD', '/@acme/crm/-/crm-1.2.0.tgz', { token: alice });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(skillTarball(CRM, '1.2.0').length));
  });
});
