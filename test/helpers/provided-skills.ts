/**
 * Skills whose pages show what they provide (issue 17): a `type: "skill"` with a tool that has
 * required, nested, enum and array arguments, declared secrets and hosts; and an Agent Skill whose
 * SKILL.md carries frontmatter and, in its body, HTML that must stay inert on the page.
 */
import { mcpFolder, skillFolder, withManifestFields, type FileMap } from './gateway.js';
import { PLAIN_MCP_SERVER } from './plain-mcp-server.js';

export const CRM_INPUT_SCHEMA = {
  type: 'object',
  properties: {
    email: { type: 'string', format: 'email', description: "The contact's email address" },
    status: { enum: ['open', 'won', 'lost'], description: 'Only deals in this state' },
    limit: { type: 'integer', default: 10, description: 'How many deals at most' },
    address: {
      type: 'object',
      description: 'Where the contact is',
      properties: { city: { type: 'string', description: 'City name' } },
      required: ['city'],
    },
    tags: { type: 'array', items: { type: 'string' } },
  },
  required: ['email'],
};

/** `@ns/slug`: a `type: "skill"` with tool `lookup_contact`, env CRM_API_KEY and CRM_REGION, network api.crm.acme.com:443. */
export function crmSkillFolder(fullName: string, version: string): FileMap {
  return withManifestFields(
    skillFolder(fullName, version, 'export default async () => ({ content: [{ type: "text", text: "ok" }] });', {
      tool: 'lookup_contact',
      description: 'Look up a CRM contact',
      inputSchema: CRM_INPUT_SCHEMA,
    }),
    {
      env: [
        { name: 'CRM_API_KEY', description: 'API key of the CRM' },
        { name: 'CRM_REGION', description: 'Data region', required: false },
      ],
      network: ['api.crm.acme.com:443'],
    },
  );
}

/** `@ns/slug`: a dependency-free stdio MCP server (tools `echo` and `add`). */
export const plainMcpFolder = (fullName: string, version: string): FileMap =>
  mcpFolder(fullName, version, PLAIN_MCP_SERVER);

/** Set by the scripts in the Agent Skill's SKILL.md if the page ever ran them. */
export const PWNED_FLAG = '__skillMdPwned';

export const skillMdOf = (slug: string): string => `---
name: ${slug}
description: Fill in PDF forms from a JSON answer sheet.
license: MIT
allowed-tools: Bash(python:*) Read
---
# Filling PDF forms

Run \`scripts/fill.py\` with the form and the answers.

<script>window.${PWNED_FLAG} = 1</script>
<img src="x" onerror="window.${PWNED_FLAG} = 2">

- [reference](references/fields.md)
`;

/** `@ns/slug`: an Agent Skill with SKILL.md, a script and a reference. */
export function agentSkillFolder(fullName: string, version: string): FileMap {
  const slug = fullName.split('/')[1]!;
  return {
    'package.json': JSON.stringify({ name: fullName, version, description: 'Fill in PDF forms' }, null, 2),
    'aerostack.json': JSON.stringify(
      { name: slug, type: 'agent-skill', version, description: 'Fill in PDF forms' },
      null,
      2,
    ),
    'SKILL.md': skillMdOf(slug),
    'scripts/fill.py': 'print("filled")\n',
    'references/fields.md': '# Fields\n',
  };
}
