import express, { Router, type Response } from 'express';
import type { Services } from '../../domain/services.js';
import type { Viewer } from '../../domain/access/viewer.js';
import { DomainError } from '../../domain/errors.js';
import { param } from '../context.js';
import { html, page, type Html } from '../html.js';

/**
 * `/join/<code>`: the link in the invitation mail. Sign in or sign up on the page, and the invitation
 * is accepted in the same step. The form carries the password itself, so there is no session to forge.
 */
export function joinPageRoutes(s: Services): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });

  r.get('/join/:code', async (req, res) => {
    const code = param(req, 'code');
    await render(res, async () => {
      const inv = await s.teams.describeInvitation(code);
      return html`<h1>Join @${inv.namespace}</h1>
<p>You are invited to the <b>@${inv.namespace}</b> team as ${inv.role === 'admin' ? 'an admin' : 'a member'}${inv.anyAccount ? '' : html` (sent to ${inv.email})`}.
The invitation expires on ${inv.expires.slice(0, 10)}.</p>
<form method="post" aria-label="Sign in and join"><h2>I have an account</h2><input type="hidden" name="action" value="signin">
<label>Username <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in and join @${inv.namespace}</button></form>
<form method="post" aria-label="Sign up and join"><h2>I am new here</h2><input type="hidden" name="action" value="signup">
<label>Username <input name="username" autocomplete="username" required></label>
<label>Email <input name="email" type="email" value="${inv.anyAccount ? '' : inv.email}" autocomplete="email" required></label>
<label>Password <input name="password" type="password" autocomplete="new-password" minlength="8" required></label>
<button type="submit">Sign up and join @${inv.namespace}</button></form>`;
    });
  });

  r.post('/join/:code', form, async (req, res) => {
    const code = param(req, 'code');
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    await render(res, async () => {
      const username = String(body.username ?? '');
      const password = String(body.password ?? '');
      const user =
        body.action === 'signup'
          ? await s.accounts.signup({ username, email: String(body.email ?? ''), password })
          : await s.accounts.authenticate(username, password);
      const viewer: Viewer = { user: { id: user.id, username: user.username, email: user.email }, token: null };
      const joined = await s.teams.join(viewer, code);
      return html`<h1 class="ok">✓ You joined @${joined.namespace}</h1>
<p>You are ${joined.role === 'admin' ? 'an admin' : 'a member'} of @${joined.namespace}. Install its team skills with
<code>aerostack skill install @${joined.namespace}/&lt;skill&gt;</code> after <code>aerostack login</code>.</p>`;
    });
  });
  return r;
}

async function render(res: Response, build: () => Promise<Html>): Promise<void> {
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
  res.setHeader('Cache-Control', 'no-store');
  // The code is a secret in the URL: never leak it to other sites through Referer.
  res.setHeader('Referrer-Policy', 'no-referrer');
  try {
    res.type('html').send(page('Join a team', await build()));
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    res.status(err.status).type('html').send(page('Join a team', html`<h1>Cannot join</h1><p class="error" role="alert">${err.message}</p>`));
  }
}
