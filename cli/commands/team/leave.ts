import { Args } from '@oclif/core';
import { USERNAME_RE } from '@aerostack/contract/names.js';
import { AerostackCommand } from '../../base-command.js';
import { UsageError } from '../../lib/errors.js';

export default class TeamLeave extends AerostackCommand<typeof TeamLeave> {
  static override summary = "Leave a namespace's team; you lose access to its team skills at once.";
  static override examples = ['<%= config.bin %> team leave @acme'];
  static override args = { namespace: Args.string({ description: '@namespace to leave', required: true }) };

  async run() {
    const { client } = await this.authed();
    const namespace = this.args.namespace.trim().replace(/^@/, '');
    if (!USERNAME_RE.test(namespace)) throw new UsageError(`"${this.args.namespace}" is not a valid namespace`);
    await client.leaveTeam(namespace);
    this.success(`Left @${namespace}`);
    return { namespace, left: true };
  }
}
