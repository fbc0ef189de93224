/**
 * SPEC "Visibility", property-based: fast-check generates whole worlds — namespaces (each owned by its
 * user), extra users, a membership relation (user × namespace → none / member / admin), skills of every
 * visibility, and membership changes — and for every (viewer ∈ users ∪ {anonymous}) × skill pair checks
 * every read surface against an oracle written here from SPEC's table (never the registry's own
 * `decideRead`): full packument, abbreviated packument, tarball, dist-tags, search and the skill list.
 *
 * One registry serves the whole file; every world gets fresh names (`w<run>z-…`), so worlds never see
 * each other (search text is the world's prefix, which is a substring of no other world's names).
 *
 *   VISIBILITY_CASES=N  check at least N (viewer, skill) pairs (default 2000)
 *   FC_SEED=S           fast-check seed (default fixed; printed either way)
 *   FC_PATH=P           with FC_SEED, replay one counterexample as fast-check printed it
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import ssri from 'ssri';
import type { Visibility } from '@aerostack/registry/db/schema.js';
import { UserTokens } from '@aerostack/registry/domain/accounts/user-tokens.js';
import { publishBody } from '../helpers/api.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { skillTarball } from '../helpers/skills.js';
import { SPEC_TABLE, type Outcome, type Relation } from '../helpers/visibility-oracle.js';

const ABBREVIATED = 'application/vnd.npm.install-v1+json';
const VERSION = '1.0.0';

const DEFAULT_SEED = 0x5eed_4e57;
const DEFAULT_CASES = 2000;

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  return n;
}

const SEED = envInt('FC_SEED') ?? DEFAULT_SEED;
const FC_PATH = process.env.FC_PATH || undefined;
const TARGET_CASES = Math.max(1, envInt('VISIBILITY_CASES') ?? DEFAULT_CASES);
/** Requests in flight at once within a world. */
const CONCURRENCY = 12;

// ---------------------------------------------------------------------------------------------------
// The oracle: SPEC's table, written down independently of the registry.

type Role = 'member' | 'admin';

// ---------------------------------------------------------------------------------------------------
// Generated worlds.

const MAX_NAMESPACES = 3;
const MAX_EXTRA_USERS = 3;
const MAX_USERS = MAX_NAMESPACES + MAX_EXTRA_USERS;
const MAX_SKILLS = 7;
const MAX_MUTATIONS = 3;

type RoleChoice = 'none' | Role;
type MutationKind = 'remove' | 'downgrade' | 'grant';

interface WorldSpec {
  /** Users 0..namespaces-1 own namespaces 0..namespaces-1. */
  namespaces: number;
  extraUsers: number;
  /**
   * roles[row * MAX_NAMESPACES + ns], where row is i for the owner of namespace i and MAX_NAMESPACES + j for
   * extra user j (so shrinking the namespace count keeps the extra users' roles); ignored for a
   * namespace's owner and for users/namespaces beyond the world.
   */
  roles: RoleChoice[];
  /** `ns` is taken modulo the world's namespace count. */
  skills: { ns: number; visibility: Visibility }[];
  /** Applied one by one after the first full check; `pick` chooses among the memberships the kind applies to. */
  mutations: { kind: MutationKind; pick: number; role: Role }[];
}

const worldArb: fc.Arbitrary<WorldSpec> = fc.record({
  namespaces: fc.integer({ min: 1, max: MAX_NAMESPACES }),
  extraUsers: fc.integer({ min: 0, max: MAX_EXTRA_USERS }),
  roles: fc.array(fc.constantFrom<RoleChoice>('none', 'member', 'admin'), {
    minLength: MAX_USERS * MAX_NAMESPACES,
    maxLength: MAX_USERS * MAX_NAMESPACES,
  }),
  skills: fc.array(
    fc.record({
      ns: fc.nat({ max: MAX_NAMESPACES - 1 }),
      visibility: fc.constantFrom<Visibility>('public', 'team', 'private'),
    }),
    { minLength: 1, maxLength: MAX_SKILLS },
  ),
  mutations: fc.array(
    fc.record({
      kind: fc.constantFrom<MutationKind>('remove', 'downgrade', 'grant'),
      pick: fc.nat({ max: 50 }),
      role: fc.constantFrom<Role>('member', 'admin'),
    }),
    { maxLength: MAX_MUTATIONS },
  ),
});

