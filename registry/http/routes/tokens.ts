import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../domain/services.js';
import { param, requireUser } from '../context.js';
import { parseBody } from '../validate.js';

const createSchema = z.object({
  name: z.string().min(1).max(100),
  readonly: z.boolean().optional(),
  expiresInSeconds: z.number().int().positive().max(315_360_000).nullish(),
});

// npm token create: `{ password, readonly, cidr_whitelist }`; the password is re-checked like npm does.
const npmCreateSchema = z.object({
  password: z.string().max(2048),
  readonly: z.boolean().optional(),
  cidr_whitelist: z.array(z.string()).nullish(),
  name: z.string().max(100).optional(),
});

/** User tokens (`aer_…`): Aerostack's JSON API and npm's `/-/npm/v1/tokens`. */
export function tokenRoutes(s: Services): Router {
  const r = Router();

  r.get('/-/api/v1/tokens', async (req, res) => {
    res.json({ tokens: await s.userTokens.list(requireUser(req).id) });
  });

  r.post('/-/api/v1/tokens', async (req, res) => {
    const user = requireUser(req);
    const input = parseBody(createSchema, req.body);
    s.userTokens.assertMayMint(req.viewer, input.readonly ?? false);
    const { secret, token } = await s.userTokens.issue(user, { ...input, kind: 'automation' });
    const [summary] = (await s.userTokens.list(user.id)).filter((t) => t.key === token.key);
    res.status(201).json({ ...summary, token: secret });
  });

  r.delete('/-/api/v1/tokens/:ref', async (req, res) => {
    const user = requireUser(req);
    const ref = param(req, 'ref');
    // Accept the public key (from `token list`) or the token's name.
    const byKey = /^[0-9a-f-]{36}$/.test(ref);
    await s.userTokens.revoke(user.id, byKey ? { key: ref } : { name: ref });
    res.json({ ok: true });
  });

  r.get('/-/npm/v1/tokens', async (req, res) => {
    const tokens = (await s.userTokens.list(requireUser(req).id)).filter((t) => t.status === 'active');
    res.json({
      objects: tokens.map((t) => ({ key: t.key, name: t.name, token: t.prefix, created: t.created, updated: t.created, readonly: t.readonly, cidr_whitelist: null })),
      total: tokens.length,
      urls: {},
    });
  });

  r.post('/-/npm/v1/tokens', async (req, res) => {
    const user = requireUser(req);
    const input = parseBody(npmCreateSchema, req.body);
    await s.accounts.authenticate(user.username, input.password);
    s.userTokens.assertMayMint(req.viewer, input.readonly ?? false);
    const { secret, token } = await s.userTokens.issue(user, { name: input.name ?? 'npm token', kind: 'automation', readonly: input.readonly ?? false });
    res.json({ key: token.key, token: secret, created: token.created_at.toISOString(), readonly: token.readonly, cidr_whitelist: null });
  });

  r.delete('/-/npm/v1/tokens/token/:key', async (req, res) => {
    await s.userTokens.revoke(requireUser(req).id, { key: param(req, 'key') });
    res.status(204).end();
  });

  return r;
}
