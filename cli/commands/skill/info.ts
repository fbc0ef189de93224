import { Args } from '@oclif/core';
import semver from 'semver';
import type { SkillProvides } from '@aerostack/contract/api.js';
import { splitSkillMd } from '@aerostack/contract/skill-md.js';
import { argumentsTable } from '@aerostack/contract/tool-arguments.js';
import { AerostackCommand } from '../../base-command.js';
import { day, table } from '../../lib/format.js';
import { parseSkillSpec, resolveVersion } from '../../lib/skill-spec.js';

export default class SkillInfo extends AerostackCommand<typeof SkillInfo> {
  static override summary =
    'Show a skill: visibility, versions, dist-tags, what it provides (tools and their arguments, secrets, hosts) and its readme summary.';
  static override examples = [
    '<%= config.bin %> skill info @acme/internal-crm-skill',
    '<%= config.bin %> skill info @acme/internal-crm-skill@1.2.0',
    '<%= config.bin %> skill info johndoe/github-skill --json',
  ];
  static override args = { name: Args.string({ description: '@ns/skill[@version]', required: true }) };

  async run() {
    const ctx = await this.context();
    const spec = parseSkillSpec(this.args.name);
    const doc = await ctx.client.packument(spec.full);
    const versions = Object.keys(doc.versions).sort(semver.compare);
    const shown = doc.versions[resolveVersion(doc, spec.spec)];
    const tool = shown?.aerostack as { type?: string; tool?: { name?: string } } | undefined;
    const provides = shown ? await ctx.client.provides(doc.name, shown.version) : null;
    const readmeSummary = summarize(doc.readme ?? '');
    this.log(`${doc.name} (${doc.visibility})`);
    if (doc.description) this.log(doc.description);
    this.log('');
    this.log(
      `dist-tags: ${Object.entries(doc['dist-tags'])
        .map(([t, v]) => `${t}: ${v}`)
        .join('  ')}`,
    );
    this.log(`versions:  ${versions.map((v) => (doc.versions[v]!.deprecated ? `${v} (deprecated)` : v)).join(', ')}`);
    if (tool?.type) this.log(`type:      ${tool.type}${tool.tool?.name ? `  tool: ${tool.tool.name}` : ''}`);
    this.log(`published: ${day(doc.time[shown?.version ?? ''])}  created: ${day(doc.time.created)}`);
    if (provides) this.log(`\n${providesText(provides)}`);
    if (readmeSummary) this.log(`\n${readmeSummary}`);
    return {
      name: doc.name,
      description: doc.description,
      visibility: doc.visibility,
      distTags: doc['dist-tags'],
      versions: versions.map((v) => ({
        version: v,
        published: doc.time[v],
        deprecated: doc.versions[v]!.deprecated ?? null,
      })),
      type: tool?.type ?? null,
      provides,
      readmeSummary,
    };
  }
}

/** What the version provides, as sections: each tool with its arguments, then secrets, hosts and files. */
function providesText(p: SkillProvides): string {
  const out: string[] = [`Provides (${p.version}):`];
  if (p.tools === null) {
    out.push('  Tools: listed once the skill has run in a workspace (its MCP server tells the gateway).');
  }
  for (const t of p.tools ?? []) {
    out.push('', `Tool ${plain(t.name)}`);
    if (t.description) out.push(`  ${plain(t.description)}`);
    if (t.inputSchema === null) {
      out.push('  (its input schema is too large to show)');
      continue;
    }
    const rows = argumentsTable(t.inputSchema);
    if (!rows.length) out.push('  No arguments.');
    else
      out.push(
        indent(
          table(
            rows.map((r) => [plain(r.name), plain(r.type), r.required ? 'yes' : 'no', plain(r.description)]),
            { header: ['ARGUMENT', 'TYPE', 'REQUIRED', 'DESCRIPTION'] },
          ),
        ),
      );
  }
  if (p.toolsTruncated) out.push('', '  (more tools, or larger schemas, than the registry keeps: the first are shown)');
  if (p.skillMd !== null) {
    const { fields } = splitSkillMd(p.skillMd);
    out.push('', 'SKILL.md');
    for (const [k, v] of (fields ?? []).filter(([k]) => k === 'name' || k === 'description'))
      out.push(`  ${k}: ${plain(v)}`);
    out.push(`  (${p.skillMd.split('\n').length} lines; shown in full on the skill page)`);
  }
  out.push('');
  out.push(
    p.env.length
      ? `Secrets:   ${p.env.map((e) => `${e.name}${e.required ? '' : ' (optional)'}${e.description ? ` — ${plain(e.description)}` : ''}`).join('\n           ')}`
      : 'Secrets:   none',
  );
  out.push(`Network:   ${p.network.length ? p.network.join(', ') : 'none'}`);
  if (p.files !== null) {
    const listed = p.files.slice(0, 20);
    const more = p.fileCount > listed.length ? `, and ${p.fileCount - listed.length} more` : '';
    out.push(`Files (${p.fileCount}): ${listed.map(plain).join(', ')}${more}`);
  }
  return out.join('\n');
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

/** Text from a skill's author or its server, made safe for a terminal: no control characters or escapes. */
const plain = (s: string) => s.replace(/\p{Cc}/gu, ' ');

/** The readme's first paragraph that is not a heading, on one line. */
function summarize(readme: string): string {
  const para = readme
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .find((p) => p && !p.startsWith('#') && !p.startsWith('```'));
  return (para ?? '').replace(/\s+/g, ' ').slice(0, 300);
}