interface User {
  index: number;
  username: string;
  id: number;
  token: string;
}
interface Namespace {
  index: number;
  name: string;
  owner: User;
}
interface Skill {
  name: string;
  slug: string;
  ns: Namespace;
  visibility: Visibility;
  /** A word only this skill's description holds, to catch leaks in refusals. */
  word: string;
  tarball: Buffer;
  integrity: string;
}
/** A viewer is a user or anonymous (null). */
type Viewer = User | null;

interface World {
  prefix: string;
  users: User[];
  namespaces: Namespace[];
  skills: Skill[];
  /** Non-owner memberships, keyed `userIndex,nsIndex`: the model the oracle reads. */
  memberships: Map<string, Role>;
  /** What happened to memberships after the first check, for failure messages. */
  log: string[];
}

const mkey = (u: User, ns: Namespace) => `${u.index},${ns.index}`;
const viewerName = (v: Viewer) => (v ? v.username : 'anonymous');

function relation(world: World, viewer: Viewer, ns: Namespace): Relation {
  if (!viewer) return 'anonymous';
  if (ns.owner.id === viewer.id) return 'owner';
  return world.memberships.get(mkey(viewer, ns)) ?? 'other';
}

const expectedOutcome = (world: World, viewer: Viewer, skill: Skill): Outcome =>
  SPEC_TABLE[skill.visibility][relation(world, viewer, skill.ns)];

/** `skill list` is the viewer's own and its teams' skills, as far as the table lets it read them. */
function expectedListed(world: World, viewer: Viewer, skill: Skill): boolean {
  const rel = relation(world, viewer, skill.ns);
  return (rel === 'owner' || rel === 'member' || rel === 'admin') && SPEC_TABLE[skill.visibility][rel] === 200;
}

