import { Args } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { codeFromLink } from '../../lib/mailed-link.js';

export default class TeamJoin extends AerostackCommand<typeof TeamJoin> {
  static override summary = 'Accept an invitation: paste the join link from the mail, or its code.';
  static override description =
    'Sign in (or sign up) first: the invitation is accepted for the signed-in account, which must use the invited email, verified (aerostack account verify), unless the invitation allows any account. A refused attempt does not use up the link.';
  static override examples = [
    '<%= config.bin %> team join https://registry.acme.dev/join/Xy7…',
    '<%= config.bin %> team join Xy7…',
  ];
  static override args = {
    invitation: Args.string({ description: 'the join link (…/join/<code>) or the bare code', required: true }),
  };

  async run() {
    const { client } = await this.authed();
    const code = codeFromLink(this.args.invitation, 'join');
    const joined = await client.joinTeam(code);
    this.success(`Joined @${joined.namespace} as ${joined.role}`);
    return joined;
  }
}
