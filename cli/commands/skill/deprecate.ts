import { Args } from '@oclif/core';
import semver from 'semver';
import { AerostackCommand } from '../../base-command.js';
import { ApiError } from '../../lib/errors.js';
import { parseSkillSpec } from '../../lib/skill-spec.js';

export default class SkillDeprecate extends AerostackCommand<typeof SkillDeprecate> {
  static override summary = 'Deprecate versions of a skill (an empty message undeprecates).';
  static override examples = [
    '<%= config.bin %> skill deprecate @acme/crm-skill@1.0.0 "use 1.2.0 or later"',
    '<%= config.bin %> skill deprecate @acme/crm-skill@"<2" "2.x has the new API"',
    '<%= config.bin %> skill deprecate @acme/crm-skill@1.0.0 ""',
  ];
  static override args = {
    name: Args.string({ description: '@ns/skill[@version|range] (default: every version)', required: true }),
    message: Args.string({ description: 'why, and what to use instead', required: true }),
  };

  async run() {
    const { client } = await this.authed();
    const spec = parseSkillSpec(this.args.name);
    const doc = await client.packument(spec.full);
    const range = spec.spec ?? '*';
    const matched = Object.keys(doc.versions).filter((v) => semver.satisfies(v, range, { includePrerelease: true }));
    if (!matched.length) throw new ApiError(404, `No version of ${spec.full} matches "${range}"`);
    for (const v of matched) doc.versions[v]!.deprecated = this.args.message;
    await client.updatePackage(spec.full, doc);
    this.success(`${this.args.message ? 'Deprecated' : 'Undeprecated'} ${spec.full}@${matched.join(', ')}`);
    return { name: spec.full, versions: matched, message: this.args.message };
  }
}
