import type { Request } from 'express';
import type { AuditEvent } from '../../db/schema.js';
import { AUDIT_ACTIONS } from '@aerostack/contract/api.js';
import type { AuditQuery } from '../../domain/audit/audit-log.js';
import { badRequest } from '@aerostack/contract/errors.js';
import { param } from '../../http/context.js';
import { html, textOf } from '../html.js';
import { cli, minute } from '../layout.js';
import { send, type DashboardRouter } from '../render.js';
import { dash } from '../session.js';

export const AUDIT_PAGE_SIZE = 50;
const CSV_MAX_ROWS = 10_000;
const DAY_MS = 86_400_000;

interface Filters {
  user: string;
  skill: string;
  action: string;
  from: string;
  to: string;
}

function readFilters(req: Request): Filters {
  const q = req.query as Record<string, unknown>;
  const str = (k: string) => (typeof q[k] === 'string' ? q[k].trim().slice(0, 200) : '');
  return { user: str('user'), skill: str('skill'), action: str('action'), from: str('from'), to: str('to') };
}

const dateOf = (raw: string, name: string): Date => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(`${raw}T00:00:00Z`)))
    throw badRequest(`${name} must be a date like 2026-03-07`);
  return new Date(`${raw}T00:00:00Z`);
};

/** The filters as the audit service's query; `to` is a whole day (UTC), inclusive. */
function toQuery(f: Filters): AuditQuery {
  return {
    ...(f.user ? { user: f.user } : {}),
    ...(f.skill ? { skill: f.skill } : {}),
    ...(f.action ? { action: f.action } : {}),
    ...(f.from ? { since: dateOf(f.from, 'From') } : {}),
    ...(f.to ? { until: new Date(dateOf(f.to, 'To').getTime() + DAY_MS) } : {}),
  };
}

const queryString = (f: Filters, extra: Record<string, string> = {}): string => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, ...extra })) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
};

/** A tool call names the gateway tool; other rows name the skill (as `workspace audit` prints). */
const subject = (e: AuditEvent): string => e.skill ?? e.tool ?? '';

// Skill names (`@acme/crm`, `@acme/crm@1.0.0`) are validated names, not formulas: left as they are.
const SKILL_NAME = /^@[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9._-]*(@[0-9A-Za-z.+-]+)?$/;

