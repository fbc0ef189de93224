import { Router, type Request, type Response } from 'express';
import { pipeline } from 'node:stream/promises';
import type { Services } from '../../domain/services.js';
import type { Archive } from '../../domain/discovery/agent-skills-index.js';
import type { GatewayPrincipal } from '../../domain/workspaces/workspace-tokens.js';
import { workspaceBearer, workspaceTokenChallenges } from '../workspace-bearer.js';
import { hostOriginGuard, type HostOriginRules } from '../host-origin-guard.js';
import { param } from '../context.js';

const INDEX = '/.well-known/agent-skills/index.json';
const ARCHIVE = '/.well-known/agent-skills/:scope/:slug/:file';

/**
 * The registry-wide Agent Skills index (agentskills.io's well-known URI): public Agent Skills only,
 * the same for every caller, so it may be read from any origin. Its archives are served here too,
 * as the spec wants them (`application/gzip`, GET and HEAD).
 */
export function agentSkillsIndexRoutes(s: Services): Router {
  const r = Router();
  r.get(INDEX, async (_req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cache-Control', 'public, max-age=60');
    res.json(await s.agentSkillsIndexes.registryIndex());
  });
  r.get(ARCHIVE, async (req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    const archive = await s.agentSkillsIndexes.publicArchive(
      param(req, 'scope'),
      param(req, 'slug'),
      param(req, 'file'),
    );
    await sendArchive(req, res, archive, 'public, max-age=300');
  });
  return r;
}

/**
 * `/ws/<slug>/.well-known/agent-skills/…`: the Agent Skills installed in a workspace and their
 * archives, for the same `mwt_` token as the workspace's gateway, checked the same way (Host and
 * Origin first, then the token; 401 with the gateway's challenge). Mounted before the `aer_`
 * authentication, as the gateway is.
 */
export function workspaceSkillsIndexRoutes(s: Services, http: HostOriginRules): Router {
  const r = Router();
  const guard = hostOriginGuard(http);
  r.get(`/ws/:ws${INDEX}`, guard, async (req, res) => {
    const principal = await principalOf(s, req);
    res.setHeader('Cache-Control', 'private, no-cache');
    res.json(await s.agentSkillsIndexes.workspaceIndex(principal));
  });
  r.get(`/ws/:ws${ARCHIVE}`, guard, async (req, res) => {
    const principal = await principalOf(s, req);
    const archive = await s.agentSkillsIndexes.workspaceArchive(
      principal,
      param(req, 'scope'),
      param(req, 'slug'),
      param(req, 'file'),
    );
    await sendArchive(req, res, archive, 'private, max-age=300');
  });
  r.use('/ws/:ws/.well-known', workspaceTokenChallenges);
  return r;
}

async function principalOf(s: Services, req: Request): Promise<GatewayPrincipal> {
  return (await s.workspaceTokens.authenticateAt(param(req, 'ws'), workspaceBearer(req))).principal;
}

/** The stored tarball, byte for byte: the digest in the index is of exactly these bytes. */
async function sendArchive(req: Request, res: Response, archive: Archive, cache: string): Promise<void> {
  res.setHeader('Content-Type', 'application/gzip');
  res.setHeader('Content-Length', String(archive.size));
  res.setHeader('Cache-Control', cache);
  if (req.method === 'HEAD') {
    archive.stream.destroy();
    res.end();
    return;
  }
  await pipeline(archive.stream, res);
}
