/**
 * A stdio MCP server with no dependencies at all (tools `echo` and `add`), speaking newline-delimited
 * JSON-RPC with Node alone: what `skill init --type mcp` wrote before it moved to the MCP SDK. Tests
 * that publish a server as a bare file map (no node_modules to bundle) use it with mcpFolder().
 */
export const PLAIN_MCP_SERVER = `import { createInterface } from 'node:readline';

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
        serverInfo: { name: 'plain', version: '0.1.0' },
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
