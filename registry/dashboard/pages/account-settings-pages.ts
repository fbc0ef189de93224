import type { Request } from 'express';
import { badRequest } from '@aerostack/contract/errors.js';
import { PASSWORD_LENGTH } from '@aerostack/contract/limits.js';
import { html } from '../html.js';
import { cli, csrfField } from '../layout.js';
import { send, type DashboardRouter } from '../render.js';
import { dash, startSession } from '../session.js';

const field = (req: Request, name: string): string => {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
};

/** `/account`: the address and whether it is verified (resend the link), and the change-password form. */
export function accountSettingsPages(d: DashboardRouter): void {
  const { s, cfg } = d;

  d.get('/account', async (_req, res) => {
    const ctx = dash(res);
    const me = await s.verification.status(ctx.viewer);
    const verification = me.emailVerified
      ? html`<p><span class="status-active">verified</span></p>`
      : html`<p><span class="status-pending">not verified</span> Until it is, you cannot join a team. Open the link we mailed you, or have a new one sent.</p>
<form method="post" action="/account/verify/resend">${csrfField(ctx)}<button type="submit" class="secondary">Mail me a new verification link</button></form>
${cli('aerostack account verify --resend')}`;
    send(res, {
      title: 'Account',
      body: html`<h1>Your account</h1>
<section class="card narrow" aria-labelledby="account-email-h"><h2 id="account-email-h">Email</h2>
<p><strong>${me.email}</strong> (account <strong>${me.username}</strong>)</p>${verification}</section>
<section class="card narrow" aria-labelledby="account-password-h"><h2 id="account-password-h">Change password</h2>
<p>Every other session of your account is signed out (CLI and npm logins, other browsers); tokens made with <code>aerostack token create</code> keep working.</p>
<form method="post" action="/account/password" class="stack">${csrfField(ctx)}
<label for="account-username">Username</label><input id="account-username" name="username" value="${me.username}" autocomplete="username" readonly>
<label for="current-password">Current password</label><input id="current-password" name="currentPassword" type="password" autocomplete="current-password" required>
<label for="new-password">New password (at least ${PASSWORD_LENGTH.min} characters)</label><input id="new-password" name="newPassword" type="password" autocomplete="new-password" minlength="${PASSWORD_LENGTH.min}" required>
<label for="confirm-password">New password, again</label><input id="confirm-password" name="confirm" type="password" autocomplete="new-password" minlength="${PASSWORD_LENGTH.min}" required>
<button type="submit">Change password</button></form>${cli('aerostack password change')}</section>`,
    });
  });

  d.post(
    '/account/password',
    async (req, res) => {
      const ctx = dash(res);
      const newPassword = field(req, 'newPassword');
      if (newPassword !== field(req, 'confirm')) throw badRequest('The two new passwords are not the same');
      const user = ctx.viewer.user!;
      const changed = await s.passwords.change(
        ctx.viewer,
        { currentPassword: field(req, 'currentPassword'), newPassword },
        req.ip,
      );
      // This browser's session went with the others: it gets a fresh one.
      await startSession(s, cfg, res, user);
      const others = Math.max(0, changed.revokedSessions - 1);
      return {
        redirect: '/account',
        flash: `✓ Password changed. ${others} other session${others === 1 ? ' was' : 's were'} signed out.`,
      };
    },
    () => '/account',
  );

  d.post(
    '/account/verify/resend',
    async (req, res) => {
      const sent = await s.verification.resend(dash(res).viewer, req.ip);
      return {
        redirect: '/account',
        flash: sent.sent
          ? `✓ A new verification link is on its way to ${sent.email}.`
          : `${sent.email} is already verified.`,
      };
    },
    () => '/account',
  );
}
