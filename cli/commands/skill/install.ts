import { Args } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { configDir } from '../../lib/config-store.js';
import { LocalSkills } from '../../lib/local-skills.js';
import { withProgress } from '../../lib/progress.js';
import { parseSkillSpec, resolveVersion } from '../../lib/skill-spec.js';

export default class SkillInstall extends AerostackCommand<typeof SkillInstall> {
  static override summary = 'Install a skill (verified by its sha512 integrity) into the local skill cache.';
  static override examples = [
    '<%= config.bin %> skill install @acme/internal-crm-skill',
    '<%= config.bin %> skill install johndoe/github-skill@^2',
    '<%= config.bin %> skill install @acme/deploy-skill@beta',
  ];
  static override args = { name: Args.string({ description: '@ns/skill or ns/skill, optionally @version, @range or @tag', required: true }) };

  async run() {
    const ctx = await this.context();
    const spec = parseSkillSpec(this.args.name);
    const doc = await ctx.client.packument(spec.full);
    const version = resolveVersion(doc, spec.spec);
    const meta = doc.versions[version]!;
    const local = new LocalSkills(configDir());
    const result = { name: doc.name, version, visibility: doc.visibility, integrity: meta.dist.integrity };
    if (meta.deprecated) process.stderr.write(`! ${doc.name}@${version} is deprecated: ${meta.deprecated}\n`);
    if (await local.isInstalled(doc.name, version, meta.dist.integrity)) {
      this.success(`${doc.name}@${version} is already installed`);
      return { ...result, path: local.folderFor(doc.name, version), alreadyInstalled: true };
    }
    const size = Number(meta.dist.unpackedSize ?? 0);
    const tarball = await withProgress(this.jsonEnabled(), 'Downloading', size, (onProgress) => ctx.client.download(meta.dist.tarball, onProgress));
    const entry = await local.install(doc.name, version, tarball, { integrity: meta.dist.integrity, resolved: meta.dist.tarball, visibility: doc.visibility });
    // The registry only serves a team skill to members, so getting here proves membership.
    this.success(doc.visibility === 'team' ? 'Installed (team membership verified)' : `Installed ${doc.name}@${version}`);
    return { ...result, path: entry.path, alreadyInstalled: false };
  }
}
