import { Flags } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { day, table } from '../../lib/format.js';
import { namespaceFor } from './invite.js';

export default class TeamList extends AerostackCommand<typeof TeamList> {
  static override summary =
    'List the members and pending invitations of your namespace (or, with --mine, the teams you belong to).';
  static override examples = [
    '<%= config.bin %> team list',
    '<%= config.bin %> team list --namespace acme',
    '<%= config.bin %> team list --mine',
    '<%= config.bin %> team list --json',
  ];
  static override flags = {
    namespace: Flags.string({
      description: 'namespace to list (default: your own); you must belong to it',
      exclusive: ['mine'],
    }),
    mine: Flags.boolean({ description: 'list the namespaces you belong to, with your role in each' }),
  };

  async run() {
    const { client } = await this.authed();
    if (this.flags.mine) {
      const teams = await client.myTeams();
      this.log(
        table(
          teams.map((t) => [`@${t.namespace}`, t.role, day(t.since)]),
          { header: ['NAMESPACE', 'ROLE', 'SINCE'] },
        ),
      );
      return { teams };
    }
    const namespace = await namespaceFor(client, this.flags.namespace);
    const list = await client.teamMembers(namespace);
    // The owner is the namespace itself, not a member of it: the rows are everyone else.
    const rows = list.members.filter((m) => m.role !== 'owner');
    this.log(`Members of @${list.namespace}:`);
    if (!rows.length) this.log('  (no members yet: aerostack team invite EMAIL)');
    const width = Math.max(0, ...rows.map((m) => m.email.length)) + 5;
    for (const m of rows)
      this.log(
        `${m.email.padEnd(width)}${m.status.padEnd(10)}${m.status === 'active' ? 'joined' : 'invited'} ${day(m.since)}`,
      );
    return list;
  }
}
