import { AerostackCommand } from '../base-command.js';

export default class Whoami extends AerostackCommand<typeof Whoami> {
  static override summary = 'Print the username the current token belongs to.';
  static override examples = ['<%= config.bin %> whoami', 'AEROSTACK_TOKEN=aer_… <%= config.bin %> whoami --json'];

  async run() {
    const ctx = await this.authed();
    const me = await ctx.client.whoami();
    this.log(me.username);
    return { username: me.username, email: me.email, readonly: me.readonly, registry: ctx.registry };
  }
}
