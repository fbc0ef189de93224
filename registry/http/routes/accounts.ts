import { Router } from 'express';
import * as api from '@aerostack/contract/api.js';
import type { Services } from '../../domain/services.js';
import { badRequest, forbidden, unauthorized } from '@aerostack/contract/errors.js';
import { param, requireUser } from '../context.js';
import { parseBody } from '../validate.js';

/** Sign-up, login, logout and whoami: Aerostack's JSON API and npm's couchdb-style endpoints. */
export function accountRoutes(s: Services): Router {
  const r = Router();

  r.post('/-/api/v1/signup', async (req, res) => {
    const input = parseBody(api.SignupRequest, req.body);
    const user = await s.accounts.signup(input);
    const { secret } = await s.userTokens.issue(user, { name: 'signup session', kind: 'session' });
    res.status(201).json({ username: user.username, email: user.email, token: secret });
  });

  r.post('/-/api/v1/login', async (req, res) => {
    const input = parseBody(api.LoginRequest, req.body);
    const user = await s.accounts.authenticate(input.username, input.password, { address: req.ip });
    const { secret } = await s.userTokens.issue(user, { name: 'login session', kind: 'session' });
    res.json({ username: user.username, email: user.email, token: secret });
  });

  r.post('/-/api/v1/logout', async (req, res) => {
    requireUser(req);
    await s.userTokens.revoke(req.viewer, { key: req.viewer.token!.key });
    res.json({ ok: true });
  });

  r.get('/-/api/v1/whoami', (req, res) => {
    const user = requireUser(req);
    res.json({ username: user.username, email: user.email, readonly: req.viewer.token?.readonly ?? false });
  });

  // npm whoami
  r.get('/-/whoami', (req, res) => {
    res.json({ username: requireUser(req).username });
  });

  // npm adduser / login (legacy auth-type): creates the account, or logs in when it exists.
  r.put('/-/user/:id', async (req, res) => {
    const username = couchUser(param(req, 'id'));
    const body = req.body as { name?: unknown; password?: unknown; email?: unknown } | undefined;
    if (!body || typeof body.password !== 'string' || !body.password) throw badRequest('A password is required');
    if (typeof body.name === 'string' && body.name !== username)
      throw badRequest('The user name in the body does not match the URL');
    const existing = await s.accounts.findByUsername(username);
    let user;
    if (existing) {
      user = await s.accounts.authenticate(username, body.password, { address: req.ip });
    } else {
      if (typeof body.email !== 'string') throw unauthorized('Incorrect username or password');
      user = await s.accounts.signup({ username, email: body.email, password: body.password });
    }
    const { secret } = await s.userTokens.issue(user, {
      name: existing ? 'npm login' : 'npm adduser',
      kind: 'session',
    });
    res.status(201).json({ ok: true, id: `org.couchdb.user:${user.username}`, rev: '1-0', token: secret });
  });

  r.get('/-/user/:id', (req, res) => {
    const user = requireUser(req);
    if (user.username !== couchUser(param(req, 'id'))) throw forbidden('You can only read your own profile');
    res.json({
      _id: `org.couchdb.user:${user.username}`,
      name: user.username,
      email: user.email,
      type: 'user',
      roles: [],
    });
  });

  // npm logout: revokes the token it names (its own).
  r.delete('/-/user/token/:token', async (req, res) => {
    requireUser(req);
    await s.userTokens.revoke(req.viewer, { secret: String(req.params.token) });
    res.json({ ok: true });
  });

  return r;
}

/** `org.couchdb.user:NAME` → NAME (npm's user document ids). */
function couchUser(id: string): string {
  const prefix = 'org.couchdb.user:';
  if (!id.startsWith(prefix) || id.length === prefix.length)
    throw badRequest('Expected /-/user/org.couchdb.user:<name>');
  return id.slice(prefix.length);
}
