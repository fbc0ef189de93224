#!/usr/bin/env node
// `aerostack --version` is what scripts call most to check the tool is there: answer it without
// loading oclif (which costs ~150 ms), in exactly oclif's format.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const { readFileSync } = await import('node:fs');
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`aerostack/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  // The bundle carries oclif itself (scripts/bundle-cli.mjs): the package has no runtime dependencies.
  const { execute } = await import('../dist/aerostack.js');
  await execute({ dir: import.meta.url });
}
