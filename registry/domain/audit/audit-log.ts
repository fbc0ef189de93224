import type { Insertable } from 'kysely';
import type { AuditAction, AuditEvent, AuditEventsTable, Db } from '../../db/schema.js';
import type { Clock } from '../clock.js';
import { badRequest } from '@aerostack/contract/errors.js';
import { AUDIT_ACTIONS } from '@aerostack/contract/api.js';

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

/** Who an audit row names: `alice@acme` (a user in the workspace's namespace). */
export const actorLabel = (username: string, namespace: string): string => `${username}@${namespace}`;

/** What a user did in a workspace, beyond the who and where `AuditLog.recordUserAction` fills in. */
export type UserActionDetail = Pick<AuditRecord, 'skill' | 'tool' | 'status' | 'detail'>;

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

/**
 * How long a row given to `recordInBackground` may wait for others to share its insert: a query on
 * the embedded database costs about as much for twenty rows as for one.
 */
const BATCH_WINDOW_MS = 25;
/** Rows per insert (Postgres allows 65535 parameters; a row has 12). */
const MAX_BATCH_ROWS = 1000;

interface QueuedRow {
  row: Insertable<AuditEventsTable>;
  onError: (err: unknown) => void;
}

/**
 * The append-only audit log (the database refuses UPDATE and DELETE on it). A tool call is recorded
 * with who, which skill and tool, duration and status — never its arguments or results.
 */
export class AuditLog {
  /** Rows given to recordInBackground and not yet handed to the database. */
  private queue: QueuedRow[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Inserts of queued rows still running. */
  private readonly writing = new Set<Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async record(e: AuditRecord): Promise<void> {
    await this.db.insertInto('audit_events').values(this.row(e)).execute();
  }

  /**
   * `record` without making the caller wait for the insert (a query's worth of time, which a
   * gateway tool call would otherwise add to every answer). The row, stamped now, is queued and
   * written within BATCH_WINDOW_MS together with whatever else was queued meanwhile. Every read of
   * the log through this instance (`forWorkspace`) first writes the queue and waits for it — whoever
   * reads the log after a call has returned sees that call — and so does `flush()`, which shutdown
   * calls before closing the database. A row that cannot be written is reported to `onError`, as
   * the caller would have logged a failed awaited insert.
   */
  /** A signed-in user's action on a workspace (the rows the owner reads in `workspace audit`). */
  recordUserAction(
    ws: { id: number; slug: string; namespace: string },
    user: { id: number; username: string },
    action: AuditAction,
    more: UserActionDetail = {},
  ): Promise<void> {
    return this.record({
      workspaceId: ws.id,
      workspace: ws.slug,
      namespace: ws.namespace,
      actorUserId: user.id,
      actor: actorLabel(user.username, ws.namespace),
      action,
      ...more,
    });
  }

  recordInBackground(e: AuditRecord, onError: (err: unknown) => void): void {
    this.queue.push({ row: this.row(e), onError });
    if (this.queue.length >= MAX_BATCH_ROWS) this.writeQueue();
    else this.timer ??= setTimeout(() => this.writeQueue(), BATCH_WINDOW_MS);
  }

  /** Writes every row recordInBackground has queued so far, and waits until they are written. */
  async flush(): Promise<void> {
    this.writeQueue();
    while (this.writing.size) await Promise.allSettled([...this.writing]);
  }

  private writeQueue(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.queue.length) {
      const batch = this.queue.splice(0, MAX_BATCH_ROWS);
      const write: Promise<void> = this.insertBatch(batch).finally(() => this.writing.delete(write));
      this.writing.add(write);
    }
  }

  private async insertBatch(batch: QueuedRow[]): Promise<void> {
    try {
      await this.db
        .insertInto('audit_events')
        .values(batch.map((q) => q.row))
        .execute();
      return;
    } catch (err) {
      if (batch.length === 1) return report(batch[0]!, err);
    }
    // One row the database refuses must not take the others with it: each on its own.
    for (const q of batch) {
      await this.db
        .insertInto('audit_events')
        .values(q.row)
        .execute()
        .catch((err: unknown) => report(q, err));
    }
  }

  private row(e: AuditRecord): Insertable<AuditEventsTable> {
    return {
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
    };
  }

  /** A workspace's events plus its namespace's member changes, newest first. */
  async forWorkspace(ws: { id: number; namespace: string }, q: AuditQuery): Promise<AuditEvent[]> {
    await this.flush();
    if (q.action && !(AUDIT_ACTIONS as readonly string[]).includes(q.action))
      throw badRequest(`Unknown action "${q.action}"; use one of ${AUDIT_ACTIONS.join(', ')}`);
    const limit = q.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
      throw badRequest('limit must be a whole number from 1 to 10000');
    let query = this.db
      .selectFrom('audit_events')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb('workspace_id', '=', ws.id),
          eb.and([eb('workspace_id', 'is', null), eb('namespace', '=', ws.namespace)]),
        ]),
      );
    const offset = q.offset ?? 0;
    if (!Number.isInteger(offset) || offset < 0 || offset > 1_000_000)
      throw badRequest('offset must be a whole number from 0 to 1000000');
    if (q.since) query = query.where('at', '>=', q.since);
    if (q.until) query = query.where('at', '<', q.until);
    if (q.action) query = query.where('action', '=', q.action as AuditAction);
    if (q.user) {
      // "alice", "alice@acme" or a shared token's name all find alice's rows.
      const u = q.user.toLowerCase();
      query = query.where((eb) =>
        eb.or([
          eb(eb.fn('lower', ['actor']), '=', u),
          eb(eb.fn('lower', ['actor']), 'like', `${u.replace(/[\\%_]/g, '\\$&')}@%`),
        ]),
      );
    }
    if (q.skill)
      query = query.where((eb) =>
        eb.or([
          eb('skill', '=', q.skill!),
          eb('tool', '=', q.skill!),
          eb('skill', 'like', `%/${q.skill!.replace(/[\\%_]/g, '\\$&')}`),
        ]),
      );
    return query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
  }
}

function report(q: QueuedRow, err: unknown): void {
  try {
    q.onError(err);
  } catch {
    // A failing error handler must not turn into an unhandled rejection.
  }
}
