/**
 * What `aerostack skill init` writes. Both kinds run in the gateway as they are: no dependencies,
 * no network, no `npm install` (the mcp template speaks MCP's stdio JSON-RPC with Node alone).
 */
export type SkillKind = 'skill' | 'mcp';

const snake = (slug: string) =>
  slug
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/^(\d)/, 't_$1') || 'run';

export function scaffoldFiles(kind: SkillKind, slug: string, packageName: string): Record<string, string> {
  const description = kind === 'skill' ? `The ${slug} skill` : `The ${slug} MCP server`;
  const common = {
    'package.json': json({
      name: packageName,
      version: '0.1.0',
      description,
      type: 'module',
      license: 'UNLICENSED',
      private: false,
    }),
    '.aerostackignore': '# Files listed here are left out of the published tarball (gitignore syntax).\ntest/\n*.log\n',
  };
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
    'aerostack.json': json({
      name: slug,
      type: 'mcp',
      version: '0.1.0',
      description,
      command: 'node',
      args: ['server.js'],
    }),
    'server.js': MCP_SERVER_TEMPLATE.replaceAll('__NAME__', slug),
    'README.md': `# ${slug}\n\n${description}: a stdio MCP server with no dependencies.\n\nTools: \`echo\`, \`add\`.\n`,
  };
}

const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';

const MCP_SERVER_TEMPLATE = `// A minimal MCP server over stdio (newline-delimited JSON-RPC 2.0), with no dependencies.
import { createInterface } from 'node:readline';

const tools = {
  echo: {
    description: 'Echo a message back',
    inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
    run: ({ message }) => String(message ?? ''),
  },
  add: {
    description: 'Add two numbers',
    inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
    run: ({ a, b }) => String(Number(a) + Number(b)),
  },
};

const send = (msg) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...msg }) + '\\n');

function handle(method, params) {
  switch (method) {
    case 'initialize':
      return {
        protocolVersion: params?.protocolVersion ?? '2025-06-18',
        capabilities: { tools: {} },
        serverInfo: { name: '__NAME__', version: '0.1.0' },
      };
    case 'ping':
      return {};
    case 'tools/list':
      return { tools: Object.entries(tools).map(([name, t]) => ({ name, description: t.description, inputSchema: t.inputSchema })) };
    case 'tools/call': {
      const tool = tools[params?.name];
      if (!tool) return { content: [{ type: 'text', text: 'Unknown tool ' + params?.name }], isError: true };
      return { content: [{ type: 'text', text: tool.run(params.arguments ?? {}) }] };
    }
    default:
      throw Object.assign(new Error('Method not found: ' + method), { code: -32601 });
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    return send({ id: null, error: { code: -32700, message: 'Parse error' } });
  }
  if (msg.id === undefined) return; // a notification (e.g. notifications/initialized)
  try {
    send({ id: msg.id, result: handle(msg.method, msg.params) });
  } catch (err) {
    send({ id: msg.id, error: { code: err.code ?? -32603, message: err.message } });
  }
});
`;
