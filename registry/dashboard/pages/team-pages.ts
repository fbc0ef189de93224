import type { Request } from 'express';
import { parseNamespace } from '../../domain/teams/teams.js';
import { param } from '../../http/context.js';
import { html } from '../html.js';
import { buttonForm, cli, csrfField, time } from '../layout.js';
import { send, type DashboardRouter } from '../render.js';
import { dash } from '../session.js';

const field = (req: Request, name: string): string => {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
};

/** The Team tab: members, pending invitations, invite, roles, remove, revoke, leave. */
export function teamPages(d: DashboardRouter): void {
  const { s } = d;
  const teamUrl = (ns: string) => `/team?ns=${encodeURIComponent(ns)}`;
  const nsOf = (req: Request) => parseNamespace(param(req, 'ns'));

  d.get('/team', async (req, res) => {
    const ctx = dash(res);
    const viewer = ctx.viewer;
    const me = viewer.user!;
    const teams = await s.teams.mine(viewer);
    const ns = typeof req.query.ns === 'string' && req.query.ns ? parseNamespace(req.query.ns) : me.username;
    const rows = await s.teams.list(viewer, ns);
    const myRole = teams.find((t) => t.namespace === ns)?.role ?? null;
    const manager = myRole === 'owner' || myRole === 'admin';
    const members = rows.filter((r) => r.status === 'active');
    const pending = rows.filter((r) => r.status === 'pending');

    const switcher =
      teams.length > 1
        ? html`<nav class="subnav" aria-label="Teams">${teams.map((t) => html`<a href="${teamUrl(t.namespace)}" class="button secondary"${t.namespace === ns ? html` aria-current="true"` : ''}>@${t.namespace} <span class="muted">(${t.role})</span></a>`)}</nav>`
        : html``;

    // The owner alone changes roles (policy `team.change-role`): one small form per member.
    const roleForm = (m: (typeof members)[number], i: number) => {
      const who = m.username ?? m.email;
      return html`<form method="post" action="/team/${ns}/members/role" class="inline">${csrfField(ctx)}<input type="hidden" name="ref" value="${who}"><label for="member-role-${i}">Role of ${who}</label> <select id="member-role-${i}" name="role">${(['member', 'admin'] as const).map((r) => html`<option value="${r}"${r === m.role ? html` selected` : ''}>${r}</option>`)}</select> <button type="submit" class="secondary" aria-label="Save the role of ${who}">Change role</button></form>`;
    };

    const memberTable = html`<table><caption>Members of @${ns}</caption>
<thead><tr><th scope="col">User</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Joined</th>${manager ? html`<th scope="col"><span class="muted">Actions</span></th>` : ''}</tr></thead>
<tbody>${members.map(
      (m, i) =>
        html`<tr><td>${m.username ?? ''}</td><td>${m.email}</td><td>${m.role}</td><td><span class="status-active">active</span></td><td>${time(m.since)}</td>${
          manager
            ? html`<td>${m.role === 'owner' ? html`<span class="muted">owner</span>` : html`${myRole === 'owner' ? roleForm(m, i) : ''}${buttonForm(ctx, `/team/${ns}/members/remove`, 'Remove', { ref: m.username ?? m.email }, { ariaLabel: `Remove ${m.username ?? m.email} from @${ns}`, danger: true })}`}</td>`
            : ''
        }</tr>`,
    )}</tbody></table>`;

    const pendingTable = pending.length
      ? html`<table><caption>Pending invitations</caption>
<thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Invited</th><th scope="col">Expires</th>${manager ? html`<th scope="col"><span class="muted">Actions</span></th>` : ''}</tr></thead>
<tbody>${pending.map(
          (p) =>
            html`<tr><td>${p.email}</td><td>${p.role}</td><td><span class="status-pending">pending</span></td><td>${time(p.since)}</td><td>${time(p.expires)}</td>${
              manager
                ? html`<td>${buttonForm(ctx, `/team/${ns}/invitations/revoke`, 'Revoke', { email: p.email }, { ariaLabel: `Revoke the invitation for ${p.email}`, danger: true })}</td>`
                : ''
            }</tr>`,
        )}</tbody></table>`
      : html`<p class="muted">No pending invitations.</p>`;

    const inviteForm = manager
      ? html`<section class="card" aria-labelledby="invite-h"><h2 id="invite-h">Invite a member</h2>
<p>They get an email with a join link (valid for 7 days, single use). Members can install @${ns}'s team skills and use its workspaces.</p>
<form method="post" action="/team/${ns}/invitations" class="row">${csrfField(ctx)}
<div class="field"><label for="invite-email">Email</label><input id="invite-email" name="email" type="email" required autocomplete="off"></div>
<div class="field"><label for="invite-role">Role</label><select id="invite-role" name="role"><option value="member">member</option>${myRole === 'owner' ? html`<option value="admin">admin</option>` : ''}</select></div>
<button type="submit">Send invitation</button></form>${cli(`aerostack team invite EMAIL${ns === me.username ? '' : ` --namespace ${ns}`} [--role admin]`)}</section>`
      : html``;

    const leave =
      myRole && myRole !== 'owner'
        ? html`<section class="card"><h2>Leave @${ns}</h2><p>You lose access to its team skills and workspaces at once.</p>${buttonForm(ctx, `/team/${ns}/leave`, `Leave @${ns}`, {}, { danger: true })}${cli(`aerostack team leave @${ns}`)}</section>`
        : html``;

    send(res, {
      title: `Team @${ns}`,
      active: 'team',
      body: html`<h1>Team @${ns}</h1>${switcher}
<p>Your role: <strong>${myRole ?? 'none'}</strong>. ${manager ? 'Owners and admins invite and remove members.' : ''}</p>
${memberTable}${cli(`aerostack team list${ns === me.username ? '' : ` --namespace ${ns}`}`)}
<h2>Pending invitations</h2>${pendingTable}
${inviteForm}${leave}`,
    });
  });

  d.post(
    '/team/:ns/invitations',
    async (req, res) => {
      const ns = nsOf(req);
      const role = field(req, 'role') === 'admin' ? 'admin' : 'member';
      const sent = await s.teams.invite(dash(res).viewer, ns, { email: field(req, 'email'), role });
      // As the CLI says it: with no mail server, nobody was mailed; the page says where the mail is.
      const outbox =
        sent.delivery.via === 'outbox'
          ? ` No mail server is configured: the mail is in ${sent.delivery.file}; join link: ${sent.delivery.link}`
          : '';
      return {
        redirect: teamUrl(ns),
        flash: `Invitation sent. ${sent.name} will receive an email with a join link.${outbox}`,
      };
    },
    (req) => teamUrl(param(req, 'ns')),
  );

  d.post(
    '/team/:ns/invitations/revoke',
    async (req, res) => {
      const ns = nsOf(req);
      const email = field(req, 'email');
      await s.teams.revokeInvitation(dash(res).viewer, ns, email);
      return { redirect: teamUrl(ns), flash: `✓ The invitation for ${email} was revoked; its link no longer works.` };
    },
    (req) => teamUrl(param(req, 'ns')),
  );

  d.post(
    '/team/:ns/members/remove',
    async (req, res) => {
      const ns = nsOf(req);
      const removed = await s.teams.remove(dash(res).viewer, ns, field(req, 'ref'));
      return { redirect: teamUrl(ns), flash: `✓ Removed ${removed.username || removed.email} from @${ns}.` };
    },
    (req) => teamUrl(param(req, 'ns')),
  );

  d.post(
    '/team/:ns/members/role',
    async (req, res) => {
      const ns = nsOf(req);
      const role = field(req, 'role') === 'admin' ? 'admin' : 'member';
      const done = await s.teams.changeRole(dash(res).viewer, ns, field(req, 'ref'), role);
      const a = role === 'admin' ? 'an admin' : 'a member';
      return {
        redirect: teamUrl(ns),
        flash: done.changed
          ? `✓ ${done.email} is now ${a} of @${ns} (was ${done.previous}).`
          : `${done.email} is already ${a} of @${ns}; nothing changed.`,
      };
    },
    (req) => teamUrl(param(req, 'ns')),
  );

  d.post(
    '/team/:ns/leave',
    async (req, res) => {
      const ns = nsOf(req);
      await s.teams.leave(dash(res).viewer, ns);
      return { redirect: '/team', flash: `✓ You left @${ns}.` };
    },
    (req) => teamUrl(param(req, 'ns')),
  );
}
