import { Flags } from '@oclif/core';
import { AerostackCommand } from '../base-command.js';
import { readStdin, valueOrPrompt } from '../lib/prompt.js';
import { saveLogin } from '../lib/session.js';

export default class Signup extends AerostackCommand<typeof Signup> {
  static override summary = 'Create an account; your username is your namespace (@username/skill).';
  static override examples = [
    '<%= config.bin %> signup --username acme --email owner@acme.dev',
    'echo "$PASSWORD" | <%= config.bin %> signup --username acme --email owner@acme.dev --password-stdin',
  ];
  static override flags = {
    username: Flags.string({ char: 'u', description: 'username (lowercase letters, digits, -)' }),
    email: Flags.string({ char: 'e', description: 'email address' }),
    'password-stdin': Flags.boolean({ description: 'read the password from standard input' }),
  };

  async run() {
    const ctx = await this.context();
    const username = await valueOrPrompt(this.flags.username, { flag: '--username', message: 'Username:' });
    const email = await valueOrPrompt(this.flags.email, { flag: '--email', message: 'Email:' });
    const password = this.flags['password-stdin']
      ? await readStdin()
      : await valueOrPrompt(undefined, { flag: '--password-stdin', message: 'Password:', secret: true });
    const session = await ctx.client.anonymous().signup(username, email, password);
    await saveLogin(ctx, session.username, session.token);
    this.success(`Signed up as ${session.username}. Your skills live at @${session.username}/<skill>.`);
    this.log(
      `We mailed a link to ${session.email}: open it to verify your email before joining a team (aerostack account verify --resend mails a new one).`,
    );
    return { username: session.username, email: session.email, registry: ctx.registry };
  }
}
