import { Args } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { configDir } from '../../lib/config-store.js';
import { ApiError } from '../../lib/errors.js';
import { tildify } from '../../lib/agent-target.js';
import { LocalSkills, type LockedSkill } from '../../lib/local-skills.js';
import { parseSkillSpec } from '../../lib/skill-spec.js';
import { checkSlug, workspaceFlag } from '../../lib/workspace-target.js';

export default class SkillUninstall extends AerostackCommand<typeof SkillUninstall> {
  static override summary =
    'Remove an installed skill from the local skill cache (an Agent Skill: the folder it was unpacked into), and from the workspace in use.';
  static override examples = [
    '<%= config.bin %> skill uninstall @acme/internal-crm-skill',
    '<%= config.bin %> skill uninstall @acme/jira-skill --workspace acme-team',
  ];
  static override args = { name: Args.string({ description: '@ns/skill', required: true }) };
  static override flags = { workspace: workspaceFlag };

  async run() {
    const { full } = parseSkillSpec(this.args.name);
    const ctx = await this.context();
    const workspace = this.flags.workspace ?? ctx.config.workspace;
    if (!workspace) {
      const removed = await new LocalSkills(configDir()).uninstall(full);
      if (!removed) throw new ApiError(404, `${full} is not installed`);
      this.uninstalled(full, removed);
      return { name: full, version: removed.version };
    }
    // With a workspace in use it leaves the workspace too. The workspace goes first: removing from
    // it is for its owner and admins, and a refusal there must leave the local copy in place.
    const installed = (await ctx.client.workspaceSkills(checkSlug(workspace))).skills.find((s) => s.name === full);
    const local = new LocalSkills(configDir());
    const locally = (await local.readLock()).skills[full];
    if (!installed && !locally)
      throw new ApiError(404, `${full} is not installed (locally or in workspace ${workspace})`);
    if (installed) await ctx.client.uninstallFromWorkspace(workspace, full);
    const removed = locally ? await local.uninstall(full) : null;
    if (removed) this.uninstalled(full, removed);
    if (installed) this.success(`Removed from workspace ${workspace}`);
    return {
      name: full,
      version: removed?.version ?? installed?.version ?? null,
      workspace: { slug: workspace, removed: Boolean(installed) },
    };
  }

  private uninstalled(name: string, entry: LockedSkill): void {
    this.success(`Uninstalled ${name}@${entry.version}${entry.agentSkill ? ` (removed ${tildify(entry.path)})` : ''}`);
  }
}
