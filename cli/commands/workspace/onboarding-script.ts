import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Flags } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { UsageError } from '../../lib/errors.js';
import { SKILL_AGENTS } from '@aerostack/contract/agent-skill.js';
import type { RegistryClient } from '../../lib/registry-client.js';
import { parseSkillSpec, resolveVersion } from '../../lib/skill-spec.js';
import { CONNECT_CLIENTS } from '../../lib/editor-configs.js';
import { onboardingScript, type OnboardingSkill } from '../../lib/workspace-onboarding.js';
import { resolveWorkspace, workspaceArg } from '../../lib/workspace-target.js';

export default class WorkspaceOnboardingScript extends AerostackCommand<typeof WorkspaceOnboardingScript> {
  static override summary = "Print a team-setup.sh that installs the workspace's skills on a new dev's machine.";
  static override description =
    'The registry URL and the workspace are baked in. On a new laptop the script checks Node 20+, installs the CLI from the registry with npm, ' +
    'signs in (AEROSTACK_TOKEN, else aerostack login on a terminal), uses the workspace, installs local copies of its skills at its versions ' +
    "(never changing the workspace; Agent Skills go into the member's agent folder: the script's --agent or --skills-dir, else their default), " +
    "and connects the editor with the member's own mwt_ token (aerostack workspace connect). " +
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
    agent: Flags.string({
      description:
        "the agent whose skills folder the workspace's Agent Skills go to when the script is run without --agent or --skills-dir (default: the member's default)",
      options: [...SKILL_AGENTS],
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
      skills = await Promise.all(names.map(async (spec) => ({ spec, agentSkill: await isAgentSkill(client, spec) })));
    } else {
      skills = ws.skills.map((s) => ({
        spec: s.name,
        public: s.visibility === 'public',
        agentSkill: s.type === 'agent-skill',
      }));
    }
    const script = onboardingScript({
      workspace: slug,
      registry,
      url: ws.url,
      skills,
      client: this.flags.client,
      agent: this.flags.agent,
    });
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

/**
 * Whether a skill named with --skills is an Agent Skill (the version the spec picks). One the caller
 * cannot read is written as given, as before: the member running the script may well read it.
 */
async function isAgentSkill(client: RegistryClient, raw: string): Promise<boolean> {
  const spec = parseSkillSpec(raw);
  const doc = await client.packument(spec.full).catch(() => null);
  if (!doc) return false;
  try {
    return doc.versions[resolveVersion(doc, spec.spec)]?.aerostack?.type === 'agent-skill';
  } catch {
    return false;
  }
}
