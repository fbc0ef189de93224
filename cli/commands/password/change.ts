import { Flags } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { promptNewPassword, readPasswordPair } from '../../lib/new-password.js';
import { valueOrPrompt } from '../../lib/prompt.js';
import { saveLogin } from '../../lib/session.js';

export default class PasswordChange extends AerostackCommand<typeof PasswordChange> {
  static override summary = 'Change your password (asks for the current one).';
  static override description =
    'Every session of the account is signed out (CLI and npm logins, dashboard sessions) and this one is signed in again; tokens made with aerostack token create keep working.';
  static override examples = [
    '<%= config.bin %> password change',
    `printf '%s\\n%s\\n' "$OLD" "$NEW" | <%= config.bin %> password change --password-stdin`,
  ];
  static override flags = {
    'password-stdin': Flags.boolean({
      description: 'read the current password (first line) and the new one (second line) from standard input',
    }),
  };

  async run() {
    const ctx = await this.authed();
    const { current, next } = this.flags['password-stdin']
      ? await readPasswordPair()
      : {
          current: await valueOrPrompt(undefined, {
            flag: '--password-stdin',
            message: 'Current password:',
            secret: true,
          }),
          next: await promptNewPassword(),
        };
    const changed = await ctx.client.changePassword(current, next);
    // The saved session was signed out with the others; the answer carries its replacement.
    const renewed = changed.token !== undefined && ctx.tokenSource === 'login';
    if (renewed) await saveLogin(ctx, changed.username, changed.token!);
    this.success(
      `Password changed; ${sessions(changed.revokedSessions)} signed out${renewed ? ', and this terminal signed in again' : ''}`,
    );
    return { username: changed.username, revokedSessions: changed.revokedSessions, signedInAgain: renewed };
  }
}

const sessions = (n: number): string => `${n} session${n === 1 ? '' : 's'}`;
