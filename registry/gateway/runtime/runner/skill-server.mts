/**
 * Entry point of a sandboxed `type: "skill"` process: an MCP server on stdio (the SDK's Server and
 * StdioServerTransport) exposing the skill's one tool, which runs the default export of its `main`.
 * Started by SkillProcess through the Sandbox, in the skill's folder (the working directory).
 * argv: <main, relative to the folder> <tool name> <largest result in bytes>
 *
 * This file runs inside the sandbox next to the author's code, so nothing here is trusted by the
 * gateway: it enforces every limit again on its side. The checks below only give honest skills
 * clear messages.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { CONTEXT_META_KEY, OUTPUT_TOO_LARGE_CODE } from './protocol.mjs';

type SkillFunction = (input: unknown, ctx: unknown) => unknown;

const [main = '', toolName = '', maxOutput = ''] = process.argv.slice(2);
const maxOutputBytes = Number(maxOutput);

// stdout carries MCP; what a skill prints goes to stderr, where the gateway keeps the last lines.
console.log = console.info = console.debug = console.error;

const run = await loadSkill();
const server = new Server({ name: 'aerostack-skill', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, () => ({
  tools: [{ name: toolName, inputSchema: { type: 'object' as const } }],
}));
server.setRequestHandler(CallToolRequestSchema, async (request) => {
  if (request.params.name !== toolName)
    throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
  const context = Object.freeze({ ...(request.params._meta?.[CONTEXT_META_KEY] as object | undefined) });
  const result = await run(request.params.arguments ?? {}, context);
  const content = (result as { content?: unknown } | null)?.content;
  if (!Array.isArray(content)) throw new Error('the skill must return { content: [{ type: "text", text }] }');
  // A 50 MB string may be a cheap rope in the skill; serialising it would flatten and copy it and
  // run this process out of memory before the gateway's own check. Refuse it first.
  if (jsonSizeAtLeast(result, maxOutputBytes) > maxOutputBytes) {
    throw new McpError(OUTPUT_TOO_LARGE_CODE, `output exceeds the limit of ${maxOutputBytes} bytes`);
  }
  return result as { content: [] };
});
await server.connect(new StdioServerTransport());

async function loadSkill(): Promise<SkillFunction> {
  const folder = process.cwd();
  const file = path.resolve(folder, main);
  if (!file.startsWith(folder + path.sep)) throw new Error(`main ${main} is outside the skill's folder`);
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  if (typeof mod.default !== 'function') throw new Error(`${main} has no default export function`);
  return mod.default as SkillFunction;
}

/**
 * A lower bound of the size of `JSON.stringify(value)`, computed without building it (string lengths
 * are read, never flattened); it stops counting once past `limit`.
 */
function jsonSizeAtLeast(value: unknown, limit: number): number {
  let total = 0;
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length && total <= limit) {
    const v = stack.pop();
    if (typeof v === 'string') total += v.length + 2;
    else if (typeof v !== 'object' || v === null) total += 1;
    else if (seen.has(v)) continue;
    else if (ArrayBuffer.isView(v)) total += v.byteLength;
    else if (typeof (v as { toJSON?: unknown }).toJSON === 'function')
      continue; // serialised as something else
    else {
      seen.add(v);
      if (Array.isArray(v)) {
        total += v.length + 1;
        for (let i = 0; i < v.length && total <= limit; i++) stack.push(v[i]);
      } else {
        for (const k of Object.keys(v)) {
          const x = (v as Record<string, unknown>)[k];
          if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue; // JSON leaves these out
          total += k.length + 4;
          stack.push(x);
          if (total > limit) break;
        }
      }
    }
  }
  return total;
}
