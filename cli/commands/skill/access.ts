import { Args } from '@oclif/core';
import { VISIBILITIES, type Visibility } from '@aerostack/contract/api.js';
import { AerostackCommand } from '../../base-command.js';
import { parseSkillSpec } from '../../lib/skill-spec.js';

export default class SkillAccess extends AerostackCommand<typeof SkillAccess> {
  static override summary = 'Change who can install a skill: public, team (people you invited) or private (only you).';
  static override examples = [
    '<%= config.bin %> skill access @acme/internal-crm-skill team',
    '<%= config.bin %> skill access @acme/my-dev-tool private',
  ];
  static override args = {
    name: Args.string({ description: '@ns/skill', required: true }),
    visibility: Args.string({ description: 'public, team or private', options: [...VISIBILITIES], required: true }),
  };

  async run() {
    const { client } = await this.authed();
    const { full } = parseSkillSpec(this.args.name);
    const res = await client.setVisibility(full, this.args.visibility as Visibility);
    this.success(`${res.name} is now ${res.visibility}`);
    return res;
  }
}
