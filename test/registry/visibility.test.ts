/**
 * SPEC "Visibility": every (viewer × skill × read surface) pair, generated from the access table, so a
 * failure names exactly who asked for what, and where. Also: losing membership takes effect on the very
 * next request, and invalid or revoked bearer tokens are refused even for public skills.
 */
import assert from 'node:assert/strict';
import ssri from 'ssri';
import type { Visibility } from '@aerostack/registry/db/schema.js';
import { publishBody, request, signup } from '../helpers/api.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { skillTarball } from '../helpers/skills.js';
import { SPEC_TABLE, type Outcome, type Relation } from '../helpers/visibility-oracle.js';

const ABBREVIATED = 'application/vnd.npm.install-v1+json';
const VERSION = '1.0.0';

// ---------------------------------------------------------------------------------------------------
// The table under test, written as SPEC writes it.

type ViewerName = 'acme' | 'alice' | 'adam' | 'bob' | 'anonymous';
const VIEWERS: { name: ViewerName; relation: Relation; describe: string }[] = [
  { name: 'acme', relation: 'owner', describe: 'acme (owner of @acme)' },
  { name: 'alice', relation: 'member', describe: 'alice (member of @acme)' },
  { name: 'adam', relation: 'admin', describe: 'adam (admin of @acme)' },
  { name: 'bob', relation: 'other', describe: 'bob (other signed-in user)' },
  { name: 'anonymous', relation: 'anonymous', describe: 'anonymous' },
];

interface SkillDef {
  key: 'pub' | 'team' | 'secret';
  name: string;
  slug: string;
  visibility: Visibility;
  /** A word that appears only in this skill's description, for search. */
  word: string;
}
const SKILLS: SkillDef[] = [
  { key: 'pub', name: '@acme/pub', slug: 'pub', visibility: 'public', word: 'zephyrquill' },
  { key: 'team', name: '@acme/team-tool', slug: 'team-tool', visibility: 'team', word: 'marmotlantern' },
  { key: 'secret', name: '@acme/secret', slug: 'secret', visibility: 'private', word: 'obsidianwhelk' },
];
const TEAM = SKILLS.find((s) => s.key === 'team')!;
const PUB = SKILLS.find((s) => s.key === 'pub')!;
const SECRET = SKILLS.find((s) => s.key === 'secret')!;
const MISSING = { name: '@acme/does-not-exist', slug: 'does-not-exist' };

type Surface = 'full packument' | 'abbreviated packument' | 'tarball' | 'dist-tags' | 'search';
const SURFACES: Surface[] = ['full packument', 'abbreviated packument', 'tarball', 'dist-tags', 'search'];
type ItemSurface = Exclude<Surface, 'search'>;
const ITEM_SURFACES = SURFACES.filter((s): s is ItemSurface => s !== 'search');

const NOT_A_MEMBER_BODY = '{"error":"You are not a member of @acme"}';

// ---------------------------------------------------------------------------------------------------
// Raw HTTP: exact bytes, so bodies can be compared byte for byte.

interface Raw {
  status: number;
  headers: Headers;
  bytes: Buffer;
  text: string;
}

let r: TestRegistry;
const tokens: Partial<Record<ViewerName, string>> = {};
const userIds: Partial<Record<ViewerName, number>> = {};
const tarballs = new Map<string, Buffer>();

async function raw(method: string, path: string, opts: { token?: string; accept?: string } = {}): Promise<Raw> {
  const headers: Record<string, string> = {};
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  if (opts.accept) headers.accept = opts.accept;
  const res = await fetch(r.url + path, { method, headers });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, text: bytes.toString('utf8') };
}

const parse = (res: Raw): any => JSON.parse(res.text);
const describeRes = (res: Raw) => `${res.status} ${res.headers.get('content-type')} ${res.text.slice(0, 300)}`;

function surfacePath(surface: ItemSurface, skill: { name: string; slug: string }): { path: string; accept?: string } {
  switch (surface) {
    case 'full packument':
      return { path: `/${skill.name}` };
    case 'abbreviated packument':
      return { path: `/${skill.name}`, accept: ABBREVIATED };
    case 'tarball':
      return { path: `/${skill.name}/-/${skill.slug}-${VERSION}.tgz` };
    case 'dist-tags':
      return { path: `/-/package/${skill.name.replace('/', '%2f')}/dist-tags` };
  }
}

