// Bundles the aerostack CLI into one file, cli/dist/aerostack.js, with the contract package inside it:
// what `npm pack ./cli` ships and what cli/bin/aerostack.js runs (the tests run this very file). It
// exports every command (oclif's "explicit" discovery), found under cli/dist/commands after `tsc`.
// oclif is inside too: bin/aerostack.js runs the bundle's own `execute`, so the package has no runtime
// dependencies and installs from a registry that reaches no other (every registry serves it as
// `aerostack`: scripts/pack-cli.mjs). Bundling rather than `bundleDependencies`: npm's packer does not
// collect dependencies hoisted to the workspace root, and one file installs and starts faster than a
// tree of oclif's twenty packages. oclif loads plugins by package name, which a bundle cannot
// offer: the `help` command of @oclif/plugin-help is exported here as one of ours instead, and
// @oclif/plugin-autocomplete (documented nowhere; its package exports no command) is gone. Run after
// `tsc`, before the oclif manifest.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = fileURLToPath(new URL('../cli/dist/', import.meta.url));
const commandsDir = path.join(dist, 'commands');
const files = (await readdir(commandsDir, { recursive: true })).filter((f) => f.endsWith('.js')).sort();
const imports = files.map((f, i) => `import c${i} from './commands/${f.split(path.sep).join('/')}';`);
const ids = files.map((f, i) => `  ${JSON.stringify(f.replace(/\.js$/, '').split(path.sep).join(':'))}: c${i},`);

await build({
  stdin: {
    contents: [
      ...imports,
      "import { commands as helpPlugin } from '@oclif/plugin-help';",
      "export { execute } from '@oclif/core';",
      // oclif's hooks, as cli/package.json names them (`oclif.hooks`: target dist/aerostack.js).
      "export { default as COMMAND_NOT_FOUND } from './hooks/command-not-found.js';",
      'export const COMMANDS = {',
      ...ids,
      '  help: helpPlugin.help,',
      '};',
      '',
    ].join('\n'),
    resolveDir: dist,
    sourcefile: 'commands.js',
  },
  outfile: path.join(dist, 'aerostack.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // oclif reads a tsconfig.json with TypeScript only when one sits beside package.json (a checkout,
  // never an installed package); there `typescript` is installed, so it stays out of the bundle.
  external: ['typescript'],
  // Bundled CommonJS dependencies call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __aerostackRequire } from 'node:module';\nconst require = __aerostackRequire(import.meta.url);",
  },
  legalComments: 'eof',
  logLevel: 'warning',
});
