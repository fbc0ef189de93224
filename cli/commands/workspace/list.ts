import { AerostackCommand } from '../../base-command.js';
import { table } from '../../lib/format.js';

export default class WorkspaceList extends AerostackCommand<typeof WorkspaceList> {
  static override summary = 'List the workspaces of every namespace you belong to; "*" marks the one in use.';
  static override examples = ['<%= config.bin %> workspace list', '<%= config.bin %> workspace list --json'];

  async run() {
    const { client, config } = await this.authed();
    const list = await client.listWorkspaces();
    const workspaces = list.map((w) => ({ ...w, current: w.slug === config.workspace }));
    if (!workspaces.length) this.log('No workspaces yet: aerostack workspace create SLUG');
    else
      this.log(
        table(
          workspaces.map((w) => [
            `${w.current ? '*' : ' '} ${w.slug}`,
            `@${w.namespace}`,
            w.role,
            String(w.skills),
            w.url,
          ]),
          { header: ['  SLUG', 'NAMESPACE', 'ROLE', 'SKILLS', 'URL'] },
        ),
      );
    return { current: config.workspace ?? null, workspaces };
  }
}
