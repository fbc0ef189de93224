import { AUDIT_ACTIONS } from '@aerostack/contract/api.js';
import { Flags } from '@oclif/core';
import { AerostackCommand } from '../../base-command.js';
import { UsageError } from '../../lib/errors.js';
import { auditTable } from '../../lib/workspace-tables.js';
import { resolveWorkspace, workspaceArg } from '../../lib/workspace-target.js';

export default class WorkspaceAudit extends AerostackCommand<typeof WorkspaceAudit> {
  static override summary =
    'Who installed what and who called which tool in a workspace, newest first (owner and admins only).';
  static override examples = [
    '<%= config.bin %> workspace audit acme-team',
    '<%= config.bin %> workspace audit acme-team --since 7d --user alice',
    '<%= config.bin %> workspace audit acme-team --action tool_call --skill github__create_issue',
    '<%= config.bin %> workspace audit acme-team --since 2026-03-01 --json',
  ];
  static override args = { workspace: workspaceArg(false) };
  static override flags = {
    since: Flags.string({ description: 'only events since then: 30m, 12h, 7d, 2w or a date (2026-03-01)' }),
    user: Flags.string({ description: 'only this user (alice or alice@acme) or shared token name' }),
    skill: Flags.string({
      description: 'only this skill (@acme/crm-skill or crm-skill) or tool (github__create_issue)',
    }),
    action: Flags.string({ description: 'only this action', options: [...AUDIT_ACTIONS] }),
    limit: Flags.integer({ description: 'at most this many events (default 100)', min: 1, max: 10_000 }),
  };

  async run() {
    const { client, config } = await this.authed();
    const slug = resolveWorkspace(this.args.workspace, config);
    const since = this.flags.since?.trim();
    // The registry has the last word; this catches a typo before the request.
    if (since !== undefined && !/^\d+[mhdw]$/.test(since) && Number.isNaN(new Date(since).getTime())) {
      throw new UsageError(`--since must be like 7d, 12h, 30m or a date (got "${this.flags.since}")`);
    }
    const res = await client.workspaceAudit(slug, {
      ...(since ? { since } : {}),
      ...(this.flags.user ? { user: this.flags.user } : {}),
      ...(this.flags.skill ? { skill: this.flags.skill } : {}),
      ...(this.flags.action ? { action: this.flags.action } : {}),
      ...(this.flags.limit ? { limit: this.flags.limit } : {}),
    });
    this.log(auditTable(res.events));
    return res;
  }
}
