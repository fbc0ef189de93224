import type { AuditAction, AuditEvent, Db } from '../../db/schema.js';
import type { Clock } from '../clock.js';
import { badRequest } from '../errors.js';

export interface AuditRecord {
  workspaceId?: number | null;
  workspace?: string | null;
  namespace: string;
  actorUserId?: number | null;
  actor: string;
  action: AuditAction;
  skill?: string | null;
  tool?: string | null;
  status?: string | null;
  durationMs?: number | null;
  detail?: string | null;
}

export interface AuditQuery {
  since?: Date;
  /** Exclusive upper bound (the dashboard's date range). */
  until?: Date;
  user?: string;
  skill?: string;
  action?: string;
  limit?: number;
  /** Rows to skip, newest first (the dashboard's pages). */
  offset?: number;
}

export const AUDIT_ACTIONS: AuditAction[] = ['install', 'uninstall', 'tool_call', 'token_created', 'token_revoked', 'member_joined', 'member_removed', 'member_left', 'workspace_created', 'workspace_deleted'];

/**
 * The append-only audit log (the database refuses UPDATE and DELETE on it). A tool call is recorded
 * with who, which skill and tool, duration and status — never its arguments or results.
 */
export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async record(e: AuditRecord): Promise<void> {
    await this.db
      .insertInto('audit_events')
      .values({
        at: this.clock.now(),
        workspace_id: e.workspaceId ?? null,
        workspace: e.workspace ?? null,
        namespace: e.namespace,
        actor_user_id: e.actorUserId ?? null,
        actor: e.actor,
        action: e.action,
        skill: e.skill ?? null,
        tool: e.tool ?? null,
        status: e.status ?? null,
        duration_ms: e.durationMs ?? null,
        detail: e.detail ?? null,
      })
      .execute();
  }

  /** A workspace's events plus its namespace's member changes, newest first. */
  async forWorkspace(ws: { id: number; namespace: string }, q: AuditQuery): Promise<AuditEvent[]> {
    if (q.action && !AUDIT_ACTIONS.includes(q.action as AuditAction)) throw badRequest(`Unknown action "${q.action}"; use one of ${AUDIT_ACTIONS.join(', ')}`);
    const limit = q.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw badRequest('limit must be a whole number from 1 to 10000');
    let query = this.db
      .selectFrom('audit_events')
      .selectAll()
      .where((eb) => eb.or([eb('workspace_id', '=', ws.id), eb.and([eb('workspace_id', 'is', null), eb('namespace', '=', ws.namespace)])]));
    const offset = q.offset ?? 0;
    if (!Number.isInteger(offset) || offset < 0 || offset > 1_000_000) throw badRequest('offset must be a whole number from 0 to 1000000');
    if (q.since) query = query.where('at', '>=', q.since);
    if (q.until) query = query.where('at', '<', q.until);
    if (q.action) query = query.where('action', '=', q.action as AuditAction);
    if (q.user) {
      // "alice", "alice@acme" or a shared token's name all find alice's rows.
      const u = q.user.toLowerCase();
      query = query.where((eb) => eb.or([eb(eb.fn('lower', ['actor']), '=', u), eb(eb.fn('lower', ['actor']), 'like', `${u.replace(/[\\%_]/g, '\\$&')}@%`)]));
    }
    if (q.skill) query = query.where((eb) => eb.or([eb('skill', '=', q.skill!), eb('tool', '=', q.skill!), eb('skill', 'like', `%/${q.skill!.replace(/[\\%_]/g, '\\$&')}`)]));
    return query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
  }
}
