import { Args, Flags } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { table } from '../../lib/format.js';

export default class SkillSearch extends AerostackCommand<typeof SkillSearch> {
  static override summary =
    'Search the public marketplace; with --team, the team and private skills you may read instead.';
  static override description =
    'The marketplace lists public skills only, to everyone (team and private skills never appear in it). ' +
    '--team searches the team skills of the namespaces you belong to and your own private skills.';
  static override examples = [
    '<%= config.bin %> skill search crm',
    '<%= config.bin %> skill search crm --team',
    '<%= config.bin %> skill search "jira issues" --limit 5 --json',
  ];
  static override args = {
    query: Args.string({ description: 'words to look for in names, descriptions and tags', required: true }),
  };
  static override flags = {
    limit: Flags.integer({ description: 'at most this many results', default: 20, min: 1, max: 250 }),
    team: Flags.boolean({ description: 'search the team and private skills you may read, not the marketplace' }),
  };

  async run() {
    const ctx = await this.context();
    const res = await ctx.client.search(this.args.query, this.flags.limit, this.flags.team ? 'team' : 'public');
    const results = res.objects.map((o) => ({
      name: o.package.name,
      version: o.package.version,
      visibility: o.package.visibility ?? 'public',
      description: o.package.description,
    }));
    if (!results.length) this.log(`No skills match "${this.args.query}"`);
    else
      this.log(
        table(
          results.map((r) => [r.name, r.version, r.visibility, r.description]),
          { header: ['SKILL', 'VERSION', 'VISIBILITY', 'DESCRIPTION'] },
        ),
      );
    // Past SEARCH_COUNT_LIMIT matches the registry stops counting: `total` is then a lower bound.
    return { total: res.total, ...(res.totalIsLowerBound ? { totalIsLowerBound: true } : {}), results };
  }
}
