import { Args } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { UsageError } from '../../lib/errors.js';

export default class TeamJoin extends AerostackCommand<typeof TeamJoin> {
  static override summary = 'Accept an invitation: paste the join link from the mail, or its code.';
  static override description =
    'Sign in (or sign up) first: the invitation is accepted for the signed-in account, which must use the invited email unless the invitation allows any account.';
  static override examples = [
    '<%= config.bin %> team join https://registry.acme.dev/join/Xy7…',
    '<%= config.bin %> team join Xy7…',
  ];
  static override args = {
    invitation: Args.string({ description: 'the join link (…/join/<code>) or the bare code', required: true }),
  };

  async run() {
    const { client } = await this.authed();
    const code = joinCode(this.args.invitation);
    const joined = await client.joinTeam(code);
    this.success(`Joined @${joined.namespace} as ${joined.role}`);
    return joined;
  }
}

/** `https://host/join/<code>` (with or without a query or trailing slash) or the code itself. */
function joinCode(raw: string): string {
  const input = raw.trim();
  if (!/^https?:\/\//i.test(input)) {
    if (!input || /[\s/]/.test(input)) throw new UsageError(`"${raw}" is not a join link or code`);
    return input;
  }
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new UsageError(`"${raw}" is not a valid link`);
  }
  const m = /\/join\/([^/]+)\/?$/.exec(url.pathname);
  if (!m) throw new UsageError(`"${raw}" is not a join link (expected …/join/<code>)`);
  return decodeURIComponent(m[1]!);
}
