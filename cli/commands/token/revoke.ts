import { Args } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';

export default class TokenRevoke extends AerostackCommand<typeof TokenRevoke> {
  static override summary = 'Revoke one of your aer_ tokens by name (or key); it is refused from then on.';
  static override examples = ['<%= config.bin %> token revoke github-actions'];
  static override args = { token: Args.string({ description: 'token name or key', required: true }) };

  async run() {
    const { client } = await this.authed();
    await client.revokeToken(this.args.token);
    this.success('Token revoked.');
    return { revoked: this.args.token };
  }
}
