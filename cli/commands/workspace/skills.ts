import { AerostackCommand } from '../../base-command.js';
import { day, table } from '../../lib/format.js';
import { resolveWorkspace, workspaceArg } from '../../lib/workspace-target.js';

export default class WorkspaceSkills extends AerostackCommand<typeof WorkspaceSkills> {
  static override summary = 'List the skills installed in a workspace (what its gateway serves).';
  static override examples = [
    '<%= config.bin %> workspace skills acme-team',
    '<%= config.bin %> workspace skills --json',
  ];
  static override args = { workspace: workspaceArg(false) };

  async run() {
    const { client, config } = await this.authed();
    const res = await client.workspaceSkills(resolveWorkspace(this.args.workspace, config));
    this.log(
      table(
        res.skills.map((s) => [
          s.name,
          s.version,
          s.visibility,
          s.installedBy,
          day(s.installedAt),
          s.network.join(', ') || '-',
        ]),
        { header: ['SKILL', 'VERSION', 'VISIBILITY', 'INSTALLED BY', 'INSTALLED', 'NETWORK'] },
      ),
    );
    return res;
  }
}
