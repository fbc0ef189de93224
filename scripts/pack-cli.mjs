// Packs the built CLI with npm's own packer (exactly what `npm pack ./cli` gives) into
// cli/dist/served/aerostack.tgz: the tarball every registry serves as the unscoped package `aerostack`
// (registry/domain/packages/served-cli.ts), so `npm install -g aerostack --registry URL` works against
// any registry. The package has no runtime dependencies (scripts/bundle-cli.mjs), so that registry
// needs to reach no other. Run last in `npm run build`: it ships the bundle and the oclif manifest.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const cli = fileURLToPath(new URL('../cli/', import.meta.url));
const out = path.join(cli, 'dist', 'served');
// The outer `npm run build` sets npm_config_* (dry-run, json, workspace…) that would change this pack.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

// A runtime dependency would make the install reach for a registry that a team's does not proxy.
const { dependencies = {} } = JSON.parse(await readFile(path.join(cli, 'package.json'), 'utf8'));
if (Object.keys(dependencies).length)
  throw new Error(
    `cli/package.json must have no dependencies (bundle them: scripts/bundle-cli.mjs): ${Object.keys(dependencies)}`,
  );

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const { stdout } = await promisify(execFile)(
  'npm',
  ['pack', cli, '--pack-destination', out, '--json', '--ignore-scripts', '--loglevel=error'],
  { env, cwd: cli },
);
const [packed] = JSON.parse(stdout);
await rename(path.join(out, packed.filename), path.join(out, 'aerostack.tgz'));
