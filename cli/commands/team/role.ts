import { Args, Flags } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { namespaceFor } from './invite.js';

export default class TeamRole extends AerostackCommand<typeof TeamRole> {
  static override summary = "Change a member's role: admin (invite, remove, publish, manage workspaces) or member.";
  static override description =
    "Only the owner of the namespace can change roles, and the owner's own role never changes. " +
    'The change takes effect on the member’s next request and is recorded in the audit log (member_role_changed).';
  static override examples = [
    '<%= config.bin %> team role bob@acme.com admin',
    '<%= config.bin %> team role bob member',
    '<%= config.bin %> team role carol@acme.com admin --namespace acme',
  ];
  static override args = {
    member: Args.string({ description: 'email or username of the member', required: true }),
    role: Args.string({ description: 'the new role', required: true, options: ['admin', 'member'] }),
  };
  static override flags = {
    namespace: Flags.string({ description: 'namespace of the team (default: your own); you must be its owner' }),
  };

  async run() {
    const { client } = await this.authed();
    const namespace = await namespaceFor(client, this.flags.namespace);
    const res = await client.changeRole(namespace, this.args.member.trim(), this.args.role as 'admin' | 'member');
    if (res.changed) this.success(`${res.email} is now ${article(res.role)} of @${namespace} (was ${res.previous}).`);
    else this.log(`${res.email} is already ${article(res.role)} of @${namespace}; nothing changed.`);
    return res;
  }
}

const article = (role: 'admin' | 'member') => (role === 'admin' ? 'an admin' : 'a member');
