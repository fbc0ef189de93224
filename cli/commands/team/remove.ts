import { Args, Flags } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { namespaceFor } from './invite.js';

export default class TeamRemove extends AerostackCommand<typeof TeamRemove> {
  static override summary =
    'Remove a member (by email or username) from your namespace; their access ends on their next request.';
  static override description =
    'Giving the email of a pending invitation withdraws the invitation. Admins may remove members; only the owner removes admins.';
  static override examples = [
    '<%= config.bin %> team remove alice@acme.com',
    '<%= config.bin %> team remove alice',
    '<%= config.bin %> team remove bob@acme.com --namespace acme',
  ];
  static override args = { member: Args.string({ description: 'email or username of the member', required: true }) };
  static override flags = {
    namespace: Flags.string({
      description: 'namespace to remove from (default: your own); you must be its owner or an admin',
    }),
  };

  async run() {
    const { client } = await this.authed();
    const namespace = await namespaceFor(client, this.flags.namespace);
    const { removed } = await client.removeMember(namespace, this.args.member.trim());
    // The registry answers with no username when what it removed was a pending invitation.
    if (!removed.username) {
      this.success(`Invitation for ${removed.email} revoked.`);
      return { namespace, email: removed.email, username: null, status: 'pending' as const };
    }
    this.success(`Removed ${removed.email} from @${namespace}`);
    return { namespace, email: removed.email, username: removed.username, status: 'active' as const };
  }
}
