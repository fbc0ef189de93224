import type { Response } from 'express';
import { param } from '../../http/context.js';
import { html } from '../html.js';
import { cli, csrfField } from '../layout.js';
import { send, type DashboardRouter } from '../render.js';
import { dash } from '../session.js';

/** The code is a secret in the URL: never leak it to other sites through Referer. */
const noReferrer = (res: Response) => res.setHeader('Referrer-Policy', 'no-referrer');

/**
 * `/verify/<code>`, the link in the verification mail. Opening it shows whose address it proves and
 * one button; the POST verifies. Not on GET: mail scanners open links, and a scanner must not prove an
 * address for an account someone else made with it. Unknown, used and expired links are error pages.
 */
export function verifyPages(d: DashboardRouter): void {
  const { s } = d;

  d.get(
    '/verify/:code',
    async (req, res) => {
      noReferrer(res);
      const code = param(req, 'code');
      const link = await s.verification.describe(code);
      send(res, {
        title: 'Verify your email',
        body: html`<div class="card narrow"><h1>Verify your email</h1>
<p>Confirm that <strong>${link.email}</strong> is the address of the Aerostack account <strong>${link.username}</strong>.</p>
<form method="post" action="/verify/${encodeURIComponent(code)}">${csrfField(dash(res))}<button type="submit">Verify ${link.email}</button></form>
<p class="muted">Did not sign up? Close this page: the account cannot use your address without this step.</p>
${cli(`aerostack account verify ${code}`)}</div>`,
      });
    },
    { open: true },
  );

  d.postRaw(
    '/verify/:code',
    async (req, res) => {
      noReferrer(res);
      const verified = await s.verification.verify(param(req, 'code'));
      const signedIn = dash(res).viewer.user;
      send(res, {
        title: 'Email verified',
        body: html`<div class="card narrow"><h1 class="ok">✓ Your email is verified</h1>
<p><strong>${verified.email}</strong> is now the verified address of <strong>${verified.username}</strong>. Invitations sent to it can be accepted: open the join link again.</p>
<p>${signedIn ? html`<a class="button" href="/team">Go to your teams</a>` : html`<a class="button" href="/signin">Sign in</a>`}</p></div>`,
      });
    },
    { open: true },
  );
}