function describeWorld(world: World): string {
  const lines = [`world ${world.prefix}:`];
  for (const u of world.users) {
    const owns = world.namespaces.find((n) => n.owner.id === u.id);
    const roles = world.namespaces
      .filter((n) => world.memberships.has(mkey(u, n)))
      .map((n) => `${world.memberships.get(mkey(u, n))} of @${n.name}`);
    lines.push(
      `  user ${u.username}${owns ? ` (owner of @${owns.name})` : ''}${roles.length ? `; ${roles.join(', ')}` : ''}`,
    );
  }
  for (const s of world.skills) lines.push(`  skill ${s.name} (${s.visibility})`);
  for (const l of world.log) lines.push(`  then: ${l}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------
// The registry, raw HTTP, and world construction.

let r: TestRegistry;
let userTokens: UserTokens;
let runCounter = 0;
const stats = { worlds: 0, cases: 0, recheckedCases: 0, requests: 0, mutations: 0 };

interface Raw {
  status: number;
  headers: Headers;
  bytes: Buffer;
  text: string;
}

async function raw(
  method: string,
  path: string,
  opts: { token?: string; accept?: string; body?: unknown } = {},
): Promise<Raw> {
  const headers: Record<string, string> = {};
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  if (opts.accept) headers.accept = opts.accept;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  stats.requests++;
  const res = await fetch(r.url + path, { method, headers, body });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, text: bytes.toString('utf8') };
}

const describeRes = (res: Raw) => `${res.status} ${res.headers.get('content-type')} ${res.text.slice(0, 300)}`;

function parse(res: Raw, ctx: string): any {
  try {
    return JSON.parse(res.text);
  } catch {
    assert.fail(`${ctx}: body is not JSON: ${describeRes(res)}`);
  }
}

/** Runs tasks with at most `limit` in flight; the first failure stops new tasks from starting. */
async function pool(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < tasks.length) {
      const task = tasks[next++]!;
      try {
        await task();
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

async function buildWorld(spec: WorldSpec): Promise<World> {
  const prefix = `w${++runCounter}z`;
  const now = new Date();
  const usernames = [
    ...Array.from({ length: spec.namespaces }, (_, i) => `${prefix}-n${i}`),
    ...Array.from({ length: spec.extraUsers }, (_, i) => `${prefix}-u${i}`),
  ];
  // Straight into the tables, as sign-up would write them (scrypt makes HTTP sign-up slow).
  const rows = await r.db
    .insertInto('users')
    .values(
      usernames.map((username) => ({
        username,
        email: `${username}@example.test`,
        password_hash: 'not-a-real-hash',
        created_at: now,
      })),
    )
    .returning(['id', 'username'])
    .execute();
  const idOf = new Map(rows.map((row) => [row.username, row.id]));
  const users: User[] = await Promise.all(
    usernames.map(async (username, index) => {
      const id = idOf.get(username)!;
      const { secret } = await userTokens.issue({ id }, { name: 'property test', kind: 'session' });
      return { index, username, id, token: secret };
    }),
  );
  const namespaces: Namespace[] = users
    .slice(0, spec.namespaces)
    .map((owner, index) => ({ index, name: owner.username, owner }));
  await r.db
    .insertInto('namespaces')
    .values(namespaces.map((n) => ({ name: n.name, owner_id: n.owner.id, created_at: now })))
    .execute();
  await r.db
    .insertInto('memberships')
    .values(
      namespaces.map((n) => ({ namespace: n.name, user_id: n.owner.id, role: 'owner' as const, created_at: now })),
    )
    .execute();

  const memberships = new Map<string, Role>();
  for (const u of users) {
    for (const n of namespaces) {
      if (n.owner.id === u.id) continue;
      const row = u.index < spec.namespaces ? u.index : MAX_NAMESPACES + (u.index - spec.namespaces);
      const choice = spec.roles[row * MAX_NAMESPACES + n.index] ?? 'none';
      if (choice !== 'none') memberships.set(mkey(u, n), choice);
    }
  }
  const memberRows = [...memberships].map(([key, role]) => {
    const [ui, ni] = key.split(',').map(Number) as [number, number];
    return { namespace: namespaces[ni]!.name, user_id: users[ui]!.id, role, created_at: now };
  });
  if (memberRows.length) await r.db.insertInto('memberships').values(memberRows).execute();

  const skills: Skill[] = spec.skills.map((s, i) => {
    const ns = namespaces[s.ns % namespaces.length]!;
    const slug = `s${i}`;
    const name = `@${ns.name}/${slug}`;
    const word = `${prefix}q${i}x${s.visibility}`;
    const description = `The ${word} skill`;
    const tarball = skillTarball(name, VERSION, { manifest: { description }, packageJson: { description } });
    return {
      name,
      slug,
      ns,
      visibility: s.visibility,
      word,
      tarball,
      integrity: ssri.fromData(tarball, { algorithms: ['sha512'] }).toString(),
    };
  });
  // Published over HTTP by each namespace's owner, with the visibility npm-style in the body.
  await pool(
    skills.map((s) => async () => {
      const res = await raw('PUT', `/${s.name.replace('/', '%2f')}`, {
        token: s.ns.owner.token,
        body: publishBody(s.name, VERSION, s.tarball, { visibility: s.visibility }),
      });
      assert.equal(res.status, 201, `publish ${s.name} (${s.visibility}): ${describeRes(res)}`);
    }),
    CONCURRENCY,
  );
  stats.worlds++;
  return { prefix, users, namespaces, skills, memberships, log: [] };
}

// ---------------------------------------------------------------------------------------------------
// Surfaces and their checks.

type ItemSurface = 'full packument' | 'abbreviated packument' | 'tarball' | 'dist-tags';
const ITEM_SURFACES: ItemSurface[] = ['full packument', 'abbreviated packument', 'tarball', 'dist-tags'];

function fetchItem(surface: ItemSurface, skill: { name: string; slug: string }, viewer: Viewer): Promise<Raw> {
  const token = viewer?.token;
  switch (surface) {
    case 'full packument':
      return raw('GET', `/${skill.name}`, { token });
    case 'abbreviated packument':
      return raw('GET', `/${skill.name}`, { token, accept: ABBREVIATED });
    case 'tarball':
      return raw('GET', `/${skill.name}/-/${skill.slug}-${VERSION}.tgz`, { token });
    case 'dist-tags':
      return raw('GET', `/-/package/${skill.name.replace('/', '%2f')}/dist-tags`, { token });
  }
}

function assertReadable(surface: ItemSurface, skill: Skill, res: Raw, ctx: string) {
  assert.equal(res.status, 200, `${ctx}: expected 200, got ${describeRes(res)}`);
  switch (surface) {
    case 'full packument': {
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/, ctx);
      const doc = parse(res, ctx);
      assert.equal(doc.name, skill.name, ctx);
      assert.equal(doc.visibility, skill.visibility, ctx);
      assert.ok(String(doc.description).includes(skill.word), `${ctx}: description ${doc.description}`);
      assert.deepEqual(doc['dist-tags'], { latest: VERSION }, ctx);
      const v = doc.versions?.[VERSION];
      assert.ok(v, `${ctx}: version ${VERSION} missing`);
      assert.equal(v.dist?.integrity, skill.integrity, ctx);
      assert.ok(
        String(v.dist?.tarball).endsWith(`/${skill.name}/-/${skill.slug}-${VERSION}.tgz`),
        `${ctx}: ${v.dist?.tarball}`,
      );
      break;
    }
    case 'abbreviated packument': {
      assert.ok(
        (res.headers.get('content-type') ?? '').startsWith(ABBREVIATED),
        `${ctx}: content-type ${res.headers.get('content-type')}`,
      );
      const doc = parse(res, ctx);
      assert.equal(doc.name, skill.name, ctx);
      assert.deepEqual(doc['dist-tags'], { latest: VERSION }, ctx);
      assert.equal(doc.versions?.[VERSION]?.dist?.integrity, skill.integrity, ctx);
      break;
    }
    case 'tarball':
      assert.equal(res.headers.get('content-type'), 'application/octet-stream', ctx);
      assert.ok(
        res.bytes.equals(skill.tarball),
        `${ctx}: tarball bytes differ from the published tarball (${res.bytes.length} vs ${skill.tarball.length})`,
      );
      break;
    case 'dist-tags':
      assert.deepEqual(parse(res, ctx), { latest: VERSION }, ctx);
      break;
  }
}

function assertNoLeak(skill: Skill, res: Raw, ctx: string) {
  assert.ok(!res.text.includes(skill.word), `${ctx}: refusal leaks the description: ${res.text}`);
  assert.ok(
    !res.text.includes('integrity') && !res.text.includes(skill.integrity),
    `${ctx}: refusal leaks dist data: ${res.text}`,
  );
}

/** Headers that legitimately differ between two answers (time, and those derived from the body bytes). */
const VOLATILE_HEADERS = new Set(['date', 'etag', 'content-length', 'keep-alive', 'connection']);
const stableHeaders = (res: Raw) =>
  Object.fromEntries(
    [...res.headers.entries()].filter(([k]) => !VOLATILE_HEADERS.has(k)).sort(([a], [b]) => a.localeCompare(b)),
  );
const normalise = (text: string, s: { name: string; slug: string }) =>
  text.split(s.name).join('@NS/SKILL').split(s.slug).join('SKILL');

/** The 404 of a skill that does not exist, per (viewer, surface, namespace): what a private skill must look like. */
type MissingCache = Map<string, Promise<Raw>>;
function missingAnswer(
  cache: MissingCache,
  surface: ItemSurface,
  ns: Namespace,
  viewer: Viewer,
): { skill: { name: string; slug: string }; res: Promise<Raw> } {
  const skill = { name: `@${ns.name}/does-not-exist`, slug: 'does-not-exist' };
  const key = `${viewerName(viewer)}|${surface}|${ns.name}`;
  let res = cache.get(key);
  if (!res) cache.set(key, (res = fetchItem(surface, skill, viewer)));
  return { skill, res };
}

async function checkItem(
  world: World,
  missing: MissingCache,
  surface: ItemSurface,
  skill: Skill,
  viewer: Viewer,
  expected: Outcome,
  ctx: string,
) {
  const res = await fetchItem(surface, skill, viewer);
  switch (expected) {
    case 200:
      return assertReadable(surface, skill, res, ctx);
    case 401: {
      assert.equal(res.status, 401, `${ctx}: expected 401, got ${describeRes(res)}`);
      const body = parse(res, ctx);
      assert.deepEqual(Object.keys(body), ['error'], `${ctx}: 401 body ${res.text}`);
      assert.ok(typeof body.error === 'string' && body.error.length > 0, `${ctx}: 401 body ${res.text}`);
      return assertNoLeak(skill, res, ctx);
    }
    case 403:
      assert.equal(res.status, 403, `${ctx}: expected 403, got ${describeRes(res)}`);
      assert.equal(
        res.text,
        JSON.stringify({ error: `You are not a member of @${skill.ns.name}` }),
        `${ctx}: 403 body`,
      );
      return assertNoLeak(skill, res, ctx);
    case 404: {
      assert.equal(res.status, 404, `${ctx}: expected 404, got ${describeRes(res)}`);
      const m = missingAnswer(missing, surface, skill.ns, viewer);
      const miss = await m.res;
      assert.equal(miss.status, 404, `${ctx}: the missing skill ${m.skill.name} answered ${describeRes(miss)}`);
      assert.equal(
        normalise(res.text, skill),
        normalise(miss.text, m.skill),
        `${ctx}: 404 body differs from a missing skill's:\n  private: ${res.text}\n  missing: ${miss.text}`,
      );
      assert.deepEqual(stableHeaders(res), stableHeaders(miss), `${ctx}: 404 headers differ from a missing skill's`);
      return assertNoLeak(skill, res, ctx);
    }
  }
}