async function fetchSurface(
  surface: ItemSurface,
  skill: { name: string; slug: string },
  token: string | undefined,
): Promise<Raw> {
  const { path, accept } = surfacePath(surface, skill);
  return raw('GET', path, { token, accept });
}

/** `scope` public: the marketplace; team: the team and private skills the viewer may read. */
async function search(
  text: string,
  token: string | undefined,
  scope: 'public' | 'team' = 'public',
): Promise<{ res: Raw; names: string[]; total: number; objects: any[] }> {
  const res = await raw('GET', `/-/v1/search?text=${encodeURIComponent(text)}&size=250&scope=${scope}`, { token });
  assert.equal(res.status, 200, `search ${text}: ${describeRes(res)}`);
  const body = parse(res);
  return { res, names: body.objects.map((o: any) => o.package.name), total: body.total, objects: body.objects };
}

// ---------------------------------------------------------------------------------------------------
// Assertions for each outcome.

/** The 200 answer of `surface` carries this skill's real content. */
function assertReadable(surface: ItemSurface, skill: SkillDef, res: Raw, ctx: string) {
  assert.equal(res.status, 200, `${ctx}: expected 200, got ${describeRes(res)}`);
  const tgz = tarballs.get(skill.name)!;
  switch (surface) {
    case 'full packument': {
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/, ctx);
      const doc = parse(res);
      assert.equal(doc.name, skill.name, ctx);
      assert.equal(doc.visibility, skill.visibility, ctx);
      assert.ok(String(doc.description).includes(skill.word), `${ctx}: description ${doc.description}`);
      assert.deepEqual(doc['dist-tags'], { latest: VERSION }, ctx);
      const v = doc.versions[VERSION];
      assert.ok(v, `${ctx}: version ${VERSION} missing`);
      assert.equal(v.dist.integrity, ssri.fromData(tgz, { algorithms: ['sha512'] }).toString(), ctx);
      assert.ok(
        String(v.dist.tarball).endsWith(`/${skill.name}/-/${skill.slug}-${VERSION}.tgz`),
        `${ctx}: ${v.dist.tarball}`,
      );
      break;
    }
    case 'abbreviated packument': {
      assert.ok(
        (res.headers.get('content-type') ?? '').startsWith(ABBREVIATED),
        `${ctx}: content-type ${res.headers.get('content-type')}`,
      );
      const doc = parse(res);
      assert.equal(doc.name, skill.name, ctx);
      assert.ok(typeof doc.modified === 'string', ctx);
      assert.equal(doc.readme, undefined, `${ctx}: abbreviated packument carries a readme`);
      assert.deepEqual(doc['dist-tags'], { latest: VERSION }, ctx);
      assert.equal(
        doc.versions[VERSION]?.dist?.integrity,
        ssri.fromData(tgz, { algorithms: ['sha512'] }).toString(),
        ctx,
      );
      break;
    }
    case 'tarball':
      assert.equal(res.headers.get('content-type'), 'application/octet-stream', ctx);
      assert.ok(
        res.bytes.equals(tgz),
        `${ctx}: tarball bytes differ from the published tarball (${res.bytes.length} vs ${tgz.length})`,
      );
      break;
    case 'dist-tags':
      assert.deepEqual(parse(res), { latest: VERSION }, ctx);
      break;
  }
}

/** Nothing of a refused skill's content leaks into the refusal. */
function assertNoLeak(skill: SkillDef, res: Raw, ctx: string) {
  assert.ok(!res.text.includes(skill.word), `${ctx}: refusal leaks the description: ${res.text}`);
  assert.ok(!res.text.includes('integrity'), `${ctx}: refusal leaks dist data: ${res.text}`);
}

function assertUnauthorized(res: Raw, ctx: string) {
  assert.equal(res.status, 401, `${ctx}: expected 401, got ${describeRes(res)}`);
  const body = parse(res);
  assert.equal(typeof body.error, 'string', ctx);
  assert.ok(body.error.length > 0, ctx);
  assert.deepEqual(Object.keys(body), ['error'], ctx);
}

