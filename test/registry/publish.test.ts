import assert from 'node:assert/strict';
import ssri from 'ssri';
import { request, publishBody, signup } from '../helpers/api.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { skillTarball } from '../helpers/skills.js';
import { gzip, rawTar, validSkillEntries } from '../helpers/tarballs.js';

async function blobKeys(r: TestRegistry): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of r.blobs.list('tarballs/')) keys.push(k);
  return keys;
}

describe('publishing skills', function () {
  let r: TestRegistry;
  let acme: string;
  let bob: string;

  before(async () => {
    r = await startTestRegistry({
      limits: { maxTarballBytes: 64 * 1024, maxUnpackedBytes: 256 * 1024, maxEntries: 50 },
    });
    acme = await signup(r.url, 'acme');
    bob = await signup(r.url, 'bob');
  });
  after(() => r.close());

  const put = (name: string, body: unknown, token = acme) =>
    request(r.url, 'PUT', `/${name.replace('/', '%2f')}`, { token, body });

  it('stores the tarball and serves it back byte for byte, matching its sha512 integrity', async () => {
    const tgz = skillTarball('@acme/crm', '1.0.0');
    const res = await put('@acme/crm', publishBody('@acme/crm', '1.0.0', tgz));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const doc = await request(r.url, 'GET', '/@acme/crm');
    assert.equal(doc.status, 200);
    const dist = doc.body.versions['1.0.0'].dist;
    assert.equal(dist.tarball, `${r.url}/@acme/crm/-/crm-1.0.0.tgz`);
    assert.ok(dist.integrity.startsWith('sha512-'));
    assert.equal(doc.body.time['1.0.0'] !== undefined, true);
    const file = await request(r.url, 'GET', '/@acme/crm/-/crm-1.0.0.tgz');
    assert.equal(file.status, 200);
    assert.ok(Buffer.compare(file.body, tgz) === 0);
    assert.ok(ssri.checkData(file.body, dist.integrity));
  });

  it('serves the abbreviated document npm install asks for', async () => {
    const res = await request(r.url, 'GET', '/@acme%2fcrm', {
      headers: { accept: 'application/vnd.npm.install-v1+json' },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /application\/vnd\.npm\.install-v1\+json/);
    assert.deepEqual(Object.keys(res.body).sort(), ['dist-tags', 'modified', 'name', 'versions']);
    assert.equal(res.body.versions['1.0.0'].dist.tarball, `${r.url}/@acme/crm/-/crm-1.0.0.tgz`);
    assert.equal(res.body.versions['1.0.0'].readme, undefined);
  });

  it('refuses to replace a published version (409) and keeps the original bytes', async () => {
    const before = await request(r.url, 'GET', '/@acme/crm/-/crm-1.0.0.tgz');
    const other = skillTarball('@acme/crm', '1.0.0', { files: { 'extra.txt': 'different bytes' } });
    const res = await put('@acme/crm', publishBody('@acme/crm', '1.0.0', other));
    assert.equal(res.status, 409);
    assert.match(res.body.error, /previously published version @acme\/crm@1\.0\.0/);
    const after = await request(r.url, 'GET', '/@acme/crm/-/crm-1.0.0.tgz');
    assert.ok(Buffer.compare(before.body, after.body) === 0);
  });

  it('requires every new version to be greater than the highest one', async () => {
    assert.equal(
      (await put('@acme/crm', publishBody('@acme/crm', '1.2.0', skillTarball('@acme/crm', '1.2.0')))).status,
      201,
    );
    const res = await put('@acme/crm', publishBody('@acme/crm', '1.1.0', skillTarball('@acme/crm', '1.1.0')));
    assert.equal(res.status, 409);
    assert.match(res.body.error, /must be greater than the highest published version of @acme\/crm \(1\.2\.0\)/);
    const doc = await request(r.url, 'GET', '/@acme/crm');
    assert.deepEqual(Object.keys(doc.body.versions).sort(), ['1.0.0', '1.2.0']);
  });

  it('moves latest to the highest stable version; a prerelease goes to its own tag', async () => {
    const res = await put(
      '@acme/crm',
      publishBody('@acme/crm', '2.0.0-beta.1', skillTarball('@acme/crm', '2.0.0-beta.1'), { tag: 'beta' }),
    );
    assert.equal(res.status, 201);
    const tags = await request(r.url, 'GET', '/-/package/@acme%2fcrm/dist-tags');
    assert.deepEqual(tags.body, { beta: '2.0.0-beta.1', latest: '1.2.0' });
    // Even published "as latest", a prerelease does not take latest from a stable version.
    await put('@acme/crm', publishBody('@acme/crm', '2.0.0-beta.2', skillTarball('@acme/crm', '2.0.0-beta.2')));
    assert.equal((await request(r.url, 'GET', '/-/package/@acme%2fcrm/dist-tags')).body.latest, '1.2.0');
  });

  it('a stable version published under another tag leaves latest where it was (as npm does)', async () => {
    const res = await put(
      '@acme/crm',
      publishBody('@acme/crm', '2.0.0', skillTarball('@acme/crm', '2.0.0'), { tag: 'next' }),
    );
    assert.equal(res.status, 201);
    const tags = (await request(r.url, 'GET', '/-/package/@acme%2fcrm/dist-tags')).body;
    assert.equal(tags.latest, '1.2.0');
    assert.equal(tags.next, '2.0.0');
  });

  it('adds and removes dist-tags, and refuses tags that are versions or point nowhere', async () => {
    const add = await request(r.url, 'PUT', '/-/package/@acme%2fcrm/dist-tags/stable', { token: acme, body: '1.0.0' });
    assert.equal(add.status, 201);
    assert.equal(add.body.stable, '1.0.0');
    assert.equal(
      (await request(r.url, 'PUT', '/-/package/@acme%2fcrm/dist-tags/1.0.0', { token: acme, body: '1.0.0' })).status,
      400,
    );
    assert.equal(
      (await request(r.url, 'PUT', '/-/package/@acme%2fcrm/dist-tags/x2', { token: acme, body: '9.9.9' })).status,
      404,
    );
    assert.equal(
      (await request(r.url, 'PUT', '/-/package/@acme%2fcrm/dist-tags/x2', { token: bob, body: '1.0.0' })).status,
      403,
    );
    const rm = await request(r.url, 'DELETE', '/-/package/@acme%2fcrm/dist-tags/stable', { token: acme });
    assert.equal(rm.status, 200);
    assert.equal(rm.body.stable, undefined);
    assert.equal(
      (await request(r.url, 'DELETE', '/-/package/@acme%2fcrm/dist-tags/latest', { token: acme })).status,
      400,
    );
  });

  it("deprecates and undeprecates through npm's metadata-only PUT", async () => {
    const doc = (await request(r.url, 'GET', '/@acme/crm?write=true', { token: acme })).body;
    doc.versions['1.0.0'].deprecated = 'use 1.2.0';
    assert.equal((await put('@acme/crm', doc)).status, 200);
    let now = (await request(r.url, 'GET', '/@acme/crm')).body;
    assert.equal(now.versions['1.0.0'].deprecated, 'use 1.2.0');
    now.versions['1.0.0'].deprecated = '';
    assert.equal((await put('@acme/crm', now)).status, 200);
    now = (await request(r.url, 'GET', '/@acme/crm')).body;
    assert.equal(now.versions['1.0.0'].deprecated, undefined);
    // Someone who may not publish to @acme cannot deprecate either.
    now.versions['1.0.0'].deprecated = 'hijacked';
    assert.equal((await put('@acme/crm', now, bob)).status, 403);
  });

  it('unpublishes within 72 hours, never reuses the number, and refuses after the window', async () => {
    const tgz = skillTarball('@acme/crm', '3.0.0');
    assert.equal((await put('@acme/crm', publishBody('@acme/crm', '3.0.0', tgz))).status, 201);
    const doc = (await request(r.url, 'GET', '/@acme/crm?write=true', { token: acme })).body;
    delete doc.versions['3.0.0'];
    const res = await request(r.url, 'PUT', `/@acme%2fcrm/-rev/${doc._rev}`, { token: acme, body: doc });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const after = (await request(r.url, 'GET', '/@acme/crm')).body;
    assert.equal(after.versions['3.0.0'], undefined);
    assert.ok(after.time['3.0.0'], 'the unpublished number stays in time so npm refuses to reuse it');
    assert.equal(after['dist-tags'].latest, '2.0.0', 'latest falls back to the highest remaining stable version');
    assert.equal((await request(r.url, 'GET', '/@acme/crm/-/crm-3.0.0.tgz')).status, 404);
    const again = await put('@acme/crm', publishBody('@acme/crm', '3.0.0', tgz));
    assert.equal(again.status, 409);
    assert.match(again.body.error, /unpublished and its number cannot be reused/);

    r.clock.advance(73 * 3600 * 1000);
    try {
      const late = await request(r.url, 'DELETE', `/@acme%2fcrm/-rev/${after._rev}`, { token: acme });
      assert.equal(late.status, 403);
      assert.match(late.body.error, /more than 72 hours ago.*deprecate it instead/);
      assert.ok((await request(r.url, 'GET', '/@acme/crm')).body.versions['1.2.0']);
    } finally {
      r.clock.advance(-73 * 3600 * 1000);
    }
  });

  it('only the namespace owner (or an admin of it) publishes into @ns', async () => {
    const body = publishBody('@acme/intruder', '1.0.0', skillTarball('@acme/intruder', '1.0.0'));
    const res = await put('@acme/intruder', body, bob);
    assert.equal(res.status, 403);
    assert.equal(res.body.error, 'You do not have permission to publish to @acme');
    assert.equal((await put('@acme/intruder', body, '')).status, 401);
    const bobUser = await r.db.selectFrom('users').select('id').where('username', '=', 'bob').executeTakeFirstOrThrow();
    await r.db.insertInto('memberships').values({ namespace: 'acme', user_id: bobUser.id, role: 'member' }).execute();
    assert.equal((await put('@acme/intruder', body, bob)).status, 403, 'a plain member may install, not publish');
    await r.db.updateTable('memberships').set({ role: 'admin' }).where('user_id', '=', bobUser.id).execute();
    assert.equal((await put('@acme/intruder', body, bob)).status, 201, 'an admin may publish');
  });

  it('a read-only token cannot publish', async () => {
    const ro = await request(r.url, 'POST', '/-/api/v1/tokens', {
      token: acme,
      body: { name: 'ci read', readonly: true },
    });
    assert.equal(ro.status, 201);
    const res = await put(
      '@acme/ro',
      publishBody('@acme/ro', '1.0.0', skillTarball('@acme/ro', '1.0.0')),
      ro.body.token,
    );
    assert.equal(res.status, 403);
    assert.match(res.body.error, /read-only/);
  });

  it('publishes with npm access=restricted as a team skill and visibility=private as private', async () => {
    await put(
      '@acme/t1',
      publishBody('@acme/t1', '1.0.0', skillTarball('@acme/t1', '1.0.0'), { access: 'restricted' }),
    );
    await put(
      '@acme/p1',
      publishBody('@acme/p1', '1.0.0', skillTarball('@acme/p1', '1.0.0'), { visibility: 'private' }),
    );
    assert.equal((await request(r.url, 'GET', '/@acme/t1', { token: acme })).body.visibility, 'team');
    assert.equal((await request(r.url, 'GET', '/@acme/p1', { token: acme })).body.visibility, 'private');
    assert.equal((await request(r.url, 'GET', '/@acme/p1')).status, 404);
  });

  describe('hostile and invalid publishes are refused with a reason and store nothing', () => {
    const name = '@acme/hostile';
    const v = '1.0.0';
    const entries = () =>
      validSkillEntries({ manifest: { name: 'hostile', version: v }, packageJson: { name, version: v } });
    const cases: Array<[string, () => unknown, number, RegExp]> = [
      [
        'path traversal',
        () => publishBody(name, v, gzip(rawTar([...entries(), { path: 'package/../../evil.js', body: 'x' }]))),
        400,
        /\.\./,
      ],
      [
        'absolute path',
        () => publishBody(name, v, gzip(rawTar([...entries(), { path: '/etc/cron.d/evil', body: 'x' }]))),
        400,
        /absolute|outside|package\//i,
      ],
      [
        'symlink out of the package',
        () =>
          publishBody(
            name,
            v,
            gzip(rawTar([...entries(), { path: 'package/passwd', type: '2', linkpath: '/etc/passwd' }])),
          ),
        400,
        /link/i,
      ],
      [
        'hardlink',
        () =>
          publishBody(
            name,
            v,
            gzip(rawTar([...entries(), { path: 'package/h', type: '1', linkpath: 'package/index.js' }])),
          ),
        400,
        /link/i,
      ],
      [
        'device file',
        () => publishBody(name, v, gzip(rawTar([...entries(), { path: 'package/dev', type: '3' }]))),
        400,
        /device/i,
      ],
      [
        'gzip bomb',
        () =>
          publishBody(
            name,
            v,
            gzip(rawTar([...entries(), { path: 'package/zeros.bin', body: Buffer.alloc(2 * 1024 * 1024) }])),
          ),
        413,
        /unpacks to more than|add up to more than/,
      ],
      [
        'too many entries',
        () =>
          publishBody(
            name,
            v,
            gzip(
              rawTar([
                ...entries(),
                ...Array.from({ length: 60 }, (_, i) => ({ path: `package/f${i}.txt`, body: 'x' })),
              ]),
            ),
          ),
        413,
        /entries/,
      ],
      [
        'tarball over the size limit',
        () => publishBody(name, v, Buffer.concat([gzip(rawTar(entries())), Buffer.alloc(70 * 1024)])),
        413,
        /limit/,
      ],
      [
        'integrity mismatch',
        () =>
          publishBody(name, v, skillTarball(name, v), {
            integrity: ssri.fromData('other', { algorithms: ['sha512'] }).toString(),
          }),
        400,
        /Integrity mismatch/,
      ],
      [
        'manifest missing',
        () => publishBody(name, v, gzip(rawTar(entries().filter((e) => !e.path.endsWith('aerostack.json'))))),
        400,
        /aerostack\.json is missing/,
      ],
      [
        'manifest invalid',
        () => publishBody(name, v, skillTarball(name, v, { manifest: { type: 'robot' } })),
        400,
        /aerostack\.json/,
      ],
      [
        'input_schema that could not be checked in linear time (ReDoS)',
        () =>
          publishBody(
            name,
            v,
            skillTarball(name, v, {
              manifest: {
                tool: {
                  name: 'run',
                  description: 'x',
                  input_schema: { type: 'object', properties: { s: { type: 'string', pattern: '^(a|a)*\\1$' } } },
                },
              },
            }),
          ),
        400,
        /^Invalid aerostack\.json: tool\.input_schema has a pattern "\^\(a\|a\)\*\\\\1\$" that cannot be checked in linear time/,
      ],
      [
        'input_schema that is not a JSON Schema',
        () =>
          publishBody(
            name,
            v,
            skillTarball(name, v, {
              manifest: {
                tool: { name: 'run', description: 'x', input_schema: { type: 'object', required: 'email' } },
              },
            }),
          ),
        400,
        /^Invalid aerostack\.json: tool\.input_schema is not a valid JSON Schema: required must be array/,
      ],
      [
        'mcp server with Node options before its file',
        () =>
          publishBody(
            name,
            v,
            skillTarball(name, v, {
              kind: 'mcp',
              manifest: { name: 'hostile', version: v, args: ['--allow-child-process', 'server.js'] },
            }),
          ),
        400,
        /args\[0\] must be the server file to run/,
      ],
      [
        'mcp server file not in the tarball',
        () =>
          publishBody(
            name,
            v,
            skillTarball(name, v, {
              kind: 'mcp',
              manifest: { name: 'hostile', version: v, args: ['dist/missing.js'] },
            }),
          ),
        400,
        /^args\[0\] "dist\/missing\.js" \(the server file\) is not in the tarball$/,
      ],
      [
        'manifest name differs from the skill',
        () => publishBody(name, v, skillTarball(name, v, { manifest: { name: 'other' } })),
        400,
        /aerostack\.json name must be "hostile"/,
      ],
      [
        'package.json names another skill',
        () => publishBody(name, v, skillTarball(name, v, { packageJson: { name: '@acme/other' } })),
        400,
        /package\.json name must be/,
      ],
      ['not a tarball', () => publishBody(name, v, Buffer.from('this is not gzip')), 400, /gzip/],
      [
        'attachment not base64',
        () => ({
          ...publishBody(name, v, skillTarball(name, v)),
          _attachments: { [`${name}-${v}.tgz`]: { data: '%%%not base64%%%' } },
        }),
        400,
        /base64/,
      ],
      [
        'two attachments',
        () => {
          const b = publishBody(name, v, skillTarball(name, v));
          return {
            ...b,
            _attachments: { ...b._attachments, [`${name}-1.0.1.tgz`]: b._attachments[`${name}-${v}.tgz`] },
          };
        },
        400,
        /exactly one tarball/,
      ],
      [
        'invalid version in the file name',
        () => ({
          ...publishBody(name, v, skillTarball(name, v)),
          _attachments: { [`${name}-latest.tgz`]: { data: 'AAAA' } },
        }),
        400,
        /valid semver/,
      ],
      [
        'name in body differs from URL',
        () => ({ ...publishBody(name, v, skillTarball(name, v)), name: '@acme/else' }),
        400,
        /URL names/,
      ],
      [
        'versions is not an object',
        () => ({ ...publishBody(name, v, skillTarball(name, v)), versions: 'nope' }),
        400,
        /versions/,
      ],
    ];
    for (const [label, body, status, message] of cases) {
      it(`${label} → ${status}`, async () => {
        const keysBefore = await blobKeys(r);
        const res = await put(name, body());
        assert.equal(res.status, status, JSON.stringify(res.body));
        assert.match(res.body.error, message);
        assert.equal((await request(r.url, 'GET', `/${name}`, { token: acme })).status, 404, 'no skill became visible');
        assert.deepEqual(await blobKeys(r), keysBefore, 'no blob was stored');
      });
    }

    it('a symlink-free tarball with an unsafe path in a PAX header is refused too', async () => {
      const tgz = gzip(
        rawTar([...entries(), { path: 'package/innocent.txt', pax: { path: '../../escape.txt' }, body: 'x' }]),
      );
      const res = await put(name, publishBody(name, v, tgz));
      assert.equal(res.status, 400);
      assert.match(res.body.error, /\.\./);
    });

    it('malformed JSON gets 400, an oversized body 413, and the server keeps serving', async () => {
      const bad = await request(r.url, 'PUT', '/@acme%2fhostile', { token: acme, rawBody: '{"name": ' });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body, { error: 'Malformed JSON body' });
      const big = await request(r.url, 'PUT', '/@acme%2fhostile', {
        token: acme,
        rawBody: JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }),
      });
      assert.equal(big.status, 413);
      assert.match(big.body.error, /too large/);
      assert.equal((await request(r.url, 'GET', '/healthz')).status, 200);
    });
  });

  it('20 concurrent publishes of one name@version: exactly one wins, the rest get 409', async () => {
    const tarballs = Array.from({ length: 20 }, (_, i) =>
      skillTarball('@acme/race', '1.0.0', { files: { 'who.txt': `publisher ${i}` } }),
    );
    const results = await Promise.all(tarballs.map((t) => put('@acme/race', publishBody('@acme/race', '1.0.0', t))));
    const statuses = results.map((x) => x.status).sort();
    assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses: ${statuses.join(',')}`);
    assert.equal(statuses.filter((s) => s === 409).length, 19, `statuses: ${statuses.join(',')}`);
    const doc = (await request(r.url, 'GET', '/@acme/race')).body;
    const file = await request(r.url, 'GET', '/@acme/race/-/race-1.0.0.tgz');
    assert.ok(
      ssri.checkData(file.body, doc.versions['1.0.0'].dist.integrity),
      'the stored bytes match the stored integrity',
    );
    const winner = results.find((x) => x.status === 201)!;
    assert.equal(winner.body.integrity, doc.versions['1.0.0'].dist.integrity);
  });
});