/**
 * The marketplace (default scope) lists the readable public skills; `scope=team` the readable team
 * and private ones. Together: exactly what the viewer may read.
 */
async function checkSearch(world: World, viewer: Viewer, ctx: string) {
  for (const scope of ['public', 'team'] as const)
    await checkSearchScope(world, viewer, scope, `${ctx} scope=${scope}`);
}

async function checkSearchScope(world: World, viewer: Viewer, scope: 'public' | 'team', ctx: string) {
  const res = await raw('GET', `/-/v1/search?text=${encodeURIComponent(world.prefix)}&size=250&scope=${scope}`, {
    token: viewer?.token,
  });
  assert.equal(res.status, 200, `${ctx}: ${describeRes(res)}`);
  const body = parse(res, ctx);
  const got = (body.objects as any[]).map((o) => o.package?.name as string).sort();
  const want = world.skills.filter(
    (s) => expectedOutcome(world, viewer, s) === 200 && (s.visibility === 'public') === (scope === 'public'),
  );
  const wantNames = want.map((s) => s.name).sort();
  const hidden = world.skills
    .filter((s) => !wantNames.includes(s.name) && got.includes(s.name))
    .map((s) => `${s.name} (${s.visibility})`);
  const lost = want.filter((s) => !got.includes(s.name)).map((s) => `${s.name} (${s.visibility})`);
  assert.deepEqual(
    got,
    wantNames,
    `${ctx}: search "${world.prefix}" shows [${hidden.join(', ')}] it must not, and misses [${lost.join(', ')}]`,
  );
  assert.equal(body.total, wantNames.length, `${ctx}: search total ${body.total} counts skills it does not show`);
  for (const o of body.objects as any[]) {
    const s = want.find((w) => w.name === o.package.name)!;
    assert.equal(o.package.version, VERSION, `${ctx}: search hit ${s.name} version`);
    assert.equal(o.package.visibility, s.visibility, `${ctx}: search hit ${s.name} visibility`);
  }
}

