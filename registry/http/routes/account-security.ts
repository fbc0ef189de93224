import { Router } from 'express';
import * as api from '@aerostack/contract/api.js';
import type { Services } from '../../domain/services.js';
import { requireUser } from '../context.js';
import { parseBody } from '../validate.js';

/** Email verification and passwords: forgot (a mailed link), reset with it, change while signed in. */
export function accountSecurityRoutes(s: Services): Router {
  const r = Router();

  r.get('/-/api/v1/account', async (req, res) => {
    res.json((await s.verification.status(req.viewer)) satisfies api.AccountStatus);
  });

  // The code is the credential: no sign-in needed (the link may be opened on another machine).
  r.post('/-/api/v1/account/verify', async (req, res) => {
    const { code } = parseBody(api.VerifyEmailRequest, req.body);
    res.json(await s.verification.verify(code));
  });

  r.post('/-/api/v1/account/verify/resend', async (req, res) => {
    requireUser(req, 'Sign in first (aerostack login), then ask for a new link');
    res.json(await s.verification.resend(req.viewer, req.ip));
  });

  // The same 202 whether or not an account uses the address; the mail (if any) leaves in the background.
  r.post('/-/api/v1/password/forgot', async (req, res) => {
    const { email } = parseBody(api.ForgotPasswordRequest, req.body);
    await s.passwords.forgot(email, req.ip);
    res.status(202).json({ ok: true } satisfies api.ForgotPasswordAccepted);
  });

  r.post('/-/api/v1/password/reset', async (req, res) => {
    const { code, password } = parseBody(api.ResetPasswordRequest, req.body);
    res.json((await s.passwords.reset(code, password)) satisfies api.PasswordChanged);
  });

  r.post('/-/api/v1/password/change', async (req, res) => {
    const user = requireUser(req);
    const input = parseBody(api.ChangePasswordRequest, req.body);
    const changed = await s.passwords.change(req.viewer, input, req.ip);
    // The caller's own session was signed out with the others: it gets a fresh one.
    const renewed =
      req.viewer.token?.kind === 'session'
        ? (await s.userTokens.issue(user, { name: 'login session', kind: 'session' })).secret
        : undefined;
    res.json({ ...changed, ...(renewed ? { token: renewed } : {}) } satisfies api.PasswordChanged);
  });

  return r;
}
