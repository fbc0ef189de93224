import { Args } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { checkSlug } from '../../lib/workspace-target.js';

export default class WorkspaceDelete extends AerostackCommand<typeof WorkspaceDelete> {
  static override summary =
    'Delete a workspace (owner and admins only): its gateway URL and tokens stop working at once.';
  static override examples = ['<%= config.bin %> workspace delete acme-team'];
  static override args = { slug: Args.string({ description: 'workspace slug', required: true }) };

  async run() {
    const { client, store, config } = await this.authed();
    const slug = checkSlug(this.args.slug);
    await client.deleteWorkspace(slug);
    const wasInUse = config.workspace === slug;
    if (wasInUse)
      await store.update((c) => {
        if (c.workspace === slug) delete c.workspace;
      });
    this.success(`Deleted workspace ${slug}`);
    return { deleted: slug, wasInUse };
  }
}