function assertNotAMember(res: Raw, ctx: string) {
  assert.equal(res.status, 403, `${ctx}: expected 403, got ${describeRes(res)}`);
  assert.equal(res.text, NOT_A_MEMBER_BODY, `${ctx}: 403 body`);
}

/** Headers that legitimately differ between two answers (time, and those derived from the body bytes). */
const VOLATILE_HEADERS = new Set(['date', 'etag', 'content-length', 'keep-alive', 'connection']);
const stableHeaders = (res: Raw) =>
  Object.fromEntries(
    [...res.headers.entries()].filter(([k]) => !VOLATILE_HEADERS.has(k)).sort(([a], [b]) => a.localeCompare(b)),
  );

/**
 * A private skill's 404 must be indistinguishable from a skill that does not exist: same status, same
 * headers, and the same body byte for byte once each answer's own requested name is replaced by a
 * placeholder (an answer about a missing skill may name what was asked for, nothing more).
 */
async function assertLooksMissing(
  surface: ItemSurface,
  skill: SkillDef,
  res: Raw,
  token: string | undefined,
  ctx: string,
) {
  assert.equal(res.status, 404, `${ctx}: expected 404, got ${describeRes(res)}`);
  const missing = await fetchSurface(surface, MISSING, token);
  assert.equal(missing.status, 404, `${ctx}: the missing skill answered ${describeRes(missing)}`);
  const norm = (text: string, s: { name: string; slug: string }) =>
    text.split(s.name).join('@NS/SKILL').split(s.slug).join('SKILL');
  assert.equal(
    norm(res.text, skill),
    norm(missing.text, MISSING),
    `${ctx}: 404 body differs from a missing skill's:\n  private: ${res.text}\n  missing: ${missing.text}`,
  );
  assert.deepEqual(stableHeaders(res), stableHeaders(missing), `${ctx}: 404 headers differ from a missing skill's`);
  assertNoLeak(skill, res, ctx);
}

async function checkItemSurface(
  surface: ItemSurface,
  skill: SkillDef,
  viewer: ViewerName,
  expected: Outcome,
  ctx: string,
) {
  const token = tokens[viewer];
  const res = await fetchSurface(surface, skill, token);
  switch (expected) {
    case 200:
      return assertReadable(surface, skill, res, ctx);
    case 401:
      assertUnauthorized(res, ctx);
      return assertNoLeak(skill, res, ctx);
    case 403:
      assertNotAMember(res, ctx);
      return assertNoLeak(skill, res, ctx);
    case 404:
      return assertLooksMissing(surface, skill, res, token, ctx);
  }
}

/**
 * A readable skill appears in exactly one search: the marketplace if it is public (for everyone),
 * `scope=team` if not; an unreadable one in neither.
 */
async function checkSearch(skill: SkillDef, viewer: ViewerName, readable: boolean, ctx: string) {
  for (const scope of ['public', 'team'] as const)
    await checkSearchScope(
      skill,
      viewer,
      readable && (scope === 'public') === (skill.visibility === 'public'),
      scope,
      `${ctx} scope=${scope}`,
    );
}

async function checkSearchScope(
  skill: SkillDef,
  viewer: ViewerName,
  shouldAppear: boolean,
  scope: 'public' | 'team',
  ctx: string,
) {
  const { names, total, objects } = await search(skill.word, tokens[viewer], scope);
  if (shouldAppear) {
    assert.deepEqual(
      names,
      [skill.name],
      `${ctx}: expected exactly the hit ${skill.name}, got ${JSON.stringify(names)}`,
    );
    assert.equal(total, 1, ctx);
    assert.equal(objects[0].package.version, VERSION, ctx);
    assert.equal(objects[0].package.visibility, skill.visibility, ctx);
  } else {
    assert.deepEqual(names, [], `${ctx}: ${skill.name} must not appear in search, got ${JSON.stringify(names)}`);
    assert.equal(total, 0, `${ctx}: total counts a hidden skill`);
  }
}

// ---------------------------------------------------------------------------------------------------