async function checkSkillList(world: World, viewer: Viewer, ctx: string) {
  const res = await raw('GET', '/-/api/v1/skills', { token: viewer?.token });
  if (!viewer) {
    assert.equal(res.status, 401, `${ctx}: anonymous skill list: expected 401, got ${describeRes(res)}`);
    return;
  }
  assert.equal(res.status, 200, `${ctx}: ${describeRes(res)}`);
  const body = parse(res, ctx);
  // The viewer exists only in this world, so its list holds this world's skills and nothing else.
  const got = (body.skills as any[]).map((s) => s.name as string).sort();
  const want = world.skills.filter((s) => expectedListed(world, viewer, s));
  const wantNames = want.map((s) => s.name).sort();
  const extra = got
    .filter((n) => !wantNames.includes(n))
    .map((n) => `${n} (${world.skills.find((s) => s.name === n)?.visibility ?? 'not in this world'})`);
  const lost = want.filter((s) => !got.includes(s.name)).map((s) => `${s.name} (${s.visibility})`);
  assert.deepEqual(
    got,
    wantNames,
    `${ctx}: skill list shows [${extra.join(', ')}] it must not, and misses [${lost.join(', ')}]`,
  );
  for (const entry of body.skills as any[]) {
    const s = want.find((w) => w.name === entry.name)!;
    assert.equal(entry.visibility, s.visibility, `${ctx}: skill list entry ${s.name} visibility`);
    assert.equal(entry.namespace, s.ns.name, `${ctx}: skill list entry ${s.name} namespace`);
    assert.equal(entry.latest, VERSION, `${ctx}: skill list entry ${s.name} latest`);
  }
}

