import { Flags } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { valueOrPrompt } from '../../lib/prompt.js';

export default class PasswordForgot extends AerostackCommand<typeof PasswordForgot> {
  static override summary = 'Mail a link to reset the password of the account that uses this email.';
  static override description =
    'The answer is the same whether or not an account uses the address. The link works once, for 1 hour: open it in a browser, or run aerostack password reset <link> --password-stdin.';
  static override examples = ['<%= config.bin %> password forgot --email owner@acme.dev'];
  static override flags = {
    email: Flags.string({ char: 'e', description: 'the email address of your account' }),
  };

  async run() {
    const ctx = await this.context();
    const email = await valueOrPrompt(this.flags.email, { flag: '--email', message: 'Email:' });
    await ctx.client.anonymous().forgotPassword(email);
    this.success(`If an account uses ${email.trim()}, a reset link is on its way (valid for 1 hour)`);
    return { email: email.trim(), requested: true };
  }
}
