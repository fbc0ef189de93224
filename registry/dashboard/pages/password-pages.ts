import type { Request, Response } from 'express';
import { DomainError } from '@aerostack/contract/errors.js';
import { PASSWORD_LENGTH } from '@aerostack/contract/limits.js';
import { TooManyAttempts } from '../../domain/throttle/throttles.js';
import { param } from '../../http/context.js';
import { html } from '../html.js';
import { cli, csrfField } from '../layout.js';
import { send, type DashboardRouter } from '../render.js';
import { dash, setFlash } from '../session.js';

const field = (req: Request, name: string): string => {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
};

/** The reset code is a secret in the URL: never leak it to other sites through Referer. */
const noReferrer = (res: Response) => res.setHeader('Referrer-Policy', 'no-referrer');

/** A refusal the visitor can act on (a 4xx, with Retry-After when throttled); anything else is thrown on. */
function refusal(err: unknown, res: Response): DomainError {
  if (!(err instanceof DomainError) || err.status >= 500) throw err;
  if (err instanceof TooManyAttempts) res.setHeader('Retry-After', String(err.retryAfterSeconds));
  return err;
}

/** "Forgot password?" (`/forgot-password`) and the page of the mailed reset link (`/reset/<code>`). */
export function passwordPages(d: DashboardRouter): void {
  const { s, cfg } = d;

  const forgotPage = (res: Response, opts: { email?: string; error?: string; status?: number } = {}) =>
    send(
      res,
      {
        title: 'Forgot password',
        error: opts.error ?? null,
        body: html`<div class="card narrow"><h1>Forgot your password?</h1>
<p>Give the email address of your account: we mail it a link to choose a new password (valid for 1 hour).</p>
<form method="post" action="/forgot-password" class="stack">${csrfField(dash(res))}
<label for="forgot-email">Email</label><input id="forgot-email" name="email" type="email" autocomplete="email" required autofocus value="${opts.email ?? ''}">
<button type="submit">Mail me a reset link</button></form>
<p><a href="/signin">Back to sign in</a></p>${cli('aerostack password forgot --email EMAIL')}</div>`,
      },
      opts.status ?? 200,
    );

  d.get('/forgot-password', (_req, res) => forgotPage(res), { open: true });

  d.postRaw(
    '/forgot-password',
    async (req, res) => {
      const email = field(req, 'email');
      try {
        await s.passwords.forgot(email, req.ip);
      } catch (err) {
        const e = refusal(err, res);
        return forgotPage(res, { email, error: e.message, status: e.status });
      }
      // The same page whether or not an account uses the address.
      send(res, {
        title: 'Check your email',
        body: html`<div class="card narrow"><h1>Check your email</h1>
<p role="status">If an account uses <strong>${email.trim()}</strong>, a link to reset its password is on its way. It works once, for 1 hour.</p>
<p><a href="/signin">Back to sign in</a></p></div>`,
      });
    },
    { open: true },
  );

  const resetPage = async (req: Request, res: Response, opts: { error?: string; status?: number } = {}) => {
    noReferrer(res);
    const code = param(req, 'code');
    const { username } = await s.passwords.describeReset(code);
    send(
      res,
      {
        title: 'Choose a new password',
        error: opts.error ?? null,
        body: html`<div class="card narrow"><h1>Choose a new password</h1>
<p>For the account <strong>${username}</strong>. Every session of the account is signed out; tokens made with <code>aerostack token create</code> keep working.</p>
<form method="post" action="/reset/${encodeURIComponent(code)}" class="stack">${csrfField(dash(res))}
<label for="reset-username">Username</label><input id="reset-username" name="username" value="${username}" autocomplete="username" readonly>
<label for="reset-password">New password (at least ${PASSWORD_LENGTH.min} characters)</label><input id="reset-password" name="password" type="password" autocomplete="new-password" minlength="${PASSWORD_LENGTH.min}" required autofocus>
<label for="reset-confirm">New password, again</label><input id="reset-confirm" name="confirm" type="password" autocomplete="new-password" minlength="${PASSWORD_LENGTH.min}" required>
<button type="submit">Set the new password</button></form></div>`,
      },
      opts.status ?? 200,
    );
  };

  d.get('/reset/:code', (req, res) => resetPage(req, res), { open: true });

  d.postRaw(
    '/reset/:code',
    async (req, res) => {
      noReferrer(res);
      const password = field(req, 'password');
      if (password !== field(req, 'confirm'))
        return resetPage(req, res, { error: 'The two passwords are not the same', status: 400 });
      try {
        await s.passwords.reset(param(req, 'code'), password);
      } catch (err) {
        const e = refusal(err, res);
        // A bad password: the form again. A used or expired link: its own error page.
        if (e.status !== 400) throw e;
        return resetPage(req, res, { error: e.message, status: e.status });
      }
      setFlash(res, cfg, {
        kind: 'ok',
        text: 'Your password was reset and every session signed out. Sign in with the new password.',
      });
      res.redirect(303, '/signin');
    },
    { open: true },
  );
}