/**
 * Checks every (viewer, skill) pair given on the four item surfaces, and each viewer's search and skill
 * list (which cover all of the world's skills at once). Returns the number of pairs checked.
 */
async function checkPairs(
  world: World,
  viewers: Viewer[],
  skillsOf: (v: Viewer) => Skill[],
  phase: string,
): Promise<number> {
  const missing: MissingCache = new Map();
  const tasks: (() => Promise<void>)[] = [];
  let pairs = 0;
  for (const viewer of viewers) {
    const rel = (s: Skill) => relation(world, viewer, s.ns);
    const vctx = `[${phase}] viewer=${viewerName(viewer)}`;
    for (const skill of skillsOf(viewer)) {
      pairs++;
      const expected = expectedOutcome(world, viewer, skill);
      for (const surface of ITEM_SURFACES) {
        const ctx = `${vctx} (${rel(skill)} of @${skill.ns.name}) skill=${skill.name} (${skill.visibility}) surface=${surface} expected=${expected}`;
        tasks.push(() => checkItem(world, missing, surface, skill, viewer, expected, ctx));
      }
    }
    tasks.push(() => checkSearch(world, viewer, `${vctx} surface=search`));
    tasks.push(() => checkSkillList(world, viewer, `${vctx} surface=skill list`));
  }
  await pool(tasks, CONCURRENCY);
  return pairs;
}

