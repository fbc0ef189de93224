import { Args, Flags } from '@oclif/core';
import { canPrompt } from '../../lib/prompt.js';
import { AerostackCommand, type Context } from '../../base-command.js';
import { SKILL_AGENTS } from '@aerostack/contract/agent-skill.js';
import {
  chooseTarget,
  describeTarget,
  saveDefault,
  skillsFolder,
  tildify,
  type AgentTarget,
} from '../../lib/agent-target.js';
import { configDir } from '../../lib/config-store.js';
import { LocalSkills } from '../../lib/local-skills.js';
import { withProgress } from '../../lib/progress.js';
import { ApiError } from '../../lib/errors.js';
import type { Packument, WorkspaceInfo } from '../../lib/registry-client.js';
import { parseSkillSpec, resolveVersion } from '../../lib/skill-spec.js';
import { checkSlug, workspaceFlag } from '../../lib/workspace-target.js';

export default class SkillInstall extends AerostackCommand<typeof SkillInstall> {
  static override summary =
    "Install a skill (verified by its sha512 integrity) into the local skill cache (an Agent Skill: into an agent's skills folder), and into the workspace in use.";
  static override examples = [
    '<%= config.bin %> skill install @acme/internal-crm-skill',
    '<%= config.bin %> skill install johndoe/github-skill@^2',
    '<%= config.bin %> skill install @acme/deploy-skill@beta',
    '<%= config.bin %> skill install @acme/jira-skill --workspace acme-team',
    '<%= config.bin %> skill install @acme/crm-skill --workspace acme-team --allow-network',
    '<%= config.bin %> skill install @acme/crm-skill --local',
    '<%= config.bin %> skill install @acme/pdf-forms --agent claude-code',
    '<%= config.bin %> skill install @acme/pdf-forms --dir ./skills',
  ];
  static override args = {
    name: Args.string({ description: '@ns/skill or ns/skill, optionally @version, @range or @tag', required: true }),
  };
  static override flags = {
    workspace: workspaceFlag,
    local: Flags.boolean({
      description:
        "install the local copy only, never changing the workspace; a skill the workspace in use holds is installed at the workspace's version (as team-setup.sh does)",
      exclusive: ['allow-network'],
    }),
    'allow-network': Flags.boolean({
      description:
        "approve the hosts the skill's aerostack.json `network` declares, for the workspace (asked on a terminal otherwise)",
    }),
    agent: Flags.string({
      description:
        "Agent Skills: unpack into this agent's skills folder (claude-code: ~/.claude/skills, codex: ~/.agents/skills)",
      options: [...SKILL_AGENTS],
      exclusive: ['dir'],
    }),
    dir: Flags.string({
      description: 'Agent Skills: unpack into PATH/<name>/ instead',
      helpValue: 'PATH',
      exclusive: ['agent'],
    }),
    'set-default': Flags.boolean({
      description: 'keep this --agent or --dir as the default for Agent Skills (the first one given is kept anyway)',
    }),
  };

  async run() {
    const ctx = await this.context();
    const spec = parseSkillSpec(this.args.name);
    const doc = await ctx.client.packument(spec.full);
    if (this.flags.local) {
      const version = await this.localVersion(ctx, doc, spec.spec);
      return this.installLocally(ctx, doc, version, await this.agentTarget(ctx, doc, version));
    }
    const version = resolveVersion(doc, spec.spec);
    // Where an Agent Skill goes is settled before anything changes, the workspace included.
    const target = await this.agentTarget(ctx, doc, version);
    // With a workspace in use the skill goes into it too, and first: the registry may refuse (a
    // private skill, say) and then nothing is installed anywhere. Only those the registry lets change
    // the workspace (its owner and admins) add to it; anyone else gets the local copy, and is told.
    const slug = this.flags.workspace ?? ctx.config.workspace;
    const workspace = slug ? await findWorkspace(ctx, checkSlug(slug)) : null;
    const added = workspace?.canManage ? await this.addToWorkspace(ctx, workspace.slug, doc.name, version) : null;
    const local = await this.installLocally(ctx, doc, version, target);
    if (!workspace) return local;
    if (!added) {
      process.stderr.write(
        `! Workspace ${workspace.slug} is unchanged: only the owner and admins of @${workspace.namespace} add skills to it (you are ${workspace.role === 'member' ? 'a member' : `its ${workspace.role}, with a read-only token`})\n`,
      );
      return { ...local, workspace: { slug: workspace.slug, version: null, changed: false } };
    }
    this.success(
      `Added to workspace ${workspace.slug}${added.network.length ? `; it may reach ${added.network.join(', ')}` : ''}`,
    );
    return { ...local, workspace: { slug: workspace.slug, version: added.version, changed: added.changed } };
  }

