import { Args } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { checkSlug } from '../../lib/workspace-target.js';

export default class WorkspaceUse extends AerostackCommand<typeof WorkspaceUse> {
  static override summary =
    'Use a workspace: from now on `skill install` also installs into it (and `skill uninstall` removes from it).';
  static override examples = ['<%= config.bin %> workspace use acme-team'];
  static override args = { slug: Args.string({ description: 'workspace slug', required: true }) };

  async run() {
    const { client, store } = await this.authed();
    const slug = checkSlug(this.args.slug);
    // It must exist and the signed-in user must belong to its team (404 otherwise).
    const ws = await client.workspaceSkills(slug);
    await store.update((c) => {
      c.workspace = slug;
    });
    this.success(`Using workspace ${slug}`);
    return { workspace: slug, url: ws.url, skills: ws.skills.length };
  }
}
