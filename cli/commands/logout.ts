import { AerostackCommand } from '../base-command.js';
import { ApiError } from '../lib/errors.js';
import { forgetLogin } from '../lib/session.js';

export default class Logout extends AerostackCommand<typeof Logout> {
  static override summary = 'Revoke the saved session token and forget it.';
  static override examples = ['<%= config.bin %> logout'];

  async run() {
    const ctx = await this.context();
    if (ctx.tokenSource !== 'login') {
      this.success('Not logged in');
      return { loggedOut: false };
    }
    try {
      await ctx.client.logout();
    } catch (err) {
      // A token the registry already refuses is as good as revoked: still forget it locally.
      if (!(err instanceof ApiError && err.status === 401)) throw err;
    }
    await forgetLogin(ctx);
    this.success(`Logged out of ${ctx.registry}`);
    return { loggedOut: true };
  }
}