describe('visibility: the access table on every read surface', function () {
  before(async function () {
    this.timeout(120_000);
    r = await startTestRegistry();
    for (const v of VIEWERS) {
      if (v.name === 'anonymous') continue;
      tokens[v.name] = await signup(r.url, v.name);
      const row = await r.db.selectFrom('users').select('id').where('username', '=', v.name).executeTakeFirstOrThrow();
      userIds[v.name] = row.id;
    }
    // There is no invite API yet: team membership goes straight into the table.
    await r.db
      .insertInto('memberships')
      .values([
        { namespace: 'acme', user_id: userIds.alice!, role: 'member' },
        { namespace: 'acme', user_id: userIds.adam!, role: 'admin' },
      ])
      .execute();
    for (const s of SKILLS) {
      const tgz = skillTarball(s.name, VERSION, {
        manifest: { description: `The ${s.word} skill` },
        packageJson: { description: `The ${s.word} skill` },
      });
      tarballs.set(s.name, tgz);
      const res = await request(r.url, 'PUT', `/${s.name.replace('/', '%2f')}`, {
        token: tokens.acme,
        body: publishBody(s.name, VERSION, tgz, { visibility: s.visibility }),
      });
      assert.equal(res.status, 201, `publish ${s.name}: ${res.status} ${JSON.stringify(res.body)}`);
    }
  });

  after(async () => {
    await r?.close();
  });

  it('setup: the three skills exist with the visibility they were published with', async () => {
    const rows = await r.db.selectFrom('skills').select(['name', 'visibility']).orderBy('name').execute();
    assert.deepEqual(
      rows,
      SKILLS.map((s) => ({ name: s.name, visibility: s.visibility })).sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  // viewer × skill × surface, straight from SPEC_TABLE.
  for (const viewer of VIEWERS) {
    describe(`as ${viewer.describe}`, () => {
      for (const skill of SKILLS) {
        const expected = SPEC_TABLE[skill.visibility][viewer.relation];
        for (const surface of SURFACES) {
          const title =
            surface === 'search'
              ? `${skill.visibility} ${skill.name} / search: ${expected === 200 ? 'appears' : 'does not appear'}`
              : `${skill.visibility} ${skill.name} / ${surface}: ${expected}`;
          it(title, async () => {
            const ctx = `viewer=${viewer.name} skill=${skill.name} (${skill.visibility}) surface=${surface}`;
            if (surface === 'search') await checkSearch(skill, viewer.name, expected === 200, ctx);
            else await checkItemSurface(surface, skill, viewer.name, expected, ctx);
          });
        }
      }

      const readable = SKILLS.filter((s) => SPEC_TABLE[s.visibility][viewer.relation] === 200);
      const market = readable.filter((s) => s.visibility === 'public').map((s) => s.name);
      const team = readable.filter((s) => s.visibility !== 'public').map((s) => s.name);
      it(`search "acme" lists exactly ${JSON.stringify(market)}, and with scope=team ${JSON.stringify(team)}`, async () => {
        for (const [scope, visible] of [
          ['public', market],
          ['team', team],
        ] as const) {
          const { names, total } = await search('acme', tokens[viewer.name], scope);
          assert.deepEqual([...names].sort(), [...visible].sort(), `viewer=${viewer.name} search scope=${scope}`);
          assert.equal(total, visible.length, `viewer=${viewer.name} scope=${scope}: total counts hidden skills`);
        }
      });
    });
  }

  describe('losing membership takes effect on the very next request (no caching)', () => {
    for (const who of ['alice', 'adam'] as const) {
      const role = who === 'alice' ? 'member' : 'admin';
      describe(`${who} (${role})`, () => {
        const removeMembership = () =>
          r.db
            .deleteFrom('memberships')
            .where('namespace', '=', 'acme')
            .where('user_id', '=', userIds[who]!)
            .executeTakeFirst();
        const restoreMembership = () =>
          r.db
            .insertInto('memberships')
            .values({ namespace: 'acme', user_id: userIds[who]!, role })
            .onConflict((oc) => oc.doNothing())
            .execute();

        after(async () => {
          // Whatever happened, leave the membership as the table above expects it.
          await restoreMembership();
        });

        it('reads the team skill while a member, then gets 403 on the very next request once removed', async () => {
          const ctx = `viewer=${who} skill=${TEAM.name}`;
          // Warm every path first, so any cache would hold the "allowed" answer.
          for (const surface of ITEM_SURFACES)
            await checkItemSurface(surface, TEAM, who, 200, `${ctx} surface=${surface} (member)`);
          await checkSearch(TEAM, who, true, `${ctx} surface=search (member)`);

          const res = await removeMembership();
          assert.equal(Number(res.numDeletedRows), 1, 'membership row deleted');

          assertNotAMember(
            await fetchSurface('full packument', TEAM, tokens[who]),
            `${ctx} surface=full packument (very next request after removal)`,
          );
          for (const surface of ITEM_SURFACES)
            await checkItemSurface(surface, TEAM, who, 403, `${ctx} surface=${surface} (removed)`);
          await checkSearch(TEAM, who, false, `${ctx} surface=search (removed)`);
          // Still an ordinary signed-in user: public reads work, private stays 404.
          await checkItemSurface('full packument', PUB, who, 200, `viewer=${who} skill=${PUB.name} (removed)`);
          await checkItemSurface('full packument', SECRET, who, 404, `viewer=${who} skill=${SECRET.name} (removed)`);
        });

        it('a re-inserted membership restores access on the very next request', async () => {
          const ctx = `viewer=${who} skill=${TEAM.name}`;
          assertNotAMember(
            await fetchSurface('dist-tags', TEAM, tokens[who]),
            `${ctx} surface=dist-tags (before re-insert)`,
          );
          await restoreMembership();
          await checkItemSurface(
            'full packument',
            TEAM,
            who,
            200,
            `${ctx} surface=full packument (very next request after re-insert)`,
          );
          for (const surface of ITEM_SURFACES)
            await checkItemSurface(surface, TEAM, who, 200, `${ctx} surface=${surface} (re-inserted)`);
          await checkSearch(TEAM, who, true, `${ctx} surface=search (re-inserted)`);
          // Membership never opens private skills.
          await checkItemSurface(
            'full packument',
            SECRET,
            who,
            404,
            `viewer=${who} skill=${SECRET.name} (re-inserted)`,
          );
        });
      });
    }
  });

  describe('bad bearer tokens are refused, even for the public skill', () => {
    const INVALID_TOKENS: { label: string; token: string }[] = [
      { label: 'well-formed but unknown aer_ token', token: `aer_${'x'.repeat(43)}` },
      { label: 'garbage token', token: 'definitely-not-a-token' },
    ];

    async function fetchPublic(surface: Surface, token: string): Promise<Raw> {
      if (surface === 'search') return raw('GET', `/-/v1/search?text=${PUB.word}`, { token });
      return fetchSurface(surface, PUB, token);
    }

    for (const bad of INVALID_TOKENS) {
      for (const surface of SURFACES) {
        it(`${bad.label} → 401 on public ${PUB.name} / ${surface}`, async () => {
          const res = await fetchPublic(surface, bad.token);
          assertUnauthorized(res, `token=${bad.label} skill=${PUB.name} surface=${surface}`);
        });
      }
    }

    describe('a revoked token (POST /-/api/v1/logout, then reuse)', () => {
      let revoked: string;

      before(async () => {
        const login = await request(r.url, 'POST', '/-/api/v1/login', {
          body: { username: 'bob', password: 'correct horse battery' },
        });
        assert.equal(login.status, 200, `login bob: ${login.status} ${JSON.stringify(login.body)}`);
        revoked = login.body.token;
        assert.equal((await fetchPublic('full packument', revoked)).status, 200, 'the fresh token works before logout');
        const out = await request(r.url, 'POST', '/-/api/v1/logout', { token: revoked });
        assert.equal(out.status, 200, `logout: ${out.status} ${JSON.stringify(out.body)}`);
      });

      for (const surface of SURFACES) {
        it(`→ 401 mentioning "revoked" on public ${PUB.name} / ${surface}`, async () => {
          const ctx = `token=revoked skill=${PUB.name} surface=${surface}`;
          const res = await fetchPublic(surface, revoked);
          assertUnauthorized(res, ctx);
          assert.match(parse(res).error, /revoked/i, `${ctx}: ${res.text}`);
        });
      }

      it('logout revoked only that token: bob’s other session still works', async () => {
        await checkItemSurface('full packument', PUB, 'bob', 200, `viewer=bob (other session) skill=${PUB.name}`);
        assertNotAMember(
          await fetchSurface('full packument', TEAM, tokens.bob),
          `viewer=bob (other session) skill=${TEAM.name}`,
        );
      });
    });
  });
});
