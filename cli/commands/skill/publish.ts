import { DIST_TAG_RE } from '@aerostack/contract/names.js';
import { Flags } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { UsageError } from '../../lib/errors.js';
import { formatBytes } from '../../lib/format.js';
import { packSkill } from '../../lib/pack.js';
import { withProgress } from '../../lib/progress.js';

export default class SkillPublish extends AerostackCommand<typeof SkillPublish> {
  static override summary = 'Pack the skill in the current folder and publish it.';
  static override description =
    'Reads aerostack.json, packs an npm-shaped tarball (honouring .aerostackignore or package.json "files") and publishes it as @<you>/<name>. The production dependencies installed in node_modules are bundled into the tarball (the gateway runs skills with no npm install); run npm install first. Visibility: public (default), --private team (only people you invited) or --private (only you).';
  static override examples = [
    '<%= config.bin %> skill publish',
    '<%= config.bin %> skill publish --name "internal-crm-skill" --private team',
    '<%= config.bin %> skill publish --name "my-dev-tool" --private',
    '<%= config.bin %> skill publish --tag beta',
    '<%= config.bin %> skill publish --dry-run --json',
  ];
  static override flags = {
    name: Flags.string({ description: "publish under this name instead of aerostack.json's" }),
    private: Flags.string({
      description: '"--private" alone: only you; "--private team": people you invited',
      options: ['private', 'team'],
    }),
    public: Flags.boolean({
      description: 'make the skill public (the default for new skills)',
      exclusive: ['private'],
    }),
    tag: Flags.string({ description: 'dist-tag for this version', default: 'latest' }),
    'dry-run': Flags.boolean({ description: 'pack, validate and list the bundled dependencies, but do not upload' }),
    dir: Flags.string({ description: 'skill folder', default: '.' }),
  };

  // `--private` may stand alone: give it its implied value before oclif parses the flags.
  public override async init(): Promise<void> {
    const i = this.argv.indexOf('--private');
    if (i !== -1) {
      const next = this.argv[i + 1];
      if (next === undefined || next.startsWith('-')) this.argv.splice(i + 1, 0, 'private');
    }
    await super.init();
  }

  async run() {
    const ctx = await this.context();
    const dryRun = this.flags['dry-run'];
    const visibility = this.flags.private ?? (this.flags.public ? 'public' : undefined);
    const packed = await packSkill(this.flags.dir, {
      ...(this.flags.name ? { name: this.flags.name } : {}),
      namespace: async (scope) => {
        if (scope) return scope;
        if (dryRun && !ctx.client.hasToken) return 'your-username';
        return (await (await this.authed()).client.whoami()).username;
      },
    });
    const summary = {
      name: packed.name,
      version: packed.version,
      visibility: visibility ?? null,
      size: packed.tarball.length,
      unpackedSize: packed.unpackedSize,
      fileCount: packed.files.length,
      integrity: packed.integrity,
      tag: this.flags.tag,
      bundled: packed.bundled.map(({ name, version, path }) => ({ name, version, path })),
      bundledSize: packed.bundledSize,
    };
    this.log(`  name:       ${packed.name}`);
    this.log(`  version:    ${packed.version}`);
    this.log(`  visibility: ${visibility ?? '(unchanged; public if new)'}`);
    this.log(
      `  size:       ${formatBytes(packed.tarball.length)} (${packed.files.length} files, ${formatBytes(packed.unpackedSize)} unpacked)`,
    );
    if (packed.bundled.length) {
      const count = `${packed.bundled.length} package${packed.bundled.length === 1 ? '' : 's'}`;
      this.log(`  bundled:    ${count} from node_modules, ${formatBytes(packed.bundledSize)} unpacked`);
      // The dry run is where a publisher checks what ships: one line per package.
      if (dryRun)
        for (const p of packed.bundled) {
          const nested = p.path === `node_modules/${p.name}` ? '' : ` (${p.path})`;
          this.log(`    ${p.name}@${p.version}${nested}`);
        }
    }
    this.log(`  integrity:  ${packed.integrity}`);
    if (dryRun) {
      this.success(`Dry run: ${packed.name}@${packed.version} is ready to publish (nothing was uploaded)`);
      return { ...summary, dryRun: true, files: packed.files };
    }
    const { client } = await this.authed();
    if (!DIST_TAG_RE.test(this.flags.tag)) throw new UsageError(`Invalid --tag "${this.flags.tag}"`);
    const body = {
      _id: packed.name,
      name: packed.name,
      description: packed.manifest.description,
      'dist-tags': { [this.flags.tag]: packed.version },
      versions: {
        [packed.version]: {
          name: packed.name,
          version: packed.version,
          description: packed.manifest.description,
          dist: {
            integrity: packed.integrity,
            shasum: packed.shasum,
            tarball: `${ctx.registry}/${packed.name}/-/${packed.slug}-${packed.version}.tgz`,
          },
        },
      },
      ...(visibility ? { visibility } : {}),
      _attachments: {
        [`${packed.name}-${packed.version}.tgz`]: {
          content_type: 'application/octet-stream',
          data: packed.tarball.toString('base64'),
          length: packed.tarball.length,
        },
      },
    };
    const result = await withProgress(this.jsonEnabled(), 'Uploading', packed.tarball.length * 1.4, (onProgress) =>
      client.publish(packed.name, body, onProgress),
    );
    this.success(`Published ${result.name}@${result.version} (${result.visibility})`);
    const { ok: _ok, ...published } = result as typeof result & { ok?: boolean };
    return { ...summary, ...published, dryRun: false };
  }
}
