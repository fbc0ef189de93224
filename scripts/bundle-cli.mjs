// Bundles the aerostack CLI into one file, cli/dist/aerostack.js, with the contract package inside it:
// what `npm pack ./cli` ships and what cli/bin/aerostack.js runs (the tests run this very file). It
// exports every command (oclif's "explicit" discovery), found under cli/dist/commands after `tsc`.
// Only oclif stays outside (its plugins are loaded by package name); so the CLI installs alone, with
// none of the server's dependencies. Run after `tsc`, before the oclif manifest.
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
    contents: `${imports.join('\n')}\nexport const COMMANDS = {\n${ids.join('\n')}\n};\n`,
    resolveDir: dist,
    sourcefile: 'commands.js',
  },
  outfile: path.join(dist, 'aerostack.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: ['@oclif/*'],
  // Bundled CommonJS dependencies call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __aerostackRequire } from 'node:module';\nconst require = __aerostackRequire(import.meta.url);",
  },
  legalComments: 'eof',
  logLevel: 'warning',
});
