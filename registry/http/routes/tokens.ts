import { Router } from 'express';
import * as api from '@aerostack/contract/api.js';
import { z } from 'zod';
import type { Services } from '../../domain/services.js';
import { param, requireUser } from '../context.js';
import { parseBody } from '../validate.js';

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
    const input = parseBody(api.CreateTokenRequest, req.body);
    const { secret, token } = await s.userTokens.create(req.viewer, input);
    const [summary] = (await s.userTokens.list(user.id)).filter((t) => t.key === token.key);
    res.status(201).json({ ...summary, token: secret });
  });

  r.delete('/-/api/v1/tokens/:ref', async (req, res) => {
    requireUser(req);
    const ref = param(req, 'ref');
    // Accept the public key (from `token list`) or the token's name.
    const byKey = /^[0-9a-f-]{36}$/.test(ref);
    await s.userTokens.revoke(req.viewer, byKey ? { key: ref } : { name: ref });
    res.json({ ok: true });
  });

  r.get('/-/npm/v1/tokens', async (req, res) => {
    const tokens = (await s.userTokens.list(requireUser(req).id)).filter((t) => t.status === 'active');
    res.json({
      objects: tokens.map((t) => ({
        key: t.key,
        name: t.name,
        token: t.prefix,
        created: t.created,
        updated: t.created,
        readonly: t.readonly,
        cidr_whitelist: null,
      })),
      total: tokens.length,
      urls: {},
    });
  });

  r.post('/-/npm/v1/tokens', async (req, res) => {
    const user = requireUser(req);
    const input = parseBody(npmCreateSchema, req.body);
    await s.accounts.authenticate(user.username, input.password, { address: req.ip });
    const { secret, token } = await s.userTokens.create(req.viewer, {
      name: input.name ?? 'npm token',
      readonly: input.readonly ?? false,
    });
    res.json({
      key: token.key,
      token: secret,
      created: token.created_at.toISOString(),
      readonly: token.readonly,
      cidr_whitelist: null,
    });
  });

  r.delete('/-/npm/v1/tokens/token/:key', async (req, res) => {
    requireUser(req);
    await s.userTokens.revoke(req.viewer, { key: param(req, 'key') });
    res.status(204).end();
  });

  return r;
}
