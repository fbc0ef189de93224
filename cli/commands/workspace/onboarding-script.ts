import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Flags } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { UsageError } from '../../lib/errors.js';
import { parseSkillSpec } from '../../lib/skill-spec.js';
import { CONNECT_CLIENTS } from '../../lib/editor-configs.js';
import { onboardingScript, type OnboardingSkill } from '../../lib/workspace-onboarding.js';
import { resolveWorkspace, workspaceArg } from '../../lib/workspace-target.js';

export default class WorkspaceOnboardingScript extends AerostackCommand<typeof WorkspaceOnboardingScript> {
  static override summary = "Print a team-setup.sh that installs the workspace's skills on a new dev's machine.";
  static override description =
    'The registry URL and the workspace are baked in. On a new laptop the script checks Node 20+, installs the CLI from the registry with npm, ' +
    'signs in (AEROSTACK_TOKEN, else aerostack login on a terminal), uses the workspace, installs local copies of its skills at its versions ' +
    "(never changing the workspace), and connects the editor with the member's own mwt_ token (aerostack workspace connect). " +
    'It can be re-run safely and takes --client and --dry-run. By default it installs the skills installed in the workspace; --skills names them instead.';
  static override examples = [
    '<%= config.bin %> workspace onboarding-script acme-team > team-setup.sh',
    '<%= config.bin %> workspace onboarding-script acme-team --output team-setup.sh',
    '<%= config.bin %> workspace onboarding-script acme-team --client cursor > team-setup.sh',
    '<%= config.bin %> workspace onboarding-script acme-team --skills @acme/internal-crm-skill,@acme/deploy-skill',
  ];
  static override args = { workspace: workspaceArg(false) };
  static override flags = {
    skills: Flags.string({
      description: 'comma-separated skills to install (default: those installed in the workspace)',
      helpValue: 'a,b',
    }),
    client: Flags.string({
      description:
        'the editor the script configures when run without --client (default: the ones it finds, else print)',
      options: [...CONNECT_CLIENTS],
    }),
    output: Flags.string({
      char: 'o',
      description: 'write the script to this file (made executable) instead of printing it',
      helpValue: 'FILE',
    }),
  };

  async run() {
    const { client, config, registry } = await this.authed();
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
    const script = onboardingScript({ workspace: slug, registry, url: ws.url, skills, client: this.flags.client });
    const result = { workspace: slug, registry, url: ws.url, skills: skills.map((s) => s.spec), script };
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
