/**
 * Publishing an Agent Skill (aerostack.json `type: "agent-skill"`, SKILL.md at the root) straight to
 * the registry with hand-made tarballs, so the CLI's own check (it inspects before uploading) cannot
 * hide the registry's: a bad SKILL.md is a 400 naming the field, and nothing is stored.
 */
import assert from 'node:assert/strict';
import { publishBody, request, signup } from '../helpers/api.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { skillTarball } from '../helpers/skills.js';
import { addMember } from '../helpers/teams.js';

const SKILL_MD = (name: string, description = 'Fill PDF forms. Use when a PDF form is mentioned.') =>
  `---\nname: ${name}\ndescription: ${description}\n---\n\n# ${name}\n\nRun scripts/fill.py.\n`;

/** An Agent Skill tarball for `@ns/slug@version` with this SKILL.md (null: none) and a script. */
function agentSkillTarball(fullName: string, version: string, skillMd: string | null, files = {}): Buffer {
  return skillTarball(fullName, version, {
    manifest: { type: 'agent-skill', tool: undefined, main: undefined },
    omit: ['index.js'],
    files: { ...(skillMd === null ? {} : { 'SKILL.md': skillMd }), 'scripts/fill.py': 'print("filled")\n', ...files },
  });
}

describe('publishing an Agent Skill: SKILL.md checked by the registry', function () {
  let r: TestRegistry;
  let acme: string;
  let alice: string;
  let bob: string;

  before(async () => {
    r = await startTestRegistry();
    [acme, alice, bob] = [await signup(r.url, 'acme'), await signup(r.url, 'alice'), await signup(r.url, 'bob')];
    await addMember(r, 'acme', 'alice');
  });
  after(() => r?.close());

  const put = (name: string, version: string, tgz: Buffer, visibility: 'team' | 'public' = 'team') =>
    request(r.url, 'PUT', `/${name.replace('/', '%2f')}`, {
      token: acme,
      body: publishBody(name, version, tgz, { visibility }),
    });
  const stored = async (name: string) =>
    (await r.db.selectFrom('skills').select('id').where('name', '=', name).executeTakeFirst()) !== undefined;

  it('accepts a valid one as team: members read it, with type "agent-skill" in its versions', async () => {
    const res = await put(
      '@acme/pdf-forms',
      '1.0.0',
      agentSkillTarball('@acme/pdf-forms', '1.0.0', SKILL_MD('pdf-forms')),
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const [member, outsider] = await Promise.all([
      request(r.url, 'GET', '/@acme%2fpdf-forms', { token: alice }),
      request(r.url, 'GET', '/@acme%2fpdf-forms', { token: bob }),
    ]);
    assert.equal(member.status, 200);
    assert.equal(member.body.visibility, 'team');
    assert.equal(member.body.versions['1.0.0'].aerostack.type, 'agent-skill');
    assert.equal(outsider.status, 403);
    assert.deepEqual(outsider.body, { error: 'You are not a member of @acme' });
  });

  const refusals: [string, string, Buffer, RegExp][] = [
    [
      'a bad name',
      '@acme/bad-name',
      agentSkillTarball('@acme/bad-name', '1.0.0', SKILL_MD('Bad--Name')),
      /^Invalid SKILL\.md: name must be 1-64 of a-z 0-9 -, not starting or ending with "-" and without "--" \(got "Bad--Name"\)$/,
    ],
    [
      'a name other than aerostack.json’s',
      '@acme/pdf-filler',
      agentSkillTarball('@acme/pdf-filler', '1.0.0', SKILL_MD('pdf-forms')),
      /^Invalid SKILL\.md: name "pdf-forms" must equal the aerostack\.json name "pdf-filler"$/,
    ],
    [
      'an aerostack.json name with "_"',
      '@acme/pdf_forms',
      agentSkillTarball('@acme/pdf_forms', '1.0.0', SKILL_MD('pdf-forms')),
      /^Invalid SKILL\.md: name "pdf-forms" must equal the aerostack\.json name "pdf_forms", which an Agent Skill cannot use/,
    ],
    [
      'a 2,000-character description',
      '@acme/long-description',
      agentSkillTarball('@acme/long-description', '1.0.0', SKILL_MD('long-description', 'd'.repeat(2000))),
      /^Invalid SKILL\.md: description must be at most 1024 characters \(it has 2000\)$/,
    ],
    [
      'a missing SKILL.md',
      '@acme/no-skill-md',
      agentSkillTarball('@acme/no-skill-md', '1.0.0', null),
      /^SKILL\.md is missing: an Agent Skill \(type "agent-skill"\) needs it at the package root$/,
    ],
    [
      'a SKILL.md that is not at the root',
      '@acme/nested',
      agentSkillTarball('@acme/nested', '1.0.0', null, { 'skill/SKILL.md': SKILL_MD('nested') }),
      /^SKILL\.md is missing: an Agent Skill \(type "agent-skill"\) needs it at the package root \(found skill\/SKILL\.md\)$/,
    ],
    [
      'an unknown frontmatter key',
      '@acme/extra-key',
      agentSkillTarball('@acme/extra-key', '1.0.0', SKILL_MD('extra-key').replace('---\n\n', 'model: opus\n---\n\n')),
      /^Invalid SKILL\.md: "model" is not a frontmatter field of the Agent Skills spec/,
    ],
  ];
  for (const [what, name, tgz, message] of refusals)
    it(`refuses ${what} with a 400 naming it, storing nothing`, async () => {
      const res = await put(name, '1.0.0', tgz);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.body.error, message);
      assert.equal(res.body.code, 'invalid_skill_md');
      assert.equal(await stored(name), false);
    });
});
