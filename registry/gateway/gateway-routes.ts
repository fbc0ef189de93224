import { Router, type Request } from 'express';
import { unauthorized } from '@aerostack/contract/errors.js';
import type { GatewayPrincipal } from '../domain/workspaces/workspace-tokens.js';
import { bearerSecret } from '../http/authenticate.js';
import type { GatewayDeps } from './gateway-deps.js';
import type { McpGateway } from './mcp-server.js';

// The MCP SDK and what is built on it load with the first request that gets this far, not at start-up:
// a registry whose gateway is never called does not carry them. Node's module cache keeps them after.
let mcpServer: Promise<typeof import('./mcp-server.js')> | undefined;
const loadMcpServer = () => (mcpServer ??= import('./mcp-server.js'));

/**
 * `POST /ws/<slug>`: MCP over Streamable HTTP in the transport's stateless mode — every request is
 * authenticated and served on its own, so any instance can answer any request and nothing about a
 * session has to be shared. The `mwt_` token is checked on every request.
 */
export function gatewayRoutes(deps: GatewayDeps): Router {
  const r = Router();
  // This instance's MCP side (with its catalogue cache), built when the first request needs it.
  let mcp: Promise<McpGateway> | undefined;
  r.all('/ws/:slug', async (req, res) => {
    const slug = String(req.params.slug);
    const { principal, epoch } = await authenticate(deps, req, slug);
    const wait = deps.limiter.take(principal.tokenId, principal.rateLimitPerMinute);
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      res.status(429).json({
        error: `Rate limit of ${principal.rateLimitPerMinute} requests per minute exceeded; retry in ${wait}s`,
      });
      return;
    }
    if (req.method !== 'POST') {
      // Stateless: no server-initiated stream (GET) and no session to end (DELETE).
      res.setHeader('Allow', 'POST');
      res.status(405).json({
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Method not allowed: this gateway is stateless, use POST' },
        id: null,
      });
      return;
    }
    const gateway = await (mcp ??= loadMcpServer().then((m) => m.mcpGateway(deps)));
    await gateway.serve(principal, epoch, req, res);
  });
  return r;
}

/** The caller, and the change epoch it was checked under (what the catalogue cache is keyed by). */
async function authenticate(
  deps: GatewayDeps,
  req: Request,
  slug: string,
): Promise<{ principal: GatewayPrincipal; epoch: number }> {
  // The API's parser; the gateway answers a missing and a malformed header alike, naming what to send.
  const secret = (() => {
    try {
      return bearerSecret(req.headers.authorization);
    } catch {
      return null;
    }
  })();
  if (secret === null) throw unauthorized('Send the workspace token: Authorization: Bearer mwt_…');
  return deps.tokens.authenticateAt(slug, secret);
}
