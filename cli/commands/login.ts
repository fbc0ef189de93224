import { Flags } from '@oclif/core';
import { AerostackCommand } from '../base-command.js';
import { readStdin, valueOrPrompt } from '../lib/prompt.js';
import { saveLogin } from '../lib/session.js';

export default class Login extends AerostackCommand<typeof Login> {
  static override summary = 'Sign in and save the session for this registry.';
  static override examples = [
    '<%= config.bin %> login',
    'echo "$PASSWORD" | <%= config.bin %> login --username acme --password-stdin',
    '<%= config.bin %> login --registry https://registry.acme.dev',
  ];
  static override flags = {
    username: Flags.string({ char: 'u', description: 'username' }),
    'password-stdin': Flags.boolean({ description: 'read the password from standard input' }),
  };

  async run() {
    const ctx = await this.context();
    const username = await valueOrPrompt(this.flags.username, { flag: '--username', message: 'Username:' });
    const password = this.flags['password-stdin']
      ? await readStdin()
      : await valueOrPrompt(undefined, { flag: '--password-stdin', message: 'Password:', secret: true });
    // Without the saved token: a session signed out (password reset, expiry) must not stop a new sign-in.
    const session = await ctx.client.anonymous().login(username, password);
    await saveLogin(ctx, session.username, session.token);
    this.success(`Logged in as ${session.username} on ${ctx.registry}`);
    return { username: session.username, registry: ctx.registry };
  }
}
