import { Args, Flags } from '@oclif/core';
import { USERNAME_RE } from '@aerostack/contract/names.js';
import { AerostackCommand } from '../../base-command.js';
import { UsageError } from '../../lib/errors.js';
import type { RegistryClient } from '../../lib/registry-client.js';

export default class TeamInvite extends AerostackCommand<typeof TeamInvite> {
  static override summary =
    'Invite someone to your namespace by email; they receive a join link (valid 7 days, single use).';
  static override description =
    'The invitation binds to the email address: only an account with that email can accept it, unless --any-account is given. ' +
    'Inviting the same address again replaces the open invitation (the earlier link stops working). ' +
    'With --revoke, the pending invitation for EMAIL is withdrawn instead.';
  static override examples = [
    '<%= config.bin %> team invite alice@acme.com',
    '<%= config.bin %> team invite carol@acme.com --role admin',
    '<%= config.bin %> team invite contractor@gmail.com --any-account',
    '<%= config.bin %> team invite alice@acme.com --revoke',
    '<%= config.bin %> team invite dave@acme.com --namespace acme-labs',
  ];
  static override args = {
    email: Args.string({ description: 'email address of the person to invite', required: true }),
  };
  static override flags = {
    role: Flags.string({
      description: 'role once joined (only the owner can invite admins)',
      options: ['member', 'admin'],
      default: 'member',
    }),
    'any-account': Flags.boolean({
      description: 'let any signed-in account accept the link, not only one with this email',
    }),
    revoke: Flags.boolean({ description: 'withdraw the pending invitation for EMAIL instead of sending one' }),
    namespace: Flags.string({
      description: 'namespace to invite into (default: your own); you must be its owner or an admin',
    }),
  };

  async run() {
    const { client } = await this.authed();
    const namespace = await namespaceFor(client, this.flags.namespace);
    const email = this.args.email.trim();
    if (this.flags.revoke) {
      if (this.flags['any-account']) throw new UsageError('--revoke cannot be combined with --any-account');
      await client.revokeInvitation(namespace, email);
      this.success(`Invitation for ${email} revoked.`);
      return { namespace, email, revoked: true };
    }
    const result = await client.invite(namespace, {
      email,
      role: this.flags.role as 'member' | 'admin',
      ...(this.flags['any-account'] ? { anyAccount: true } : {}),
    });
    this.log(`Invitation sent. ${result.name} will receive an email with a join link.`);
    // No SMTP on the registry: nobody was mailed. Say where the mail is and give the link to pass on.
    if (result.delivery.via === 'outbox')
      this.log(
        `  No mail server is configured: the mail is in ${result.delivery.file}; join link: ${result.delivery.link}`,
      );
    if (result.resent) this.log('  (this replaces the earlier invitation: its link no longer works)');
    return result;
  }
}

/** `--namespace @acme` / `acme`, or the signed-in user's own namespace. */
export async function namespaceFor(client: RegistryClient, flag: string | undefined): Promise<string> {
  if (flag === undefined) return (await client.whoami()).username;
  const ns = flag.trim().replace(/^@/, '');
  if (!USERNAME_RE.test(ns)) throw new UsageError(`"${flag}" is not a valid namespace`);
  return ns;
}
