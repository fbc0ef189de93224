// Bundles the skill runner (registry/dist/gateway/runtime/runner/skill-server.mjs) with the parts of
// the MCP SDK it uses into one file, the only code of ours a sandboxed skill process loads. One file
// starts in ~40 ms where the SDK's ~500 modules take ~150 ms, and the sandbox binds one folder
// instead of the SDK's dependencies. Run after `tsc`.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const runner = new URL('../registry/dist/gateway/runtime/runner/', import.meta.url);
// sandbox-preload.mjs goes beside it: loaded with --import when a skill is given secrets or network.
await build({
  entryPoints: ['skill-server.mjs', 'sandbox-preload.mjs'].map((f) => fileURLToPath(new URL(f, runner))),
  outdir: fileURLToPath(new URL('bundle/', runner)),
  outExtension: { '.js': '.mjs' },
  // The preload's egress part (undici) is a chunk of its own, loaded only by skills given network.
  splitting: true,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  legalComments: 'eof',
  // undici and https-proxy-agent are CommonJS and require Node's modules, which an ES module bundle
  // can only do through a require of its own.
  banner: {
    js: "import { createRequire as __aerostackRequire } from 'node:module'; const require = __aerostackRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
