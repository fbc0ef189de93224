/**
 * Seeding through the registry's own HTTP API, the way real users get there: an owner (`acme`) and a
 * member (`alice`, invited by mail and joined with the code from the outbox), an `aer_` automation
 * token for the member, a team skill with a dozen versions whose last one carries a 200 KB tarball,
 * and a workspace with 20 skills installed plus `mwt_` gateway tokens.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { scaffoldFiles } from 'aerostack/lib/scaffold.js';
import { publishBody, request, signup } from '../../test/helpers/api.js';
import { makeSkillTarball } from '../../test/helpers/tarballs.js';

export const OWNER = 'acme';
export const MEMBER = 'alice';
export const TEAM_SKILL = '@acme/crm-sync';
export const TEAM_SKILL_VERSIONS = 12;
export const BIG_TARBALL_BYTES = 200 * 1024;
export const WORKSPACE = 'bench-ws';
export const GATEWAY_SKILLS = 20;
/** The skill whose tools/call is measured (the CLI's own `skill init` scaffold). */
export const CALL_SKILL = '@acme/greet';
export const CALL_TOOL = 'greet';

export interface ApiSeed {
  ownerToken: string;
  memberToken: string;
  /** The member's `aer_` automation token (what CI and the CLI send). */
  memberAer: string;
  /** A signed-in account outside @acme (its session token). */
  outsiderAer: string;
  packumentPath: string;
  tarballPath: string;
  tarballBytes: number;
  sharedMwt: string;
  memberMwt: string;
  /** The team skill's tarballs as published (a peer registry gets the very same ones). */
  teamTarballs: Array<{ version: string; tgz: Buffer }>;
  /** The files of CALL_SKILL (its index.js is also called directly, in-process, for comparison). */
  callSkillFiles: Record<string, string>;
}

const enc = (name: string) => name.replace('/', '%2f');

async function must<T = unknown>(
  res: Promise<{ status: number; body: unknown }>,
  expected: number,
  what: string,
): Promise<T> {
  const r = await res;
  if (r.status !== expected) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  return r.body as T;
}

/** A README of a few KB that differs per version, as real ones do. */
function readme(slug: string, version: string): string {
  const para = `The ${slug} skill looks up customers, deals and contacts in the CRM and keeps them in sync with the team's spreadsheet. `;
  return [
    `# ${slug} ${version}`,
    '',
    para.repeat(6),
    '',
    '## Usage',
    '',
    '```',
    `aerostack skill install @acme/${slug}@${version}`,
    '```',
    '',
    '## Changes',
    '',
    ...Array.from({ length: 20 }, (_, i) => `- ${version}: fix #${i + 100} (${randomBytes(6).toString('hex')})`),
  ].join('\n');
}

/** A gzipped skill tarball: aerostack.json, package.json, index.js, README and optional extra files. */
export function skillTgz(fullName: string, version: string, extra: Record<string, string | Buffer> = {}): Buffer {
  const slug = fullName.split('/')[1]!;
  const description = `Sync ${slug.replace(/-/g, ' ')} records for your team`;
  return makeSkillTarball({
    manifest: {
      name: slug,
      version,
      description,
      tags: ['crm', 'sync'],
      tool: {
        name: slug.replace(/-/g, '_'),
        description,
        input_schema: { type: 'object', properties: { email: { type: 'string' } } },
      },
    },
    packageJson: {
      name: fullName,
      version,
      description,
      keywords: ['crm', 'customers'],
      license: 'MIT',
      type: 'module',
      repository: { type: 'git', url: 'https://example.com/acme/skills.git' },
    },
    files: { 'README.md': readme(slug, version), ...extra },
  });
}

