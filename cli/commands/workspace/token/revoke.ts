import { Flags } from '@oclif/core';
import { AerostackCommand } from '../../../base-command.js';
import { possessive } from '../../../lib/workspace-tables.js';
import { resolveWorkspace, workspaceArg } from '../../../lib/workspace-target.js';

export default class WorkspaceTokenRevoke extends AerostackCommand<typeof WorkspaceTokenRevoke> {
  static override summary = 'Revoke a workspace token by name: the gateway refuses it from the next request on.';
  static override examples = ['<%= config.bin %> workspace token revoke acme-team --name "Alice Cursor"'];
  static override args = { workspace: workspaceArg(false) };
  static override flags = {
    name: Flags.string({ description: 'the token name (as in workspace token list)', required: true }),
  };

  async run() {
    const { client, config } = await this.authed();
    const slug = resolveWorkspace(this.args.workspace, config);
    await client.revokeWorkspaceToken(slug, this.flags.name);
    this.success(`Token revoked. ${possessive(this.flags.name)} gateway access is immediately disabled.`);
    return { workspace: slug, revoked: this.flags.name };
  }
}