/** Picks and applies one membership change; returns the (user, namespace) it touched, or null if none applied. */
async function mutate(world: World, m: WorldSpec['mutations'][number]): Promise<{ user: User; ns: Namespace } | null> {
  const pairs: { user: User; ns: Namespace; role: Role | undefined }[] = [];
  for (const user of world.users)
    for (const ns of world.namespaces)
      if (ns.owner.id !== user.id) pairs.push({ user, ns, role: world.memberships.get(mkey(user, ns)) });
  const candidates = pairs.filter((p) => (m.kind === 'grant' ? p.role !== m.role : p.role !== undefined));
  // Downgrade prefers admins (admin → member); a plain member is downgraded to nothing.
  const admins = candidates.filter((p) => p.role === 'admin');
  const choices = m.kind === 'downgrade' && admins.length ? admins : candidates;
  const target = choices[m.pick % Math.max(1, choices.length)];
  if (!target) return null;
  const { user, ns } = target;
  const where = () => r.db.deleteFrom('memberships').where('namespace', '=', ns.name).where('user_id', '=', user.id);
  let newRole: Role | undefined;
  if (m.kind === 'remove' || (m.kind === 'downgrade' && target.role === 'member')) {
    const res = await where().executeTakeFirst();
    assert.equal(Number(res.numDeletedRows), 1, `removing ${user.username} from @${ns.name}`);
    newRole = undefined;
  } else {
    newRole = m.kind === 'downgrade' ? 'member' : m.role;
    await r.db
      .insertInto('memberships')
      .values({ namespace: ns.name, user_id: user.id, role: newRole, created_at: new Date() })
      .onConflict((oc) => oc.columns(['namespace', 'user_id']).doUpdateSet({ role: newRole! }))
      .execute();
  }
  world.log.push(`${user.username}: ${target.role ?? 'none'} → ${newRole ?? 'none'} of @${ns.name} (${m.kind})`);
  if (newRole) world.memberships.set(mkey(user, ns), newRole);
  else world.memberships.delete(mkey(user, ns));
  stats.mutations++;
  return { user, ns };
}

async function checkWorld(spec: WorldSpec): Promise<void> {
  const world = await buildWorld(spec);
  try {
    const viewers: Viewer[] = [null, ...world.users];
    stats.cases += await checkPairs(world, viewers, () => world.skills, 'initial');
    for (const m of spec.mutations) {
      const touched = await mutate(world, m);
      if (!touched) continue;
      // Every read was just answered from the old membership: re-check the affected pairs right away.
      const affected = world.skills.filter((s) => s.ns.index === touched.ns.index);
      stats.recheckedCases += await checkPairs(world, [touched.user], () => affected, `after ${world.log.at(-1)}`);
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${message}\n${describeWorld(world)}`, { cause: err });
  }
}

// ---------------------------------------------------------------------------------------------------

describe('visibility (property-based): random worlds agree with SPEC’s table on every read surface', function () {
  before(async function () {
    this.timeout(120_000);
    r = await startTestRegistry();
    userTokens = new UserTokens(r.db, r.clock);
  });

  after(async () => {
    await r?.close();
  });

  it(`≥ ${TARGET_CASES} (viewer, skill) pairs: packument, abbreviated packument, tarball, dist-tags, search, skill list`, async function () {
    this.timeout(Math.max(300_000, TARGET_CASES * 200));
    const started = Date.now();
    const property = fc.asyncProperty(worldArb, checkWorld);
    const replay = FC_PATH ? ` path=${FC_PATH}` : '';
    console.log(
      `      visibility property: seed=${SEED}${replay}, target ${TARGET_CASES} pairs (FC_SEED / FC_PATH / VISIBILITY_CASES to change)`,
    );
    if (FC_PATH) {
      await fc.assert(property, { seed: SEED, path: FC_PATH, numRuns: 1 });
      return;
    }
    // Worlds vary in size, so run in rounds until the pair count is reached; round k uses seed+k.
    const PAIRS_PER_WORLD_ESTIMATE = 16;
    for (let round = 0; stats.cases < TARGET_CASES; round++) {
      const seed = (SEED + round) | 0;
      const numRuns = Math.max(3, Math.ceil((TARGET_CASES - stats.cases) / PAIRS_PER_WORLD_ESTIMATE));
      if (round > 0) console.log(`      visibility property: round ${round}, seed=${seed}, ${numRuns} more worlds`);
      await fc.assert(property, { seed, numRuns });
    }
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `      visibility property: ${stats.cases} pairs in ${stats.worlds} worlds ` +
        `(+${stats.recheckedCases} re-checked after ${stats.mutations} membership changes), ${stats.requests} requests, ${secs}s`,
    );
    assert.ok(stats.cases >= TARGET_CASES, `only ${stats.cases} pairs checked, fewer than ${TARGET_CASES}`);
  });
});
