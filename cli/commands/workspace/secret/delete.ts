import { Args } from '@oclif/core';
import { AerostackCommand } from '../../../base-command.js';
import { checkEnvName } from '@aerostack/contract/names.js';
import { checkSlug } from '../../../lib/workspace-target.js';

export default class WorkspaceSecretDelete extends AerostackCommand<typeof WorkspaceSecretDelete> {
  static override summary = 'Delete a workspace secret: skills that need it fail with how to set it again.';
  static override examples = ['<%= config.bin %> workspace secret delete acme-team CRM_API_KEY'];
  static override args = {
    workspace: Args.string({ description: 'workspace slug', required: true }),
    name: Args.string({ description: 'the secret name', required: true }),
  };

  async run() {
    const slug = checkSlug(this.args.workspace);
    const name = checkEnvName(this.args.name);
    const { client } = await this.authed();
    await client.deleteWorkspaceSecret(slug, name);
    this.success(`Secret ${name} deleted from workspace ${slug}.`);
    return { workspace: slug, deleted: name };
  }
}
