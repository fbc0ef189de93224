// Bundles the skill runner (registry/dist/gateway/runtime/runner/skill-server.mjs) with the parts of
// the MCP SDK it uses into one file, the only code of ours a sandboxed skill process loads. One file
// starts in ~40 ms where the SDK's ~500 modules take ~150 ms, and the sandbox binds one folder
// instead of the SDK's dependencies. Run after `tsc`.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const runner = new URL('../registry/dist/gateway/runtime/runner/', import.meta.url);
await build({
  entryPoints: [fileURLToPath(new URL('skill-server.mjs', runner))],
  outfile: fileURLToPath(new URL('bundle/skill-server.mjs', runner)),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
});
