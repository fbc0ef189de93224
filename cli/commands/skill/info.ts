import { Args } from '@oclif/core';
import semver from 'semver';
import { AerostackCommand } from '../../base-command.js';
import { day } from '../../lib/format.js';
import { parseSkillSpec } from '../../lib/skill-spec.js';

export default class SkillInfo extends AerostackCommand<typeof SkillInfo> {
  static override summary = 'Show a skill: visibility, versions, dist-tags and its readme summary.';
  static override examples = [
    '<%= config.bin %> skill info @acme/internal-crm-skill',
    '<%= config.bin %> skill info johndoe/github-skill --json',
  ];
  static override args = { name: Args.string({ description: '@ns/skill', required: true }) };

  async run() {
    const ctx = await this.context();
    const doc = await ctx.client.packument(parseSkillSpec(this.args.name).full);
    const versions = Object.keys(doc.versions).sort(semver.compare);
    const latest = doc.versions[doc['dist-tags'].latest ?? versions.at(-1) ?? ''];
    const tool = latest?.aerostack as { type?: string; tool?: { name?: string } } | undefined;
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
    this.log(`published: ${day(doc.time[latest?.version ?? ''])}  created: ${day(doc.time.created)}`);
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
      readmeSummary,
    };
  }
}

/** The readme's first paragraph that is not a heading, on one line. */
function summarize(readme: string): string {
  const para = readme
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .find((p) => p && !p.startsWith('#') && !p.startsWith('```'));
  return (para ?? '').replace(/\s+/g, ' ').slice(0, 300);
}
