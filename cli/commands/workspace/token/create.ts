import { Flags } from '@oclif/core';
import { AerostackCommand } from '../../../base-command.js';
import { EDITOR_CLIENTS, editorConfig, type EditorClient } from '../../../lib/workspace-editor-config.js';
import { resolveWorkspace, workspaceArg } from '../../../lib/workspace-target.js';

export default class WorkspaceTokenCreate extends AerostackCommand<typeof WorkspaceTokenCreate> {
  static override summary =
    "Issue an mwt_ gateway token for a team member's editor; it is shown once, with the editor config block.";
  static override description =
    'With --user the token is bound to that member of the namespace: it stops working when they leave the team, and audit rows name them. ' +
    'Without it, the token is a shared team token and audit rows name the token.';
  static override examples = [
    '<%= config.bin %> workspace token create acme-team --name "Alice Cursor" --user alice',
    '<%= config.bin %> workspace token create acme-team --name "Bob VSCode" --user bob --client vscode',
    '<%= config.bin %> workspace token create acme-team --name "Carol Claude" --client claude --expires-in 2592000',
  ];
  static override args = { workspace: workspaceArg(false) };
  static override flags = {
    name: Flags.string({ description: 'a name to recognise the token by (e.g. "Alice Cursor")', required: true }),
    user: Flags.string({ description: 'the team member the token belongs to (username)' }),
    'expires-in': Flags.integer({ description: 'seconds until the token expires', min: 1 }),
    client: Flags.string({
      description: 'which editor config to print',
      options: [...EDITOR_CLIENTS],
      default: 'cursor',
    }),
  };

  async run() {
    const { client, config } = await this.authed();
    const slug = resolveWorkspace(this.args.workspace, config);
    const t = await client.createWorkspaceToken(slug, {
      name: this.flags.name,
      ...(this.flags.user ? { user: this.flags.user } : {}),
      ...(this.flags['expires-in'] ? { expiresInSeconds: this.flags['expires-in'] } : {}),
    });
    const editor = this.flags.client as EditorClient;
    const block = editorConfig(editor, slug, t.url, t.token);
    this.success(`Token created: ${t.name}`);
    this.log(t.token);
    this.log('Add this to your editor MCP config:');
    this.log(block.text);
    return { ...t, client: editor, config: block.config, ...(block.command ? { command: block.command } : {}) };
  }
}
