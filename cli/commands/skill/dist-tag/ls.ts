import { Args } from '@oclif/core';
import { AerostackCommand } from '../../../base-command.js';
import { parseSkillSpec } from '../../../lib/skill-spec.js';

export default class DistTagLs extends AerostackCommand<typeof DistTagLs> {
  static override summary = "List a skill's dist-tags.";
  static override examples = ['<%= config.bin %> skill dist-tag ls @acme/crm-skill'];
  static override args = { name: Args.string({ description: '@ns/skill', required: true }) };

  async run() {
    const { client } = await this.context();
    const { full } = parseSkillSpec(this.args.name);
    const tags = await client.distTags(full);
    for (const [tag, version] of Object.entries(tags)) this.log(`${tag}: ${version}`);
    return { name: full, tags };
  }
}