/** A CSV cell: quoted when needed, and never read as a formula by a spreadsheet. */
export function csvCell(v: unknown): string {
  let s = textOf(v);
  if (/^[=+\-@\t\r]/.test(s) && !SKILL_NAME.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Workspace Audit: the filterable, paged event table and its CSV export. */
export function auditPages(d: DashboardRouter): void {
  const { s } = d;
  const auditUrl = (slug: string) => `/workspaces/${encodeURIComponent(slug)}/audit`;

  d.get('/audit', async (_req, res) => {
    const viewer = dash(res).viewer;
    const managed = (await s.workspaces.list(viewer)).filter((w) => w.role === 'owner' || w.role === 'admin');
    if (managed.length === 1) return res.redirect(303, auditUrl(managed[0]!.slug));
    send(res, {
      title: 'Workspace Audit',
      active: 'audit',
      body: html`<h1>Workspace Audit</h1>${
        managed.length
          ? html`<p>Choose a workspace:</p><ul>${managed.map((w) => html`<li><a href="${auditUrl(w.slug)}">${w.slug}</a> <span class="muted">(@${w.namespace})</span></li>`)}</ul>`
          : html`<p class="muted">No workspaces whose audit log you can read. Owners and admins of a team read its workspaces' audit logs; <a href="/workspaces">create a workspace</a> first.</p>`
      }`,
    });
  });

  d.get('/workspaces/:slug/audit', async (req, res) => {
    const viewer = dash(res).viewer;
    const { ws } = await s.workspaces.open(viewer, param(req, 'slug'), 'workspace.audit.read');
    const f = readFilters(req);
    const rawPage = typeof req.query.page === 'string' ? Number(req.query.page) : 1;
    const page = Number.isInteger(rawPage) && rawPage >= 1 && rawPage <= 10_000 ? rawPage : 1;
    const rows = await s.audit.forWorkspace(ws, {
      ...toQuery(f),
      limit: AUDIT_PAGE_SIZE + 1,
      offset: (page - 1) * AUDIT_PAGE_SIZE,
    });
    const more = rows.length > AUDIT_PAGE_SIZE;
    const events = rows.slice(0, AUDIT_PAGE_SIZE);
    const others = (await s.workspaces.list(viewer)).filter(
      (w) => (w.role === 'owner' || w.role === 'admin') && w.slug !== ws.slug,
    );
    const base = auditUrl(ws.slug);

    const filters = html`<form method="get" action="${base}" class="row card" aria-label="Filter the audit log">
<div class="field"><label for="f-user">User</label><input id="f-user" name="user" value="${f.user}" placeholder="alice"></div>
<div class="field"><label for="f-skill">Skill or tool</label><input id="f-skill" name="skill" value="${f.skill}" placeholder="@${ws.namespace}/crm"></div>
<div class="field"><label for="f-action">Action</label><select id="f-action" name="action"><option value="">any</option>${AUDIT_ACTIONS.map((a) => html`<option value="${a}"${a === f.action ? ' selected' : ''}>${a}</option>`)}</select></div>
<div class="field"><label for="f-from">From</label><input id="f-from" name="from" type="date" value="${f.from}"></div>
<div class="field"><label for="f-to">To</label><input id="f-to" name="to" type="date" value="${f.to}"></div>
<div class="actions"><button type="submit">Filter</button><a class="button secondary" href="${base}">Clear</a><a class="button secondary" href="${base}.csv${queryString(f)}" download>Export CSV</a></div></form>`;

    const table = events.length
      ? html`<table><caption>Events, newest first${page > 1 ? ` (page ${page})` : ''}</caption><thead><tr><th scope="col">Date</th><th scope="col">User</th><th scope="col">Skill</th><th scope="col">Action</th><th scope="col">Tool</th><th scope="col">Duration</th><th scope="col">Status</th><th scope="col">Detail</th></tr></thead>
<tbody>${events.map(
          (e) =>
            html`<tr data-action="${e.action}"><td><time datetime="${e.at.toISOString()}">${minute(e.at.toISOString())}</time></td><td>${e.actor}</td><td>${subject(e)}</td><td>${e.action}</td><td>${e.tool ?? ''}</td><td>${e.duration_ms === null ? '' : `${e.duration_ms} ms`}</td><td>${e.status ?? ''}</td><td>${e.detail ?? ''}</td></tr>`,
        )}</tbody></table>`
      : html`<p class="muted">No events match.</p>`;

    const pager = html`<nav class="pager" aria-label="Pages">${page > 1 ? html`<a href="${base}${queryString(f, { page: String(page - 1) })}" rel="prev">← Newer</a>` : ''}<span class="muted">Page ${page}</span>${more ? html`<a href="${base}${queryString(f, { page: String(page + 1) })}" rel="next">Older →</a>` : ''}</nav>`;

    send(res, {
      title: `Audit ${ws.slug}`,
      active: 'audit',
      body: html`<h1>Workspace Audit: ${ws.slug}</h1>${others.length ? html`<nav class="subnav" aria-label="Other workspaces">${others.map((w) => html`<a class="button secondary" href="${auditUrl(w.slug)}">${w.slug}</a>`)}</nav>` : ''}
<p>Installs, tool calls, tokens and member changes of <a href="/workspaces/${ws.slug}">${ws.slug}</a> (@${ws.namespace}). Tool calls record who, which tool, duration and status, never arguments or results.</p>
${filters}${table}${pager}${cli(`aerostack workspace audit ${ws.slug} [--since 7d] [--user alice] [--skill NAME] [--action install] [--json]`)}`,
    });
  });

  d.get('/workspaces/:slug/audit.csv', async (req, res) => {
    const { ws } = await s.workspaces.open(dash(res).viewer, param(req, 'slug'), 'workspace.audit.read');
    const events = await s.audit.forWorkspace(ws, { ...toQuery(readFilters(req)), limit: CSV_MAX_ROWS });
    const header = ['date', 'user', 'skill', 'action', 'tool', 'duration_ms', 'status', 'detail'];
    const lines = [
      header.join(','),
      ...events.map((e) =>
        [e.at.toISOString(), e.actor, subject(e), e.action, e.tool, e.duration_ms, e.status, e.detail]
          .map(csvCell)
          .join(','),
      ),
    ];
    res.setHeader('Content-Disposition', `attachment; filename="${ws.slug}-audit.csv"`);
    res.type('text/csv; charset=utf-8').send(`${lines.join('\r\n')}\r\n`);
  });
}
