import { Router } from 'express';
import * as api from '@aerostack/contract/api.js';
import type { Services } from '../../domain/services.js';
import { badRequest } from '@aerostack/contract/errors.js';
import { param } from '../context.js';
import { parseBody } from '../validate.js';

/** `7d`, `12h`, `30m` or an ISO date → a Date. */
export function parseSince(raw: string, now: Date): Date {
  const rel = /^(\d+)([mhdw])$/.exec(raw.trim());
  if (rel) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[rel[2] as 'm' | 'h' | 'd' | 'w'];
    return new Date(now.getTime() - Number(rel[1]) * unit);
  }
  const d = new Date(raw);
  if (Number.isNaN(d.getTime())) throw badRequest(`since must be like 7d, 12h, 30m or a date (got "${raw}")`);
  return d;
}

/** Workspaces, their installed skills, their `mwt_` tokens and their audit log. */
export function workspaceRoutes(s: Services): Router {
  const r = Router();
  const slug = (req: Parameters<typeof param>[0]) => param(req, 'slug');
  const gatewayUrl = (ws: string) => `${s.deps.config.publicUrl}/ws/${ws}`;

  r.get('/-/api/v1/workspaces', async (req, res) => {
    const list = await s.workspaces.list(req.viewer);
    res.json({ workspaces: list.map((w) => ({ ...w, url: gatewayUrl(w.slug) })) });
  });
  r.post('/-/api/v1/workspaces', async (req, res) => {
    const input = parseBody(api.CreateWorkspaceRequest, req.body);
    const ws = await s.workspaces.create(req.viewer, input.slug, input.namespace?.replace(/^@/, ''));
    res.status(201).json({
      slug: ws.slug,
      namespace: ws.namespace,
      url: gatewayUrl(ws.slug),
      createdAt: ws.created_at.toISOString(),
    });
  });
  r.delete('/-/api/v1/workspaces/:slug', async (req, res) => {
    await s.workspaces.remove(req.viewer, slug(req));
    res.json({ ok: true });
  });
  r.get('/-/api/v1/workspaces/:slug/skills', async (req, res) => {
    res.json({
      workspace: slug(req),
      url: gatewayUrl(slug(req)),
      skills: await s.workspaces.skills(req.viewer, slug(req)),
    });
  });
  r.put('/-/api/v1/workspaces/:slug/skills/:name', async (req, res) => {
    const { version, allowNetwork } = parseBody(api.InstallRequest, req.body);
    res.json(
      await s.workspaces.install(req.viewer, slug(req), param(req, 'name'), version, {
        allowNetwork: allowNetwork ?? false,
      }),
    );
  });
  r.delete('/-/api/v1/workspaces/:slug/skills/:name', async (req, res) => {
    await s.workspaces.uninstall(req.viewer, slug(req), param(req, 'name'));
    res.json({ ok: true });
  });
  r.get('/-/api/v1/workspaces/:slug/secrets', async (req, res) => {
    res.json(await s.secrets.list(req.viewer, slug(req)));
  });
  r.put('/-/api/v1/workspaces/:slug/secrets/:name', async (req, res) => {
    const { value } = parseBody(api.SetSecretRequest, req.body);
    res.json(await s.secrets.set(req.viewer, slug(req), param(req, 'name'), value));
  });
  r.delete('/-/api/v1/workspaces/:slug/secrets/:name', async (req, res) => {
    await s.secrets.remove(req.viewer, slug(req), param(req, 'name'));
    res.json({ ok: true });
  });
  r.get('/-/api/v1/workspaces/:slug/tokens', async (req, res) => {
    res.json({ tokens: await s.workspaceTokens.list(req.viewer, slug(req)) });
  });
  r.post('/-/api/v1/workspaces/:slug/tokens', async (req, res) => {
    const input = parseBody(api.CreateWorkspaceTokenRequest, req.body);
    const { token, summary } = await s.workspaceTokens.create(req.viewer, slug(req), input);
    res.status(201).json({ ...summary, token, workspace: slug(req), url: gatewayUrl(slug(req)) });
  });
  r.delete('/-/api/v1/workspaces/:slug/tokens/:name', async (req, res) => {
    await s.workspaceTokens.revoke(req.viewer, slug(req), param(req, 'name'));
    res.json({ ok: true });
  });
  r.get('/-/api/v1/workspaces/:slug/audit', async (req, res) => {
    const { ws } = await s.workspaces.open(req.viewer, slug(req), 'workspace.audit.read');
    const q = req.query as Record<string, string | undefined>;
    const limit = q.limit === undefined ? undefined : Number(q.limit);
    const events = await s.audit.forWorkspace(ws, {
      ...(q.since ? { since: parseSince(q.since, s.deps.clock.now()) } : {}),
      ...(q.user ? { user: q.user } : {}),
      ...(q.skill ? { skill: q.skill } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
    res.json({
      workspace: ws.slug,
      events: events.map((e) => ({
        at: e.at.toISOString(),
        user: e.actor,
        action: e.action,
        skill: e.skill,
        tool: e.tool,
        status: e.status,
        durationMs: e.duration_ms,
        detail: e.detail,
      })),
    });
  });
  return r;
}
