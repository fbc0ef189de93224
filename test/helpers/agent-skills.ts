import type { FileMap } from './gateway.js';

/**
 * The folder of a `type: "agent-skill"` skill (agentskills.io): `SKILL.md` whose frontmatter `name`
 * is the aerostack.json name, plus a script and a reference, as a real one has.
 */
export function agentSkillFolder(fullName: string, version: string, description?: string): FileMap {
  const slug = fullName.split('/')[1]!;
  const about = description ?? `Fill in ${slug} PDF forms from a JSON answer sheet`;
  return {
    'package.json': JSON.stringify({ name: fullName, version, description: about }, null, 2),
    'aerostack.json': JSON.stringify({ name: slug, type: 'agent-skill', version, description: about }, null, 2),
    'SKILL.md': `---\nname: ${slug}\ndescription: ${about}\n---\n\n# ${slug}\n\nRun \`scripts/fill.sh\` with the form and the answers.\n`,
    'scripts/fill.sh': '#!/bin/sh\necho "filling $1"\n',
    'references/fields.md': '# Fields\n',
  };
}
