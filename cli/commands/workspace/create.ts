import { Args, Flags } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { checkSlug } from '../../lib/workspace-target.js';

export default class WorkspaceCreate extends AerostackCommand<typeof WorkspaceCreate> {
  static override summary = 'Create a shared workspace: one MCP gateway URL for your team (owner and admins only).';
  static override description =
    'Slugs are unique across the registry. The workspace belongs to your namespace unless --namespace names another one you are the owner or an admin of.';
  static override examples = [
    '<%= config.bin %> workspace create acme-team',
    '<%= config.bin %> workspace create client-x --namespace acme',
    '<%= config.bin %> workspace create acme-team --json',
  ];
  static override args = {
    slug: Args.string({ description: 'workspace slug: lowercase letters, digits and "-"', required: true }),
  };
  static override flags = {
    namespace: Flags.string({ description: 'namespace the workspace belongs to (default: your own)', helpValue: 'NS' }),
  };

  async run() {
    const { client } = await this.authed();
    const ws = await client.createWorkspace(checkSlug(this.args.slug), this.flags.namespace?.replace(/^@/, ''));
    this.success(`Created workspace ${ws.slug}`);
    this.log(`  Gateway URL: ${ws.url}`);
    return ws;
  }
}
