import { Router } from 'express';
import * as api from '@aerostack/contract/api.js';
import type { Services } from '../../domain/services.js';
import { parseNamespace } from '../../domain/teams/teams.js';
import { param, requireUser } from '../context.js';
import { parseBody } from '../validate.js';

/** Teams: invitations, joining, the member list, roles, removal and leaving. */
export function teamRoutes(s: Services): Router {
  const r = Router();
  const ns = (req: Parameters<typeof param>[0]) => parseNamespace(param(req, 'ns'));

  r.get('/-/api/v1/teams', async (req, res) => {
    res.json({ teams: await s.teams.mine(req.viewer) });
  });
  r.get('/-/api/v1/teams/:ns/members', async (req, res) => {
    const namespace = ns(req);
    res.json({ namespace, members: await s.teams.list(req.viewer, namespace) });
  });
  r.post('/-/api/v1/teams/:ns/invitations', async (req, res) => {
    const input = parseBody(api.InviteRequest, req.body);
    res.status(201).json(await s.teams.invite(req.viewer, ns(req), input));
  });
  r.delete('/-/api/v1/teams/:ns/invitations/:email', async (req, res) => {
    await s.teams.revokeInvitation(req.viewer, ns(req), param(req, 'email'));
    res.json({ ok: true });
  });
  r.delete('/-/api/v1/teams/:ns/members/:ref', async (req, res) => {
    res.json({ ok: true, removed: await s.teams.remove(req.viewer, ns(req), param(req, 'ref')) });
  });
  r.put('/-/api/v1/teams/:ns/members/:ref/role', async (req, res) => {
    const { role } = parseBody(api.ChangeRoleRequest, req.body);
    const answer: api.RoleChanged = await s.teams.changeRole(req.viewer, ns(req), param(req, 'ref'), role);
    res.json(answer);
  });
  r.post('/-/api/v1/teams/:ns/leave', async (req, res) => {
    await s.teams.leave(req.viewer, ns(req));
    res.json({ ok: true });
  });
  r.post('/-/api/v1/teams/join', async (req, res) => {
    requireUser(req, 'Sign in (or sign up) first, then join');
    const { code } = parseBody(api.JoinRequest, req.body);
    res.json(await s.teams.join(req.viewer, code));
  });
  r.get('/-/api/v1/invitations/:code', async (req, res) => {
    res.json(await s.teams.describeInvitation(param(req, 'code')));
  });
  return r;
}
