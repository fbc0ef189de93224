import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { MCP_DEPENDENCIES, scaffoldFiles } from 'aerostack/lib/scaffold.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('skill init --type mcp: the scaffold', () => {
  const files = scaffoldFiles('mcp', 'weather', '@acme/weather');

  it('depends on the MCP SDK and zod at ranges the versions this repository runs satisfy', () => {
    // The CLI ships as one bundled file, so the ranges are written in its source; this keeps them in step.
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    };
    const pkg = JSON.parse(files['package.json']!) as Record<string, unknown>;
    assert.deepEqual(pkg.dependencies, MCP_DEPENDENCIES);
    assert.equal(pkg.type, 'module');
    assert.deepEqual(Object.keys(MCP_DEPENDENCIES).sort(), ['@modelcontextprotocol/sdk', 'zod']);
    for (const [name, range] of Object.entries(MCP_DEPENDENCIES)) {
      const locked = lock.packages[`node_modules/${name}`]?.version;
      assert.ok(
        locked && semver.satisfies(locked, range),
        `${name}: the repo runs ${locked}, the scaffold asks ${range}`,
      );
    }
  });

  it('is a server on McpServer and StdioServerTransport with one zod-typed tool, run as node server.mjs', () => {
    assert.deepEqual(Object.keys(files).sort(), [
      '.aerostackignore',
      'README.md',
      'aerostack.json',
      'package.json',
      'server.mjs',
    ]);
    const manifest = JSON.parse(files['aerostack.json']!) as Record<string, unknown>;
    assert.deepEqual([manifest.type, manifest.command, manifest.args], ['mcp', 'node', ['server.mjs']]);
    const server = files['server.mjs']!;
    assert.match(server, /from '@modelcontextprotocol\/sdk\/server\/mcp\.js'/);
    assert.match(server, /from '@modelcontextprotocol\/sdk\/server\/stdio\.js'/);
    assert.equal(server.match(/registerTool\(/g)?.length, 1);
    assert.match(server, /inputSchema: \{ message: z\.string\(\)/);
    assert.match(server, /new McpServer\(\{ name: 'weather'/);
  });
});
