import { Args } from '@oclif/core';
import { AerostackCommand } from '../../../base-command.js';
import { parseSkillSpec } from '../../../lib/skill-spec.js';

export default class DistTagRm extends AerostackCommand<typeof DistTagRm> {
  static override summary = 'Remove a dist-tag (latest cannot be removed).';
  static override examples = ['<%= config.bin %> skill dist-tag rm @acme/crm-skill beta'];
  static override args = {
    name: Args.string({ description: '@ns/skill', required: true }),
    tag: Args.string({ description: 'tag name', required: true }),
  };

  async run() {
    const { client } = await this.authed();
    const { full } = parseSkillSpec(this.args.name);
    const tags = await client.removeDistTag(full, this.args.tag);
    this.success(`Removed ${this.args.tag} from ${full}`);
    return { name: full, tags };
  }
}
