/**
 * What `aerostack skill init` writes. The skill kind runs in the gateway as it is (no dependencies);
 * the mcp kind is a server on the official MCP SDK: `npm install` once, and `skill publish` bundles
 * the installed dependencies into the tarball, since the gateway runs skills with no network and no
 * `npm install`.
 */
export type SkillKind = 'skill' | 'mcp' | 'agent-skill';

const snake = (slug: string) =>
  slug
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/^(\d)/, 't_$1') || 'run';

export function scaffoldFiles(kind: SkillKind, slug: string, packageName: string): Record<string, string> {
  const description =
    kind === 'skill'
      ? `The ${slug} skill`
      : kind === 'mcp'
        ? `The ${slug} MCP server`
        : `Says what ${slug} does and when to use it; agents read this to pick the skill (replace it)`;
  const commonPackage = {
    name: packageName,
    version: '0.1.0',
    description,
    type: 'module',
    license: 'UNLICENSED',
    private: false,
  };
  const common = {
    'package.json': json(commonPackage),
    '.aerostackignore': '# Files listed here are left out of the published tarball (gitignore syntax).\ntest/\n*.log\n',
  };
  if (kind === 'agent-skill') return { ...common, ...agentSkillFiles(slug, description) };
  if (kind === 'skill') {
    const tool = snake(slug);
    return {
      ...common,
      'aerostack.json': json({
        name: slug,
        type: 'skill',
        version: '0.1.0',
        description,
        tool: {
          name: tool,
          description: `Echo a message back (replace with what ${slug} does)`,
          input_schema: {
            type: 'object',
            properties: { message: { type: 'string', description: 'What to echo' } },
            required: ['message'],
          },
        },
        main: 'index.js',
      }),
      'index.js': `/**
 * The gateway calls this default export with the tool's input (shaped by input_schema in
 * aerostack.json) and a context object; it returns MCP content.
 */
export default async function ${tool}(input, ctx) {
  const message = String(input?.message ?? '');
  return { content: [{ type: 'text', text: \`${slug}: \${message}\` }] };
}
`,
      'README.md': `# ${slug}\n\n${description}.\n\n## Tool\n\n\`${tool}\` — echoes \`message\` back.\n\n## Publish\n\n\`\`\`sh\naerostack skill publish            # public\naerostack skill publish --private team\n\`\`\`\n`,
    };
  }
  return {
    ...common,
    'package.json': json({ ...commonPackage, dependencies: MCP_DEPENDENCIES }),
    'aerostack.json': json({
      name: slug,
      type: 'mcp',
      version: '0.1.0',
      description,
      command: 'node',
      args: ['server.mjs'],
    }),
    'server.mjs': MCP_SERVER_TEMPLATE.replaceAll('__NAME__', slug),
    'README.md': `# ${slug}

${description}: a stdio MCP server on the official SDK (\`@modelcontextprotocol/sdk\`, \`zod\`).

## Tool

\`echo\` — echoes \`message\` back. Add tools with \`server.registerTool\` in \`server.mjs\`.

## Publish

\`\`\`sh
npm install                         # the SDK and zod, into node_modules
aerostack skill publish --dry-run   # lists the dependencies bundled into the tarball
aerostack skill publish             # public; --private team for your team only
\`\`\`

The gateway runs the server with no network and no \`npm install\`: \`publish\` bundles the installed
production dependencies into the tarball. Native addons cannot run in the sandbox.
`,
  };
}

/**
 * An Agent Skill (agentskills.io): SKILL.md with the spec's frontmatter (its name is the folder
 * name agents load it under, so it equals aerostack.json's), a script and a reference it points to.
 * Scripts are installed with mode 0644, so SKILL.md runs them through their interpreter.
 */
function agentSkillFiles(slug: string, description: string): Record<string, string> {
  return {
    'aerostack.json': json({ name: slug, type: 'agent-skill', version: '0.1.0', description }),
    'SKILL.md': `---
name: ${slug}
description: ${description}
---

# ${slug}

Replace these instructions with the steps an agent should follow.

1. Read [the reference](references/REFERENCE.md) for the details this task needs.
2. Run the helper: \`bash scripts/example.sh "<what to greet>"\`
3. Report what it printed.
`,
    'scripts/example.sh': `#!/bin/bash
# An example helper the agent runs (bash scripts/example.sh NAME); replace it with your own.
set -euo pipefail
echo "${slug}: hello, \${1:-world}"
`,
    'references/REFERENCE.md': `# ${slug} reference

Details the agent reads only when SKILL.md sends it here: formats, edge cases, examples.
`,
    'README.md': `# ${slug}

An Agent Skill: \`SKILL.md\` (name and description in its frontmatter) with \`scripts/\` and \`references/\`.

## Publish and install

\`\`\`sh
aerostack skill publish --dry-run
aerostack skill publish --private team              # or public
aerostack skill install @you/${slug} --agent claude-code   # ~/.claude/skills/${slug}/
\`\`\`
`,
  };
}

const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';

/**
 * The MCP server template's dependencies: the versions the registry itself runs (the root
 * package-lock.json), as ranges. Written here, not read from the repo: the CLI ships as one bundled
 * file. test/unit/scaffold.test.ts keeps them in step with the lockfile.
 */
export const MCP_DEPENDENCIES: Readonly<Record<string, string>> = Object.freeze({
  '@modelcontextprotocol/sdk': '^1.32.2',
  zod: '^4.6.7',
});

const MCP_SERVER_TEMPLATE = `// A stdio MCP server on the official SDK. The gateway starts it as \`node server.mjs\` in its sandbox
// and reaches it over stdin/stdout: never write anything else to stdout (log with console.error).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: '__NAME__', version: '0.1.0' });

server.registerTool(
  'echo',
  {
    title: 'Echo',
    description: 'Echo a message back (replace with what __NAME__ does)',
    // Arguments are checked against this schema before the handler runs.
    inputSchema: { message: z.string().describe('What to echo') },
  },
  async ({ message }) => ({ content: [{ type: 'text', text: \`__NAME__: \${message}\` }] }),
);

await server.connect(new StdioServerTransport());
`;
