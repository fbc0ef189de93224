/**
 * The gateway's yardstick: a bare MCP server on the SDK, stateless Streamable HTTP with JSON
 * responses (as the gateway answers), one Server and transport per request as the SDK's stateless
 * example does, serving the very tool the gateway serves — the skill's default export, imported and
 * called in this process. No authentication, catalogue, argument check, sandbox or audit: what is
 * left of a gateway call once those are gone. `gateway_call_ratio` divides by its tools/call p50.
 *
 *   BENCH_SKILL_DIR  a folder with the skill's aerostack.json and index.js
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';

interface SkillTool {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
}

const dir = process.env.BENCH_SKILL_DIR!;
const manifest = JSON.parse(readFileSync(path.join(dir, 'aerostack.json'), 'utf8')) as { tool: SkillTool };
const { tool } = manifest;
const run = (
  (await import(pathToFileURL(path.join(dir, 'index.js')).href)) as {
    default: (input: unknown, ctx: unknown) => Promise<CallToolResult>;
  }
).default;

const httpServer = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    void (async () => {
      const body: unknown = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      const server = new Server({ name: 'bare-sdk', version: '1.0.0' }, { capabilities: { tools: {} } });
      server.setRequestHandler(ListToolsRequestSchema, () => ({
        tools: [{ name: tool.name, description: tool.description, inputSchema: tool.input_schema as never }],
      }));
      server.setRequestHandler(CallToolRequestSchema, (request) => run(request.params.arguments ?? {}, {}));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    })().catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500).end(err.message);
    });
  });
});
httpServer.keepAliveTimeout = 65_000;
httpServer.listen(0, '127.0.0.1', () => {
  const { port } = httpServer.address() as AddressInfo;
  process.send?.({ ready: true, url: `http://127.0.0.1:${port}/mcp`, pid: process.pid });
});
process.on('disconnect', () => process.exit(0));
