import { Args } from '@oclif/core';
import { AerostackCommand } from '../../../base-command.js';
import { checkEnvName } from '@aerostack/contract/names.js';
import { UsageError } from '../../../lib/errors.js';
import { canPrompt, readStdin } from '../../../lib/prompt.js';
import { checkSlug } from '../../../lib/workspace-target.js';

export default class WorkspaceSecretSet extends AerostackCommand<typeof WorkspaceSecretSet> {
  static override summary =
    'Set a workspace secret: the skills that declare it get it as an environment variable. The value is read from stdin or a prompt, never from an argument.';
  static override examples = [
    'printf %s "$CRM_API_KEY" | <%= config.bin %> workspace secret set acme-team CRM_API_KEY',
    '<%= config.bin %> workspace secret set acme-team CRM_API_KEY   # asks for the value',
  ];
  static override args = {
    workspace: Args.string({ description: 'workspace slug', required: true }),
    name: Args.string({ description: 'the variable the skill reads, such as CRM_API_KEY', required: true }),
  };

  async run() {
    const slug = checkSlug(this.args.workspace);
    const name = checkEnvName(this.args.name);
    const value = await readValue(name);
    const { client } = await this.authed();
    const set = await client.setWorkspaceSecret(slug, name, value);
    const users = set.usedBy.length ? ` Used by ${set.usedBy.join(', ')}.` : ' No installed skill declares it yet.';
    this.success(`Secret ${name} set in workspace ${slug}.${users}`);
    return { workspace: slug, ...set };
  }
}

/** Piped in (one trailing newline dropped, as `echo` adds one), else asked for without echo. */
async function readValue(name: string): Promise<string> {
  const value = process.stdin.isTTY
    ? canPrompt()
      ? await import('@inquirer/password').then(({ default: password }) =>
          password({ message: `Value of ${name}:`, mask: '*' }),
        )
      : ''
    : await readStdin();
  if (value === '')
    throw new UsageError(
      `No value for ${name}: pipe it in (printf %s "$VALUE" | aerostack workspace secret set WS ${name}) or run it on a terminal`,
    );
  return value;
}
