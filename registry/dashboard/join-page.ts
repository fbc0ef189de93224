import type { Request, Response, Router } from 'express';
import type { Services } from '../domain/services.js';
import type { Viewer } from '../domain/access/viewer.js';
import { DomainError, forbidden, unauthorized } from '@aerostack/contract/errors.js';
import { PASSWORD_LENGTH } from '@aerostack/contract/limits.js';
import { CSRF_FIELD, CSRF_REFUSED, csrfMatches, sameOrigin } from './csrf.js';
import { csrfField } from './layout.js';
import { DashboardRouter, send } from './render.js';
import { dash, sessionConfig, startSession } from './session.js';
import { param } from '../http/context.js';
import { html } from './html.js';

/**
 * `/join/<code>`: the link in the invitation mail, a dashboard page. Signed in, one "Accept" button
 * (a session form: CSRF-checked). Signed out, sign in or sign up on the page and the invitation is
 * accepted in the same step; those forms carry the password itself, and they also open a dashboard
 * session only when their CSRF token is valid (so no other site can sign a browser into an account).
 */
export function joinPageRoutes(s: Services): Router {
  const cfg = sessionConfig(s.deps.config.publicUrl);
  const d = new DashboardRouter(s, cfg);
  const noReferrer = (res: Response) => {
    // The code is a secret in the URL: never leak it to other sites through Referer.
    res.setHeader('Referrer-Policy', 'no-referrer');
  };

  const joinPage = async (
    req: Request,
    res: Response,
    opts: { error?: string; status?: number; username?: string; email?: string } = {},
  ) => {
    noReferrer(res);
    const ctx = dash(res);
    const code = param(req, 'code');
    const inv = await s.teams.describeInvitation(code);
    const as = inv.role === 'admin' ? 'an admin' : 'a member';
    const action = `/join/${encodeURIComponent(code)}`;
    const user = ctx.viewer.user;
    const forms = user
      ? html`<div class="card narrow"><p>You are signed in as <strong>${user.username}</strong> (${user.email}).</p>
<form method="post" action="${action}">${csrfField(ctx)}<input type="hidden" name="action" value="accept"><button type="submit">Accept and join @${inv.namespace}</button></form>
<p class="muted">Not you? Sign out first, then open this link again.</p></div>`
      : html`<div class="grid"><form method="post" action="${action}" class="stack card" aria-labelledby="join-signin-h"><h2 id="join-signin-h">I have an account</h2>${csrfField(ctx)}<input type="hidden" name="action" value="signin">
<label for="join-signin-username">Username</label><input id="join-signin-username" name="username" autocomplete="username" required value="${opts.username ?? ''}">
<label for="join-signin-password">Password</label><input id="join-signin-password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in and join @${inv.namespace}</button></form>
<form method="post" action="${action}" class="stack card" aria-labelledby="join-signup-h"><h2 id="join-signup-h">I am new here</h2>${csrfField(ctx)}<input type="hidden" name="action" value="signup">
<label for="join-signup-username">Username</label><input id="join-signup-username" name="username" autocomplete="username" required pattern="[a-z0-9][a-z0-9-]{0,38}" title="1-39 lowercase letters, digits or -" value="${opts.username ?? ''}">
<label for="join-signup-email">Email</label><input id="join-signup-email" name="email" type="email" value="${opts.email ?? (inv.anyAccount ? '' : inv.email)}" autocomplete="email" required>
<label for="join-signup-password">Password (at least ${PASSWORD_LENGTH.min} characters)</label><input id="join-signup-password" name="password" type="password" autocomplete="new-password" minlength="${PASSWORD_LENGTH.min}" required>
<button type="submit">Sign up and join @${inv.namespace}</button></form></div>`;
    send(
      res,
      {
        title: `Join @${inv.namespace}`,
        error: opts.error ?? null,
        body: html`<h1>Join @${inv.namespace}</h1>
<p>You are invited to the <b>@${inv.namespace}</b> team as ${as}${inv.anyAccount ? '' : html` (sent to ${inv.email})`}.
The invitation expires on ${inv.expires.slice(0, 10)}.</p>${forms}
<p class="cli">CLI: <code>aerostack team join ${code}</code></p>`,
      },
      opts.status ?? 200,
    );
  };

  d.get('/join/:code', (req, res) => joinPage(req, res), { open: true });

  d.postSelfChecked('/join/:code', async (req, res) => {
    const code = param(req, 'code');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const str = (k: string) => (typeof body[k] === 'string' ? body[k] : '');
    const ctx = dash(res);
    // Every form here carries the page's CSRF token, the password forms too: no other site can make
    // a browser accept an invitation, or sign it into an account it did not choose.
    if (!sameOrigin(req, cfg) || !csrfMatches(ctx.csrfSecret, body[CSRF_FIELD])) throw forbidden(CSRF_REFUSED);
    let viewer: Viewer;
    let signIn: { id: number; username: string; email: string } | null = null;
    try {
      if (str('action') === 'accept') {
        if (!ctx.viewer.user) throw unauthorized('Your session has ended; sign in below to join');
        viewer = ctx.viewer;
      } else {
        const username = str('username');
        const password = str('password');
        const user =
          str('action') === 'signup'
            ? await s.accounts.signup({ username, email: str('email'), password })
            : await s.accounts.authenticate(username, password, { address: req.ip });
        viewer = { user: { id: user.id, username: user.username, email: user.email }, token: null };
        signIn = user;
        // Signed in before joining: when the join is refused (an address not verified yet), the page
        // comes back with its Accept button, ready once the mailed link has been opened.
        await startSession(s, cfg, res, signIn);
      }
      const joined = await s.teams.join(viewer, code);
      noReferrer(res);
      send(res, {
        title: `Joined @${joined.namespace}`,
        body: html`<h1 class="ok">✓ You joined @${joined.namespace}</h1>
<p>You are ${joined.role === 'admin' ? 'an admin' : 'a member'} of @${joined.namespace}. Install its team skills with
<code>aerostack skill install @${joined.namespace}/&lt;skill&gt;</code> after <code>aerostack login</code>.</p>
${signIn || ctx.viewer.user ? html`<p><a class="button" href="/team?ns=${joined.namespace}">See the @${joined.namespace} team</a> <a class="button secondary" href="/skills">Browse its skills</a></p>` : ''}`,
      });
    } catch (err) {
      if (!(err instanceof DomainError) || err.status >= 500) throw err;
      if (err.message === CSRF_REFUSED) throw err;
      // A wrong password or a taken username: the page again, with the reason (and the invitation's own refusals as a page).
      await joinPage(req, res, {
        error: err.message,
        status: err.status,
        username: str('username'),
        email: str('email'),
      });
    }
  });

  return d.finish(s.deps.logger);
}
