import type { Request, Response } from 'express';
import { DomainError } from '@aerostack/contract/errors.js';
import { PASSWORD_LENGTH } from '@aerostack/contract/limits.js';
import { TooManyAttempts } from '../../domain/throttle/throttles.js';
import { html } from '../html.js';
import { csrfField } from '../layout.js';
import { send, type DashboardRouter } from '../render.js';
import { dash, endSession, safeNext, setFlash, startSession } from '../session.js';

const field = (body: unknown, name: string): string => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
};

/** Sign in, sign up, sign out; `/` is the sign-in page for visitors and the Skills tab for users. */
export function accountPages(d: DashboardRouter): void {
  const { s, cfg } = d;

  const signinPage = (
    req: Request,
    res: Response,
    opts: { username?: string; error?: string; status?: number } = {},
  ) => {
    const next = safeNext(req.query.next ?? (req.body as Record<string, unknown> | undefined)?.next);
    send(
      res,
      {
        title: 'Sign in',
        active: 'signin',
        error: opts.error ?? null,
        body: html`<div class="card narrow"><h1>Sign in to Aerostack</h1>
<form method="post" action="/signin" class="stack">${csrfField(dash(res))}<input type="hidden" name="next" value="${next}">
<label for="signin-username">Username</label><input id="signin-username" name="username" autocomplete="username" required autofocus value="${opts.username ?? ''}">
<label for="signin-password">Password</label><input id="signin-password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>
<p><a href="/forgot-password">Forgot password?</a></p>
<p>New here? <a href="/signup?next=${encodeURIComponent(next)}">Create an account</a>. Just looking? <a href="/search">Browse the public marketplace</a>.</p>
<p class="cli">CLI: <code>aerostack login</code></p></div>`,
      },
      opts.status ?? 200,
    );
  };

  d.get(
    '/',
    (req, res) => {
      if (dash(res).viewer.user) return res.redirect(303, '/skills');
      signinPage(req, res);
    },
    { open: true },
  );
  d.get(
    '/signin',
    (req, res) => (dash(res).viewer.user ? res.redirect(303, safeNext(req.query.next)) : signinPage(req, res)),
    { open: true },
  );

  d.postRaw(
    '/signin',
    async (req, res) => {
      const username = field(req.body, 'username');
      try {
        const user = await s.accounts.authenticate(username, field(req.body, 'password'), { address: req.ip });
        await startSession(s, cfg, res, user);
      } catch (err) {
        if (!(err instanceof DomainError) || err.status >= 500) throw err;
        if (err instanceof TooManyAttempts) res.setHeader('Retry-After', String(err.retryAfterSeconds));
        return signinPage(req, res, { username, error: err.message, status: err.status });
      }
      res.redirect(303, safeNext(field(req.body, 'next')));
    },
    { open: true },
  );

  const signupPage = (
    req: Request,
    res: Response,
    opts: { username?: string; email?: string; error?: string; status?: number } = {},
  ) => {
    const next = safeNext(req.query.next ?? (req.body as Record<string, unknown> | undefined)?.next);
    send(
      res,
      {
        title: 'Sign up',
        active: 'signup',
        error: opts.error ?? null,
        body: html`<div class="card narrow"><h1>Create your account</h1>
<p>Your username is your namespace: your skills will be <code>@username/skill-name</code>.</p>
<form method="post" action="/signup" class="stack">${csrfField(dash(res))}<input type="hidden" name="next" value="${next}">
<label for="signup-username">Username</label><input id="signup-username" name="username" autocomplete="username" required pattern="[a-z0-9][a-z0-9-]{0,38}" title="1-39 lowercase letters, digits or -" value="${opts.username ?? ''}">
<label for="signup-email">Email</label><input id="signup-email" name="email" type="email" autocomplete="email" required value="${opts.email ?? ''}">
<label for="signup-password">Password (at least ${PASSWORD_LENGTH.min} characters)</label><input id="signup-password" name="password" type="password" autocomplete="new-password" minlength="${PASSWORD_LENGTH.min}" required>
<button type="submit">Sign up</button></form>
<p>Already have an account? <a href="/signin?next=${encodeURIComponent(next)}">Sign in</a>.</p>
<p class="cli">CLI: <code>aerostack signup --username NAME --email EMAIL</code></p></div>`,
      },
      opts.status ?? 200,
    );
  };

  d.get('/signup', (req, res) => (dash(res).viewer.user ? res.redirect(303, '/skills') : signupPage(req, res)), {
    open: true,
  });

  d.postRaw(
    '/signup',
    async (req, res) => {
      const username = field(req.body, 'username');
      const email = field(req.body, 'email');
      try {
        const user = await s.accounts.signup({ username, email, password: field(req.body, 'password') });
        await startSession(s, cfg, res, user);
        setFlash(res, cfg, {
          kind: 'ok',
          text: `Welcome, ${user.username}! Your namespace is @${user.username}. We mailed a link to ${user.email}: open it to verify your email (needed to join a team).`,
        });
      } catch (err) {
        if (!(err instanceof DomainError) || err.status >= 500) throw err;
        return signupPage(req, res, { username, email, error: err.message, status: err.status });
      }
      res.redirect(303, safeNext(field(req.body, 'next')));
    },
    { open: true },
  );

  d.postRaw(
    '/signout',
    async (_req, res) => {
      await endSession(s, cfg, res);
      setFlash(res, cfg, { kind: 'ok', text: 'You are signed out.' });
      res.redirect(303, '/signin');
    },
    { open: true },
  );
}
