import { Args, Flags } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { UsageError } from '../../lib/errors.js';
import { codeFromLink } from '../../lib/mailed-link.js';

export default class AccountVerify extends AerostackCommand<typeof AccountVerify> {
  static override summary = 'Verify your email with the mailed link, mail a new link, or see whether it is verified.';
  static override description =
    'An account whose email is not verified can sign in, publish and install, but cannot join a team. The link in the mail works once, for 24 hours; opening it in a browser (one click to confirm) verifies too.';
  static override examples = [
    '<%= config.bin %> account verify https://registry.acme.dev/verify/3f9a…',
    '<%= config.bin %> account verify --resend',
    '<%= config.bin %> account verify',
  ];
  static override args = {
    link: Args.string({ description: 'the verification link (…/verify/<code>) or the bare code' }),
  };
  static override flags = {
    resend: Flags.boolean({ description: 'mail a new verification link (the older one stops working)' }),
  };

  async run() {
    if (this.args.link !== undefined) {
      if (this.flags.resend) throw new UsageError('Give a verification link or --resend, not both');
      const ctx = await this.context();
      // The code is the credential: sent without the saved login, which may be stale or someone else's.
      const verified = await ctx.client.anonymous().verifyEmail(codeFromLink(this.args.link, 'verify'));
      this.success(`Verified ${verified.email} for ${verified.username}`);
      return { ...verified, emailVerified: true };
    }
    const { client } = await this.authed();
    if (this.flags.resend) {
      const sent = await client.resendVerification();
      this.success(
        sent.sent
          ? `A new verification link is on its way to ${sent.email} (valid for 24 hours)`
          : `${sent.email} is already verified`,
      );
      return sent;
    }
    const status = await client.accountStatus();
    if (status.emailVerified) this.success(`${status.email} is verified`);
    else
      this.log(
        `${status.email} is not verified yet: open the link we mailed you, or run aerostack account verify --resend for a new one`,
      );
    return status;
  }
}
