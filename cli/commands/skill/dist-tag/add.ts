import { Args } from '@oclif/core';
import { AerostackCommand } from '../../../base-command.js';
import { UsageError } from '../../../lib/errors.js';
import { parseSkillSpec } from '../../../lib/skill-spec.js';

export default class DistTagAdd extends AerostackCommand<typeof DistTagAdd> {
  static override summary = 'Point a dist-tag at a version.';
  static override examples = ['<%= config.bin %> skill dist-tag add @acme/crm-skill@1.2.0 stable'];
  static override args = {
    name: Args.string({ description: '@ns/skill@version', required: true }),
    tag: Args.string({ description: 'tag name, e.g. beta', required: true }),
  };

  async run() {
    const { client } = await this.authed();
    const spec = parseSkillSpec(this.args.name);
    if (!spec.spec) throw new UsageError(`Say which version to tag: ${spec.full}@1.2.3`);
    const tags = await client.addDistTag(spec.full, this.args.tag, spec.spec);
    this.success(`${this.args.tag}: ${spec.full}@${spec.spec}`);
    return { name: spec.full, tags };
  }
}
