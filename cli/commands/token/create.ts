import { Flags } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { day } from '../../lib/format.js';

export default class TokenCreate extends AerostackCommand<typeof TokenCreate> {
  static override summary = 'Create an aer_ token for CI or another machine; it is shown once.';
  static override examples = [
    '<%= config.bin %> token create --name github-actions',
    '<%= config.bin %> token create --name reader --read-only --expires-in 2592000',
    'export AEROSTACK_TOKEN=$(<%= config.bin %> token create --name ci --json | jq -r .token)',
  ];
  static override flags = {
    name: Flags.string({ description: 'a name to recognise the token by', required: true }),
    'read-only': Flags.boolean({ description: 'may install and read, not publish' }),
    'expires-in': Flags.integer({ description: 'seconds until the token expires', min: 1 }),
  };

  async run() {
    const { client } = await this.authed();
    const t = await client.createToken({
      name: this.flags.name,
      readonly: this.flags['read-only'],
      ...(this.flags['expires-in'] ? { expiresInSeconds: this.flags['expires-in'] } : {}),
    });
    this.success(
      `Token created: ${t.name} (${t.readonly ? 'read-only' : 'publish'}${t.expires ? `, expires ${day(t.expires)}` : ''})`,
    );
    this.log(t.token);
    this.log('  This is the only time it is shown. Use it as AEROSTACK_TOKEN.');
    return t;
  }
}
