import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Flags } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { UsageError } from '../../lib/errors.js';
import { parseSkillSpec } from '../../lib/skill-spec.js';
import { onboardingScript, type OnboardingSkill } from '../../lib/workspace-onboarding.js';
import { resolveWorkspace, workspaceArg } from '../../lib/workspace-target.js';

export default class WorkspaceOnboardingScript extends AerostackCommand<typeof WorkspaceOnboardingScript> {
  static override summary = "Print a team-setup.sh that installs the workspace's skills on a new dev's machine.";
  static override description =
    'The script runs non-interactively (AEROSTACK_TOKEN signs it in) and can be re-run safely. ' +
    'By default it installs the skills installed in the workspace; --skills names them instead.';
  static override examples = [
    '<%= config.bin %> workspace onboarding-script acme-team > team-setup.sh',
    '<%= config.bin %> workspace onboarding-script acme-team --output team-setup.sh',
    '<%= config.bin %> workspace onboarding-script acme-team --skills @acme/internal-crm-skill,@acme/deploy-skill',
  ];
  static override args = { workspace: workspaceArg(false) };
  static override flags = {
    skills: Flags.string({
      description: 'comma-separated skills to install (default: those installed in the workspace)',
      helpValue: 'a,b',
    }),
    output: Flags.string({
      char: 'o',
      description: 'write the script to this file (made executable) instead of printing it',
      helpValue: 'FILE',
    }),
  };

  async run() {
    const { client, config } = await this.authed();
    const slug = resolveWorkspace(this.args.workspace, config);
    const ws = await client.workspaceSkills(slug);
    let skills: OnboardingSkill[];
    if (this.flags.skills !== undefined) {
      const names = this.flags.skills
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (!names.length) throw new UsageError('--skills names no skill');
      // Validated here (a usage error names the bad one); written as given, as the seed writes `johndoe/github-skill`.
      for (const raw of names) parseSkillSpec(raw);
      skills = names.map((spec) => ({ spec }));
    } else {
      skills = ws.skills.map((s) => ({ spec: s.name, public: s.visibility === 'public' }));
    }
    const script = onboardingScript(slug, ws.url, skills);
    const result = { workspace: slug, url: ws.url, skills: skills.map((s) => s.spec), script };
    if (this.flags.output) {
      const file = path.resolve(this.flags.output);
      await writeFile(file, script, { mode: 0o755 });
      await chmod(file, 0o755);
      this.success(`Wrote ${this.flags.output} (${skills.length} skill${skills.length === 1 ? '' : 's'})`);
      return { ...result, path: file };
    }
    // Printed as is (no trailing extra newline), so `> team-setup.sh` is the exact script.
    if (!this.jsonEnabled()) process.stdout.write(script);
    return result;
  }
}