/** Publishes one version; returns the round-trip time in ms. */
export async function publish(
  base: string,
  token: string,
  name: string,
  version: string,
  tgz: Buffer,
  visibility: 'public' | 'team' | 'private' = 'team',
): Promise<number> {
  const body = publishBody(name, version, tgz, { visibility });
  const t0 = performance.now();
  const res = await request(base, 'PUT', `/${enc(name)}`, { token, body });
  const ms = performance.now() - t0;
  if (res.status !== 201)
    throw new Error(`publish ${name}@${version}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return ms;
}

/**
 * The code of the newest `/join/…` or `/verify/…` link mailed to `email` (the outbox, as no SMTP is
 * configured). Account mail is sent in the background, so it is waited for, briefly.
 */
async function codeFromOutbox(dataDir: string, email: string, kind: 'join' | 'verify'): Promise<string | null> {
  const dir = path.join(dataDir, 'outbox');
  const re = kind === 'join' ? /\/join\/([A-Za-z0-9_-]{16,})/ : /\/verify\/([0-9a-f]{48})/;
  const deadline = Date.now() + 10_000;
  do {
    const files = (await readdir(dir).catch(() => [] as string[])).sort().reverse();
    for (const f of files) {
      // Quoted-printable soft line breaks may split the link.
      const text = (await readFile(path.join(dir, f), 'utf8')).replace(/=\r?\n/g, '');
      if (!text.includes(email)) continue;
      const m = re.exec(text);
      if (m) return m[1]!;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  } while (Date.now() < deadline);
  return null;
}

/** The team skill: 12 versions; the last one carries ~200 KB of incompressible data. */
export function teamSkillTarballs(): Array<{ version: string; tgz: Buffer }> {
  return Array.from({ length: TEAM_SKILL_VERSIONS }, (_, i) => {
    const version = `1.0.${i}`;
    // Random bytes do not compress, so the .tgz ends up ~200 KB (tar and gzip overhead trimmed off).
    const extra: Record<string, Buffer> =
      i === TEAM_SKILL_VERSIONS - 1 ? { 'assets/model.bin': randomBytes(BIG_TARBALL_BYTES - 3 * 1024) } : {};
    return { version, tgz: skillTgz(TEAM_SKILL, version, extra) };
  });
}

export async function seedThroughApi(base: string, dataDir: string): Promise<ApiSeed> {
  const ownerToken = await signup(base, OWNER, 'bench-owner-password');
  const memberToken = await signup(base, MEMBER, 'bench-member-password');
  // Signed in, not a member of @acme: the 403 of the refusal runs.
  const outsiderAer = await signup(base, 'outsider', 'bench-outsider-password');

  // An invitation binds to a verified address: alice opens the verification link first.
  const verifyCode = await codeFromOutbox(dataDir, `${MEMBER}@example.com`, 'verify');
  if (!verifyCode) throw new Error(`no verification mail for ${MEMBER} in ${dataDir}/outbox`);
  await must(request(base, 'POST', '/-/api/v1/account/verify', { body: { code: verifyCode } }), 200, 'verify');

  // The team: an invitation mailed to alice (the outbox, as no SMTP is configured), joined with its code.
  await must(
    request(base, 'POST', `/-/api/v1/teams/${OWNER}/invitations`, {
      token: ownerToken,
      body: { email: `${MEMBER}@example.com` },
    }),
    201,
    'invite',
  );
  const code = await codeFromOutbox(dataDir, `${MEMBER}@example.com`, 'join');
  if (!code) throw new Error(`no invitation mail for ${MEMBER} in ${dataDir}/outbox`);
  await must(request(base, 'POST', '/-/api/v1/teams/join', { token: memberToken, body: { code } }), 200, 'join');
  const memberAer = (
    await must<{ token: string }>(
      request(base, 'POST', '/-/api/v1/tokens', { token: memberToken, body: { name: 'bench-ci' } }),
      201,
      'token create',
    )
  ).token;
  if (!memberAer.startsWith('aer_')) throw new Error(`expected an aer_ token, got ${memberAer.slice(0, 6)}…`);

  const teamTarballs = teamSkillTarballs();
  for (const { version, tgz } of teamTarballs) await publish(base, ownerToken, TEAM_SKILL, version, tgz, 'team');
  const tarballBytes = teamTarballs.at(-1)!.tgz.length;
  const slug = TEAM_SKILL.split('/')[1]!;
  const packumentPath = `/${TEAM_SKILL}`;
  const tarballPath = `/${TEAM_SKILL}/-/${slug}-1.0.${TEAM_SKILL_VERSIONS - 1}.tgz`;

  // The gateway: one workspace, 19 small skills and the CLI's scaffolded `greet` skill installed.
  await must(
    request(base, 'POST', '/-/api/v1/workspaces', { token: ownerToken, body: { slug: WORKSPACE } }),
    201,
    'create workspace',
  );
  const install = (name: string, version: string) =>
    must(
      request(base, 'PUT', `/-/api/v1/workspaces/${WORKSPACE}/skills/${enc(name)}`, {
        token: ownerToken,
        body: { version },
      }),
      200,
      `install ${name}`,
    );
  for (let i = 1; i < GATEWAY_SKILLS; i++) {
    const name = `@acme/gw-${String(i).padStart(2, '0')}`;
    const s = name.split('/')[1]!;
    const files = {
      'package.json': JSON.stringify(
        { name, version: '1.0.0', description: `The ${s} skill`, type: 'module' },
        null,
        2,
      ),
      'aerostack.json': JSON.stringify(
        {
          name: s,
          type: 'skill',
          version: '1.0.0',
          description: `The ${s} skill`,
          tool: {
            name: `lookup_${i}`,
            description: `Look something up (${i})`,
            input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
          },
          main: 'index.js',
        },
        null,
        2,
      ),
      'index.js': `export default async ({ query }) => ({ content: [{ type: 'text', text: 'result ${i} for ' + query }] });\n`,
    };
    await publish(base, ownerToken, name, '1.0.0', makeSkillTarball({ files, omit: ['README.md'] }), 'team');
    await install(name, '1.0.0');
  }
  const callSkillFiles = scaffoldFiles('skill', CALL_TOOL, CALL_SKILL);
  const { ['.aerostackignore']: _ignored, ...greetFiles } = callSkillFiles;
  const greetVersion = (JSON.parse(greetFiles['package.json']!) as { version: string }).version;
  await publish(
    base,
    ownerToken,
    CALL_SKILL,
    greetVersion,
    makeSkillTarball({ files: greetFiles, omit: ['README.md'].filter((f) => !(f in greetFiles)) }),
    'team',
  );
  await install(CALL_SKILL, greetVersion);

  const mwt = async (body: Record<string, unknown>) =>
    (
      await must<{ token: string }>(
        request(base, 'POST', `/-/api/v1/workspaces/${WORKSPACE}/tokens`, { token: ownerToken, body }),
        201,
        'workspace token',
      )
    ).token;
  const sharedMwt = await mwt({ name: 'bench-shared' });
  const memberMwt = await mwt({ name: 'bench-alice', user: MEMBER });

  return {
    ownerToken,
    memberToken,
    memberAer,
    outsiderAer,
    packumentPath,
    tarballPath,
    tarballBytes,
    sharedMwt,
    memberMwt,
    teamTarballs,
    callSkillFiles: greetFiles,
  };
}
