/**
 * SKILL.md frontmatter against the Agent Skills spec (contract/agent-skill.ts): one table of what is
 * accepted and what is refused, with the field each refusal names. The registry test
 * (test/registry/agent-skill-publish.test.ts) shows the same checks answering a publish.
 */
import assert from 'node:assert/strict';
import { DomainError } from '@aerostack/contract/errors.js';
import { checkSkillMd } from '@aerostack/contract/agent-skill.js';
import { scaffoldFiles } from 'aerostack/lib/scaffold.js';

const md = (frontmatter: string, body = '# Steps\n\nDo it.\n') => `---\n${frontmatter}\n---\n${body}`;
const NAME = 'pdf-forms';
const base = `name: ${NAME}\ndescription: Fill PDF forms. Use when the user mentions a PDF form.`;

/** The 400's message, or null when SKILL.md is accepted. */
function refusal(text: string, manifestName = NAME): string | null {
  try {
    checkSkillMd(text, manifestName);
    return null;
  } catch (err) {
    assert.ok(err instanceof DomainError, `a DomainError, not ${String(err)}`);
    assert.equal(err.status, 400);
    assert.equal(err.code, 'invalid_skill_md');
    return err.message;
  }
}

describe('Agent Skills: SKILL.md frontmatter (agentskills.io spec)', () => {
  const accepted: [string, string, string?][] = [
    ['the two required fields', md(base)],
    [
      'every optional field',
      md(
        `${base}\nlicense: Apache-2.0\ncompatibility: Requires Python 3.12 and poppler\nmetadata:\n  author: acme\n  version: "1.0"\nallowed-tools: Bash(python:*) Read`,
      ),
    ],
    ['allowed-tools as a YAML list', md(`${base}\nallowed-tools:\n  - Read\n  - Bash(git:*)`)],
    [
      'metadata values that look like numbers (read as text, as the spec reference does)',
      md(`${base}\nmetadata:\n  version: 1.0`),
    ],
    ['a 64-character name', md(`name: ${'a'.repeat(64)}\ndescription: x`), 'a'.repeat(64)],
    ['a 1,024-character description', md(`name: ${NAME}\ndescription: ${'d'.repeat(1024)}`)],
    ['a 500-character compatibility', md(`${base}\ncompatibility: ${'c'.repeat(500)}`)],
    ['CRLF line ends and a byte-order mark', `\uFEFF---\r\n${base.replace('\n', '\r\n')}\r\n---\r\nbody\r\n`],
    ['no body after the frontmatter', `---\n${base}\n---\n`],
    ['a folded multi-line description', md(`name: ${NAME}\ndescription: >\n  Fill PDF forms.\n  Use when asked to.`)],
  ];
  for (const [what, text, manifestName] of accepted)
    it(`accepts ${what}`, () => assert.equal(refusal(text, manifestName ?? NAME), null));

  const refused: [string, string, RegExp, string?][] = [
    ['no frontmatter', '# pdf-forms\n', /must start with YAML frontmatter/],
    ['an unclosed frontmatter', `---\n${base}\n`, /frontmatter must end with a "---" line$/],
    ['frontmatter that is not YAML', md(`${base}\nlicense: [unclosed`), /frontmatter is not valid YAML/],
    ['frontmatter that is a list', md('- name\n- description'), /frontmatter must be a YAML mapping/],
    ['a missing name', md('description: x'), /name is required/],
    ['a missing description', md(`name: ${NAME}`), /description is required/],
    ['an empty frontmatter', md(''), /name is required; description is required/],
    [
      'an upper-case name',
      md('name: PDF-Forms\ndescription: x'),
      /name must be 1-64 of a-z 0-9 -.*\(got "PDF-Forms"\)/,
      'PDF-Forms',
    ],
    ['a name starting with "-"', md('name: -pdf\ndescription: x'), /name must be 1-64 of a-z 0-9 -/, '-pdf'],
    ['a name ending with "-"', md('name: pdf-\ndescription: x'), /name must be 1-64 of a-z 0-9 -/, 'pdf-'],
    [
      'a name with "--"',
      md('name: pdf--forms\ndescription: x'),
      /name must be 1-64 of a-z 0-9 -.*without "--"/,
      'pdf--forms',
    ],
    ['a name with "_"', md('name: pdf_forms\ndescription: x'), /name must be 1-64 of a-z 0-9 -/, 'pdf_forms'],
    ['a 65-character name', md(`name: ${'a'.repeat(65)}\ndescription: x`), /name must be 1-64/, 'a'.repeat(65)],
    ['a name that is a mapping', md('name:\n  a: b\ndescription: x'), /name must be a string/],
    [
      "a name other than aerostack.json's",
      md('name: pdf-filler\ndescription: x'),
      /name "pdf-filler" must equal the aerostack.json name "pdf-forms"$/,
    ],
    [
      'an aerostack.json name with "_" (allowed there, not in an Agent Skill)',
      md('name: pdf-forms\ndescription: x'),
      /must equal the aerostack.json name "pdf_forms", which an Agent Skill cannot use: its name allows only a-z 0-9 - \(rename the skill, say "pdf-forms"\)/,
      'pdf_forms',
    ],
    [
      'a 1,025-character description',
      md(`name: ${NAME}\ndescription: ${'d'.repeat(1025)}`),
      /description must be at most 1024 characters \(it has 1025\)/,
    ],
    [
      'a 2,000-character description',
      md(`name: ${NAME}\ndescription: ${'d'.repeat(2000)}`),
      /description must be at most 1024 characters \(it has 2000\)/,
    ],
    ['a blank description', md(`name: ${NAME}\ndescription: "  "`), /description must not be empty/],
    [
      'a 501-character compatibility',
      md(`${base}\ncompatibility: ${'c'.repeat(501)}`),
      /compatibility must be at most 500 characters/,
    ],
    ['an empty compatibility', md(`${base}\ncompatibility: ""`), /compatibility must be a non-empty string/],
    ['an empty license', md(`${base}\nlicense: ""`), /license must be a non-empty string/],
    [
      'metadata that is a list',
      md(`${base}\nmetadata:\n  - a`),
      /metadata must be a mapping from string keys to string values/,
    ],
    [
      'a metadata value that is a mapping',
      md(`${base}\nmetadata:\n  author:\n    name: x`),
      /metadata\.author must be a string/,
    ],
    [
      'allowed-tools that is a mapping',
      md(`${base}\nallowed-tools:\n  Read: yes`),
      /allowed-tools must be a space-delimited string or a list of strings/,
    ],
    [
      'a key the spec does not define',
      md(`${base}\nversion: 1.0`),
      /"version" is not a frontmatter field of the Agent Skills spec \(name, description, license, compatibility, metadata, allowed-tools\); put your own properties under metadata/,
    ],
    ['a repeated key', md(`${base}\nname: other`), /frontmatter is not valid YAML/],
    ['an alias (no YAML bombs)', md(`name: &n ${NAME}\ndescription: *n`), /frontmatter is not valid YAML/],
    [
      'a frontmatter longer than 16 KiB',
      md(`${base}\nlicense: ${'l'.repeat(17 * 1024)}`),
      /frontmatter must end with a "---" line within 16384 characters/,
    ],
  ];
  for (const [what, text, message, manifestName] of refused)
    it(`refuses ${what}, naming it`, () => {
      const got = refusal(text, manifestName ?? NAME);
      assert.ok(got, 'refused');
      assert.match(got, /^Invalid SKILL\.md: /);
      assert.match(got, message);
    });

  it('lists several problems in one answer', () => {
    assert.equal(
      refusal(md('name: Bad\ndescription: ""\ncompatibility: ""'), 'bad'),
      'Invalid SKILL.md: name must be 1-64 of a-z 0-9 -, not starting or ending with "-" and without "--" (got "Bad"); description must not be empty; compatibility must be a non-empty string',
    );
  });

  it('skill init --type agent-skill writes a SKILL.md the check accepts, named as aerostack.json', () => {
    const files = scaffoldFiles('agent-skill', NAME, `@acme/${NAME}`);
    assert.equal(refusal(files['SKILL.md']!), null);
    assert.deepEqual(JSON.parse(files['aerostack.json']!).type, 'agent-skill');
    assert.deepEqual(Object.keys(files).sort(), [
      '.aerostackignore',
      'README.md',
      'SKILL.md',
      'aerostack.json',
      'package.json',
      'references/REFERENCE.md',
      'scripts/example.sh',
    ]);
  });
});
