import { Router, type RequestHandler } from 'express';
import type { Services } from '../../domain/services.js';
import { parseMcpListQuery } from '../../domain/discovery/mcp-servers.js';
import { param } from '../context.js';

/**
 * The MCP Registry read API, `v0.1` (modelcontextprotocol/registry docs/reference/api/openapi.yaml):
 * what MCP clients and aggregators (VS Code's MCP registry setting among them) read. Anonymous
 * callers see public mcp skills; an `aer_` token adds what its user may read and the workspaces they
 * may use (registry/domain/discovery/mcp-servers.ts).
 */
export function mcpRegistryRoutes(s: Services): Router {
  const r = Router();
  r.use('/v0.1', cors);
  // A preflight allows a plain GET from any origin. It does not allow Authorization: an answer for a
  // signed-in caller is never shared with another origin (below), so a browser could not read it anyway.
  r.options('/v0.1/*rest', (_req, res) => {
    res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
    res.setHeader('Access-Control-Max-Age', '86400');
    res.status(204).end();
  });
  r.get('/v0.1/servers', async (req, res) => {
    res.json(await s.mcpServers.list(req.viewer, parseMcpListQuery(req.query)));
  });
  // `{serverName}` comes URL-encoded (`dev.acme.registry.acme%2Fcrm-sync`); express decodes it.
  r.get('/v0.1/servers/:serverName/versions', async (req, res) => {
    res.json(await s.mcpServers.versions(req.viewer, param(req, 'serverName')));
  });
  r.get('/v0.1/servers/:serverName/versions/:version', async (req, res) => {
    res.json(await s.mcpServers.version(req.viewer, param(req, 'serverName'), param(req, 'version')));
  });
  return r;
}

/**
 * `Access-Control-Allow-Origin: *` on what anonymous callers get (public entries only), errors
 * included; an answer for a token holds what only they may see, so it is never shared cross-origin.
 */
const cors: RequestHandler = (req, res, next) => {
  res.setHeader('Vary', 'Authorization');
  if (req.viewer.user) res.setHeader('Cache-Control', 'private, no-cache');
  else {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cache-Control', 'public, max-age=60');
  }
  next();
};
