import { Args, Flags } from '@oclif/core';
import semver from 'semver';
import { AerostackCommand } from '../../base-command.js';
import { ApiError, UsageError } from '../../lib/errors.js';
import { parseSkillSpec } from '../../lib/skill-spec.js';

export default class SkillUnpublish extends AerostackCommand<typeof SkillUnpublish> {
  static override summary = 'Unpublish a version (within 72 hours of publishing); its number is never reused.';
  static override examples = [
    '<%= config.bin %> skill unpublish @acme/crm-skill@1.1.0',
    '<%= config.bin %> skill unpublish @acme/crm-skill --all',
  ];
  static override args = { name: Args.string({ description: '@ns/skill@version', required: true }) };
  static override flags = { all: Flags.boolean({ description: 'unpublish every version of the skill' }) };

  async run() {
    const { client } = await this.authed();
    const spec = parseSkillSpec(this.args.name);
    if (!this.flags.all && (!spec.spec || !semver.valid(spec.spec))) {
      throw new UsageError(`Say which version to unpublish (${spec.full}@1.2.3), or use --all for every version`);
    }
    const doc = await client.packument(spec.full);
    if (this.flags.all) {
      const res = await client.unpublishAll(spec.full, doc._rev);
      this.success(`Unpublished ${spec.full} (${res.unpublished.join(', ')})`);
      return { name: spec.full, versions: res.unpublished };
    }
    const version = spec.spec!;
    if (!doc.versions[version]) throw new ApiError(404, `${spec.full}@${version} not found`);
    delete doc.versions[version];
    await client.updatePackage(spec.full, doc, doc._rev);
    this.success(`Unpublished ${spec.full}@${version}`);
    return { name: spec.full, versions: [version] };
  }
}
