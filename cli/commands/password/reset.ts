import { Args, Flags } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { registryKey } from '../../lib/config-store.js';
import { codeFromLink } from '../../lib/mailed-link.js';
import { promptNewPassword } from '../../lib/new-password.js';
import { readStdin } from '../../lib/prompt.js';
import { forgetLogin } from '../../lib/session.js';

export default class PasswordReset extends AerostackCommand<typeof PasswordReset> {
  static override summary = 'Set a new password with the link from the reset mail.';
  static override description =
    'Every session of the account is signed out (CLI and npm logins, dashboard sessions); tokens made with aerostack token create keep working. The link works once.';
  static override examples = [
    'echo "$NEW_PASSWORD" | <%= config.bin %> password reset https://registry.acme.dev/reset/9c1e… --password-stdin',
    '<%= config.bin %> password reset 9c1e…',
  ];
  static override args = {
    link: Args.string({ description: 'the reset link (…/reset/<code>) or the bare code', required: true }),
  };
  static override flags = {
    'password-stdin': Flags.boolean({ description: 'read the new password from standard input' }),
  };

  async run() {
    const ctx = await this.context();
    const code = codeFromLink(this.args.link, 'reset');
    const password = this.flags['password-stdin']
      ? await readStdin(
          '--password-stdin expects the new password piped in, e.g. echo "$PASSWORD" | aerostack password reset <link> --password-stdin',
        )
      : await promptNewPassword();
    // The code is the credential: sent without the saved login (which this very reset may sign out).
    const reset = await ctx.client.anonymous().resetPassword(code, password);
    const saved = ctx.config.auth?.[registryKey(ctx.registry)];
    if (ctx.tokenSource === 'login' && saved?.username === reset.username) await forgetLogin(ctx);
    this.success(
      `Password reset for ${reset.username}; ${sessions(reset.revokedSessions)} signed out. Sign in again with aerostack login.`,
    );
    return { username: reset.username, revokedSessions: reset.revokedSessions };
  }
}

const sessions = (n: number): string => `${n} session${n === 1 ? '' : 's'}`;
