import { Args, Flags } from '@oclif/core';
import { canPrompt } from '../../lib/prompt.js';
import { AerostackCommand, type Context } from '../../base-command.js';
import { configDir } from '../../lib/config-store.js';
import { LocalSkills } from '../../lib/local-skills.js';
import { withProgress } from '../../lib/progress.js';
import { ApiError } from '../../lib/errors.js';
import type { Packument, WorkspaceInfo } from '../../lib/registry-client.js';
import { parseSkillSpec, resolveVersion } from '../../lib/skill-spec.js';
import { checkSlug, workspaceFlag } from '../../lib/workspace-target.js';

export default class SkillInstall extends AerostackCommand<typeof SkillInstall> {
  static override summary =
    'Install a skill (verified by its sha512 integrity) into the local skill cache, and into the workspace in use.';
  static override examples = [
    '<%= config.bin %> skill install @acme/internal-crm-skill',
    '<%= config.bin %> skill install johndoe/github-skill@^2',
    '<%= config.bin %> skill install @acme/deploy-skill@beta',
    '<%= config.bin %> skill install @acme/jira-skill --workspace acme-team',
    '<%= config.bin %> skill install @acme/crm-skill --workspace acme-team --allow-network',
    '<%= config.bin %> skill install @acme/crm-skill --local',
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
  };

  async run() {
    const ctx = await this.context();
    const spec = parseSkillSpec(this.args.name);
    const doc = await ctx.client.packument(spec.full);
    if (this.flags.local) return this.installLocally(ctx, doc, await this.localVersion(ctx, doc, spec.spec));
    const version = resolveVersion(doc, spec.spec);
    // With a workspace in use the skill goes into it too, and first: the registry may refuse (a
    // private skill, say) and then nothing is installed anywhere. Only those the registry lets change
    // the workspace (its owner and admins) add to it; anyone else gets the local copy, and is told.
    const slug = this.flags.workspace ?? ctx.config.workspace;
    const workspace = slug ? await findWorkspace(ctx, checkSlug(slug)) : null;
    const added = workspace?.canManage ? await this.addToWorkspace(ctx, workspace.slug, doc.name, version) : null;
    const local = await this.installLocally(ctx, doc, version);
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

  private async installLocally(ctx: Context, doc: Packument, version: string) {
    const meta = doc.versions[version]!;
    const local = new LocalSkills(configDir());
    const result = { name: doc.name, version, visibility: doc.visibility, integrity: meta.dist.integrity };
    if (meta.deprecated) process.stderr.write(`! ${doc.name}@${version} is deprecated: ${meta.deprecated}\n`);
    if (await local.isInstalled(doc.name, version, meta.dist.integrity)) {
      this.success(`${doc.name}@${version} is already installed`);
      return { ...result, path: local.folderFor(doc.name, version), alreadyInstalled: true };
    }
    const size = Number(meta.dist.unpackedSize ?? 0);
    const tarball = await withProgress(this.jsonEnabled(), 'Downloading', size, (onProgress) =>
      ctx.client.download(meta.dist.tarball, onProgress),
    );
    const entry = await local.install(doc.name, version, tarball, {
      integrity: meta.dist.integrity,
      resolved: meta.dist.tarball,
      visibility: doc.visibility,
    });
    // The registry only serves a team skill to members, so getting here proves membership.
    this.success(
      doc.visibility === 'team' ? 'Installed (team membership verified)' : `Installed ${doc.name}@${version}`,
    );
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
