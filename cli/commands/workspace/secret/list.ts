import { AerostackCommand } from '../../../base-command.js';
import { day, table } from '../../../lib/format.js';
import { resolveWorkspace, workspaceArg } from '../../../lib/workspace-target.js';

export default class WorkspaceSecretList extends AerostackCommand<typeof WorkspaceSecretList> {
  static override summary =
    "List a workspace's secrets: names, who set them and when, and the skills that use them. Never a value.";
  static override examples = [
    '<%= config.bin %> workspace secret list acme-team',
    '<%= config.bin %> workspace secret list --json',
  ];
  static override args = { workspace: workspaceArg(false) };

  async run() {
    const { client, config } = await this.authed();
    const res = await client.workspaceSecrets(resolveWorkspace(this.args.workspace, config));
    this.log(
      table(
        res.secrets.map((s) => [s.name, s.setBy, day(s.setAt), s.usedBy.join(', ') || '-']),
        { header: ['NAME', 'SET BY', 'SET', 'USED BY'] },
      ),
    );
    for (const m of res.missing)
      this.log(
        `! ${m.name} is not set; ${m.usedBy.join(', ')} need${m.usedBy.length === 1 ? 's' : ''} it: aerostack workspace secret set ${res.workspace} ${m.name}`,
      );
    return res;
  }
}