  /**
   * `--local`: the version named, else the one the workspace in use runs (what its gateway serves
   * every member), else the latest. Reads the workspace only; a member may.
   */
  private async localVersion(ctx: Context, doc: Packument, spec: string | null): Promise<string> {
    const slug = this.flags.workspace ?? ctx.config.workspace;
    if (spec !== null || !slug || !ctx.client.hasToken) return resolveVersion(doc, spec);
    const held = (await ctx.client.workspaceSkills(checkSlug(slug))).skills.find((s) => s.name === doc.name);
    return held && doc.versions[held.version] ? held.version : resolveVersion(doc, spec);
  }

  /**
   * Installs into the workspace. A skill that asks for network hosts the workspace has not approved
   * is refused by the registry; the installer consents with --allow-network, or at a prompt.
   */
  private async addToWorkspace(ctx: Context, slug: string, name: string, version: string) {
    const allowNetwork = this.flags['allow-network'];
    try {
      return await ctx.client.installInWorkspace(slug, name, version, { allowNetwork });
    } catch (err) {
      const hosts = networkAsked(err);
      if (!hosts || allowNetwork || !canPrompt()) throw err;
      const { default: confirm } = await import('@inquirer/confirm');
      const yes = await confirm({
        message: `${name}@${version} asks to reach ${hosts.join(', ')}. Allow it from workspace ${slug}?`,
        default: false,
      });
      if (!yes) throw err;
      return ctx.client.installInWorkspace(slug, name, version, { allowNetwork: true });
    }
  }

  /**
   * An Agent Skill's folder choice (--agent, --dir, else the default in the CLI config); null for
   * the skills the gateway runs, which go into the local skill cache whatever the flags say.
   */
  private async agentTarget(ctx: Context, doc: Packument, version: string) {
    if (doc.versions[version]?.aerostack?.type !== 'agent-skill') {
      if (this.flags.agent !== undefined || this.flags.dir !== undefined)
        process.stderr.write(
          `! ${doc.name} is not an Agent Skill: --agent and --dir are ignored (it goes into the local skill cache)\n`,
        );
      return null;
    }
    return chooseTarget(doc.name, this.flags, ctx.store);
  }

  private async installLocally(
    ctx: Context,
    doc: Packument,
    version: string,
    agent: { target: AgentTarget; makeDefault: boolean } | null,
  ) {
    const meta = doc.versions[version]!;
    const local = new LocalSkills(configDir());
    const result = { name: doc.name, version, visibility: doc.visibility, integrity: meta.dist.integrity };
    if (meta.deprecated) process.stderr.write(`! ${doc.name}@${version} is deprecated: ${meta.deprecated}\n`);
    const folder = agent ? local.agentSkillFolder(doc.name, skillsFolder(agent.target)) : undefined;
    if (await local.isInstalled(doc.name, version, meta.dist.integrity, folder)) {
      this.success(`${doc.name}@${version} is already installed${folder ? ` in ${tildify(folder)}` : ''}`);
      return { ...result, path: folder ?? local.folderFor(doc.name, version), alreadyInstalled: true };
    }
    const size = Number(meta.dist.unpackedSize ?? 0);
    const tarball = await withProgress(this.jsonEnabled(), 'Downloading', size, (onProgress) =>
      ctx.client.download(meta.dist.tarball, onProgress),
    );
    const lockMeta = { integrity: meta.dist.integrity, resolved: meta.dist.tarball, visibility: doc.visibility };
    const entry = agent
      ? await local.installAgentSkill(doc.name, version, tarball, lockMeta, skillsFolder(agent.target))
      : await local.install(doc.name, version, tarball, lockMeta);
    // The registry only serves a team skill to members, so getting here proves membership.
    this.success(
      doc.visibility === 'team' ? 'Installed (team membership verified)' : `Installed ${doc.name}@${version}`,
    );
    if (agent) {
      this.success(`Agent Skill unpacked into ${tildify(entry.path)}`);
      if (agent.makeDefault) {
        await saveDefault(ctx.store, agent.target);
        this.log(`  Agent Skills now install into ${describeTarget(agent.target)} by default`);
      }
    }
    return { ...result, path: entry.path, alreadyInstalled: false };
  }
}

/** The workspace as the registry lists it for the caller (with whether the caller may change it). */
async function findWorkspace(ctx: Context, slug: string): Promise<WorkspaceInfo> {
  const found = (await ctx.client.listWorkspaces()).find((w) => w.slug === slug);
  if (!found) throw new ApiError(404, `No workspace "${slug}"`);
  return found;
}

/** The hosts of a `network_approval_required` refusal, else null. */
function networkAsked(err: unknown): string[] | null {
  if (!(err instanceof ApiError) || err.fields.code !== 'network_approval_required') return null;
  const hosts = err.fields.network;
  return Array.isArray(hosts) ? hosts.filter((h): h is string => typeof h === 'string') : null;
}
