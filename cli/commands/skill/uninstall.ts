import { Args } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { configDir } from '../../lib/config-store.js';
import { ApiError } from '../../lib/errors.js';
import { LocalSkills } from '../../lib/local-skills.js';
import { parseSkillSpec } from '../../lib/skill-spec.js';

export default class SkillUninstall extends AerostackCommand<typeof SkillUninstall> {
  static override summary = 'Remove an installed skill from the local skill cache.';
  static override examples = ['<%= config.bin %> skill uninstall @acme/internal-crm-skill'];
  static override args = { name: Args.string({ description: '@ns/skill', required: true }) };

  async run() {
    const { full } = parseSkillSpec(this.args.name);
    const removed = await new LocalSkills(configDir()).uninstall(full);
    if (!removed) throw new ApiError(404, `${full} is not installed`);
    this.success(`Uninstalled ${full}@${removed.version}`);
    return { name: full, version: removed.version };
  }
}
