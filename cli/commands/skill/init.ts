import { Args, Flags } from '@oclif/core';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { AGENT_SKILL_NAME_RE } from '@aerostack/contract/agent-skill.js';
import path from 'node:path';
import { SKILL_SLUG_RE } from '@aerostack/contract/names.js';
import { AerostackCommand } from '../../base-command.js';
import { registryKey } from '../../lib/config-store.js';
import { UsageError } from '../../lib/errors.js';
import { scaffoldFiles, type SkillKind } from '../../lib/scaffold.js';

export default class SkillInit extends AerostackCommand<typeof SkillInit> {
  static override summary = 'Scaffold a skill folder that publishes and runs in the gateway as it is.';
  static override examples = [
    '<%= config.bin %> skill init internal-crm-skill',
    '<%= config.bin %> skill init files --type mcp',
    '<%= config.bin %> skill init pdf-forms --type agent-skill',
    '<%= config.bin %> skill init .',
  ];
  static override args = {
    dir: Args.string({ description: 'folder to create (default: the current folder)', default: '.' }),
  };
  static override flags = {
    type: Flags.string({
      description:
        'skill: one tool from a JS module; mcp: a stdio MCP server on the MCP SDK (npm install it; publish bundles node_modules); agent-skill: a SKILL.md folder for Claude Code, Codex and other agents',
      options: ['skill', 'mcp', 'agent-skill'],
      default: 'skill',
    }),
    name: Flags.string({ description: 'skill name (default: the folder name)' }),
    force: Flags.boolean({ description: 'write into a folder that is not empty' }),
  };

  async run() {
    const dir = path.resolve(this.args.dir);
    const slug =
      this.flags.name ??
      path
        .basename(dir)
        .toLowerCase()
        .replace(/[^a-z0-9._-]+/g, '-')
        .replace(/^[^a-z0-9]+/, '');
    if (!SKILL_SLUG_RE.test(slug))
      throw new UsageError(`"${slug}" is not a valid skill name: use lowercase letters, digits, ".", "_" and "-"`);
    // The Agent Skills spec is stricter, and its frontmatter name must equal aerostack.json's.
    if (this.flags.type === 'agent-skill' && (slug.length > 64 || !AGENT_SKILL_NAME_RE.test(slug)))
      throw new UsageError(
        `"${slug}" is not a valid Agent Skill name: use lowercase letters, digits and single "-" (not first or last), such as pdf-forms`,
      );
    await mkdir(dir, { recursive: true });
    const existing = (await readdir(dir)).filter((f) => !f.startsWith('.git'));
    if (existing.length && !this.flags.force)
      throw new UsageError(`${dir} is not empty (use --force to write into it anyway)`);
    const ctx = await this.context();
    // Scope the package with the signed-in user when known; publish fills it in otherwise.
    const username = ctx.config.auth?.[registryKey(ctx.registry)]?.username;
    const files = scaffoldFiles(this.flags.type as SkillKind, slug, username ? `@${username}/${slug}` : slug);
    for (const [file, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), content, { flag: this.flags.force ? 'w' : 'wx' });
    }
    this.success(`Created ${this.flags.type} "${slug}" in ${dir}`);
    // The mcp template imports the MCP SDK: it must be installed before publish can bundle it.
    const install = this.flags.type === 'mcp' ? 'npm install && ' : '';
    this.log(`  next: cd ${path.relative(process.cwd(), dir) || '.'} && ${install}aerostack skill publish --dry-run`);
    return { name: slug, type: this.flags.type, dir, files: Object.keys(files).sort() };
  }
}
