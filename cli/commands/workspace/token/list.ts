import { AerostackCommand } from '../../../base-command.js';
import { tokenTable } from '../../../lib/workspace-tables.js';
import { resolveWorkspace, workspaceArg } from '../../../lib/workspace-target.js';

export default class WorkspaceTokenList extends AerostackCommand<typeof WorkspaceTokenList> {
  static override summary = "List a workspace's mwt_ tokens (never their secrets): created, last used, status.";
  static override examples = [
    '<%= config.bin %> workspace token list acme-team',
    '<%= config.bin %> workspace token list acme-team --json',
  ];
  static override args = { workspace: workspaceArg(false) };

  async run() {
    const { client, config } = await this.authed();
    const slug = resolveWorkspace(this.args.workspace, config);
    const tokens = await client.workspaceTokens(slug);
    this.log(tokenTable(tokens));
    return { workspace: slug, tokens };
  }
}
