// Writes cli/oclif.manifest.json (as `oclif manifest` does) so the CLI finds a command without importing
// every command module at start-up. Uses @oclif/core's own Plugin loader; run after `tsc`.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Plugin } from '@oclif/core';

const root = fileURLToPath(new URL('../cli/', import.meta.url));
const plugin = new Plugin({ root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true });
await plugin.load();
await writeFile(new URL('../cli/oclif.manifest.json', import.meta.url), JSON.stringify(plugin.manifest));
